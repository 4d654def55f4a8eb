"""Dispatch services (docs/domain.md §dispatch): the
transition matrix, every guard, the ticket hand-off, follow-ups and defect escalation,
sales leads, parts, and the signature covering the exact report signed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_fsm import can_proceed

from contracts.choices import RevisitReason, RevisitState
from contracts.models import Revisit
from contracts.services.visits import revisit_record
from fieldservice.choices import DispatchSource, DispatchState, NextStep, Outcome
from fieldservice.models import Dispatch, EngineerLeave, SalesLead
from fieldservice.services import (
    dispatch_archive,
    dispatch_assign,
    dispatch_cancel,
    dispatch_check_in,
    dispatch_complete,
    dispatch_confirm,
    dispatch_reschedule,
    dispatch_save_report,
    dispatch_schedule,
    dispatch_sign,
    dispatch_verify,
    dispatch_write_off,
    part_add,
    part_approve,
)
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification, SlaTimer
from servicedesk.core.services import event_record
from tests.fieldservice.factories import (
    REPORT,
    advance,
    make_engineer,
    new_dispatch,
    reload,
    signature_png,
)
from tests.tickets.factories import make_contract, take_call
from tickets.choices import TicketState
from tickets.services import ticket_request_dispatch

pytestmark = [pytest.mark.django_db]

ALLOWED = {
    "verify": {"requested"},
    "assign": {"verified", "assigned", "confirmed"},
    "confirm": {"assigned"},
    "schedule": {"confirmed"},
    "reschedule": {"scheduled"},
    "check_in": {"scheduled"},
    "complete": {"on_site"},
    "write_off": {"completed"},
    "archive": {"written_off"},
    "cancel": {"requested", "verified", "assigned", "confirmed", "scheduled"},
}


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun")


def _in_state(dispatch: Dispatch, state: str) -> Dispatch:
    Dispatch.objects.filter(pk=dispatch.pk).update(state=state)
    return reload(dispatch)


@pytest.mark.parametrize("state", DispatchState.values)
def test_transition_matrix(manager, state):
    d = _in_state(new_dispatch(manager), state)
    for name, sources in ALLOWED.items():
        assert can_proceed(getattr(d, name), check_conditions=False) == (state in sources), (
            name,
            state,
        )
    assert set(ALLOWED) == {t.name for t in d.get_all_state_transitions()}


@pytest.mark.parametrize("state", [s for s in DispatchState.values if s not in ("requested",)])
def test_services_refuse_from_wrong_states(manager, state):
    d = _in_state(new_dispatch(manager), state)
    with pytest.raises(TransitionConflict):
        dispatch_verify(d, by=manager)


def test_full_life_cycle_solved(manager, engineer):
    d = new_dispatch(manager)
    assert (d.state, d.source) == (DispatchState.REQUESTED, DispatchSource.MANAGER)
    assert d.number.startswith("PG") and d.site_address.startswith("上海")
    assert d.contact_name == "王主任" and d.contact_phone == "13900001111"
    d = advance(d, DispatchState.COMPLETED, manager=manager, engineer=engineer)
    assert d.customer_signature_id is not None
    assert d.person_days == pytest.approx(0.5)
    timers = {t.target: t for t in SlaTimer.objects.for_subject(d)}
    assert timers["arrival"].state == TimerState.MET
    assert timers["write_off"].state == TimerState.RUNNING
    assert timers["follow_up"].state == TimerState.RUNNING
    d = dispatch_write_off(d, by=manager)
    assert (d.state, d.written_off_by) == (DispatchState.WRITTEN_OFF, manager)
    assert SlaTimer.objects.for_subject(d).get(target="write_off").state == TimerState.MET
    d = dispatch_archive(d, by=manager)
    assert d.state == DispatchState.ARCHIVED
    kinds = set(
        DomainEvent.objects.filter(target_id=d.pk, kind__startswith="dispatch.").values_list(
            "kind", flat=True
        )
    )
    assert {
        "dispatch.verify",
        "dispatch.assign",
        "dispatch.complete",
        "dispatch.write_off",
    } <= kinds
    reasons = list(d.history.values_list("history_change_reason", flat=True))
    assert "complete" in reasons and "write_off" in reasons


# -- assignment guards -------------------------------------------------------------------


def test_assign_refuses_uncertified_engineer(manager, make_user):
    d = dispatch_verify(new_dispatch(manager), by=manager)
    never = make_engineer(make_user, certified_on=None)
    with pytest.raises(ApplicationError, match="has not passed certification") as exc:
        dispatch_assign(d, by=manager, engineer=never)
    assert "engineer" in exc.value.extra
    expired = make_engineer(
        make_user, certified_on=dt.date(2024, 1, 1), expires_on=dt.date(2025, 1, 1)
    )
    with pytest.raises(ApplicationError, match="certification expired"):
        dispatch_assign(d, by=manager, engineer=expired)
    inactive = make_engineer(make_user, active=False)
    with pytest.raises(ApplicationError, match="not active"):
        dispatch_assign(d, by=manager, engineer=inactive)
    assert reload(d).state == DispatchState.VERIFIED
    assert reload(d).engineer_id is None


def test_assign_refuses_engineer_on_leave_and_overlaps(manager, engineer):
    day = timezone.localdate() + dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    EngineerLeave.objects.create(engineer=engineer, starts_on=day, ends_on=day, reason="病假")
    d = dispatch_verify(new_dispatch(manager), by=manager)
    with pytest.raises(ApplicationError, match="on leave"):
        dispatch_assign(d, by=manager, engineer=engineer, planned_start=start)
    other_day = start + dt.timedelta(days=1)
    first = dispatch_verify(new_dispatch(manager), by=manager)
    dispatch_assign(first, by=manager, engineer=engineer, planned_start=other_day)
    with pytest.raises(ApplicationError, match="already has") as exc:
        dispatch_assign(
            d, by=manager, engineer=engineer, planned_start=other_day + dt.timedelta(hours=1)
        )
    assert first.number in exc.value.message
    # Right after the first visit's two hours: free.
    d = dispatch_assign(
        d, by=manager, engineer=engineer, planned_start=other_day + dt.timedelta(hours=2)
    )
    assert d.state == DispatchState.ASSIGNED


def test_only_managers_assign_and_only_the_engineer_works(manager, engineer, make_user):
    d = dispatch_verify(new_dispatch(manager), by=manager)
    with pytest.raises(NotPermitted):
        dispatch_assign(d, by=engineer.user, engineer=engineer)
    d = dispatch_assign(d, by=manager, engineer=engineer)
    colleague = make_engineer(make_user)
    with pytest.raises(NotPermitted):
        dispatch_confirm(d, by=colleague.user)
    assert dispatch_confirm(d, by=engineer.user).state == DispatchState.CONFIRMED


# -- appointment ---------------------------------------------------------------------------


def test_schedule_starts_arrival_due_at_the_appointment(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.CONFIRMED, manager=manager, engineer=engineer)
    with pytest.raises(ApplicationError, match="past"):
        dispatch_schedule(
            d, by=engineer.user, appointment_at=timezone.now() - dt.timedelta(hours=1)
        )
    at = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    d = dispatch_schedule(
        d,
        by=engineer.user,
        appointment_at=at,
        note="王主任电话确认",
        out_of_hours_reason="客户要求",
    )
    timer = SlaTimer.objects.for_subject(d).get(target="arrival")
    assert (timer.state, timer.due_at, timer.assignee) == (TimerState.RUNNING, at, engineer.user)
    assert d.appointment_note == "王主任电话确认"


def test_reschedule_before_the_appointment_with_reason(manager, engineer):
    at = timezone.now() + dt.timedelta(hours=3)
    d = advance(
        new_dispatch(manager),
        DispatchState.SCHEDULED,
        manager=manager,
        engineer=engineer,
        appointment=at,
    )
    later = at + dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as exc:
        dispatch_reschedule(
            d, by=engineer.user, appointment_at=later, reason="", customer_informed=False
        )
    assert {"reason", "customer_informed"} <= set(exc.value.extra)
    d = dispatch_reschedule(
        d,
        by=engineer.user,
        appointment_at=later,
        reason="客户临时开会",
        customer_informed=True,
        out_of_hours_reason="客户要求",
    )
    assert (d.state, d.appointment_at, d.reschedule_count) == (DispatchState.SCHEDULED, later, 1)
    assert d.reschedules.get().reason == "客户临时开会"
    timers = SlaTimer.objects.for_subject(d).filter(target="arrival")
    assert timers.get(state=TimerState.RUNNING).due_at == later
    assert timers.filter(state=TimerState.CANCELLED).count() == 1


def test_reschedule_after_the_appointment_time_is_refused(manager, engineer, monkeypatch):
    at = timezone.now() + dt.timedelta(hours=1)
    d = advance(
        new_dispatch(manager),
        DispatchState.SCHEDULED,
        manager=manager,
        engineer=engineer,
        appointment=at,
    )
    late = at + dt.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: late)
    with pytest.raises(TransitionConflict, match="appointed time has passed"):
        dispatch_reschedule(
            d,
            by=engineer.user,
            appointment_at=late + dt.timedelta(hours=5),
            reason="堵车",
            customer_informed=True,
        )
    assert reload(d).appointment_at == at


def test_late_check_in_breaches_arrival(manager, engineer, monkeypatch):
    at = timezone.now() + dt.timedelta(hours=1)
    d = advance(
        new_dispatch(manager),
        DispatchState.SCHEDULED,
        manager=manager,
        engineer=engineer,
        appointment=at,
    )
    late = at + dt.timedelta(minutes=25)
    monkeypatch.setattr(timezone, "now", lambda: late)
    d = dispatch_check_in(d, by=engineer.user)
    timer = SlaTimer.objects.for_subject(d).get(target="arrival")
    assert timer.state == TimerState.BREACHED and timer.met_at == late


# -- completion guards ------------------------------------------------------------------------


def test_complete_requires_the_customers_signature(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    with pytest.raises(ApplicationError, match="must sign") as exc:
        dispatch_complete(d, by=engineer.user, **REPORT)
    assert "signature" in exc.value.extra
    d = reload(d)
    assert d.state == DispatchState.ON_SITE and d.outcome == ""  # rolled back


def test_complete_requires_the_report_fields(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    with pytest.raises(ApplicationError) as exc:
        dispatch_complete(
            d,
            by=engineer.user,
            outcome="",
            cause="",
            solution="",
            steps="",
            precautions="",
            signature_image=signature_png(),
            signer_name="王主任",
        )
    assert {"outcome", "cause", "solution", "steps", "precautions"} <= set(exc.value.extra)


def test_software_work_requires_backup_and_its_location(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    assert d.software_work
    with pytest.raises(ApplicationError, match="where the backup is stored") as exc:
        dispatch_complete(
            d,
            by=engineer.user,
            signature_image=signature_png(),
            signer_name="王主任",
            **{**REPORT, "backup_location": ""},
        )
    assert "backup_location" in exc.value.extra
    hardware = advance(
        new_dispatch(manager, kind="routine_inspection"),
        DispatchState.ON_SITE,
        manager=manager,
        engineer=engineer,
        appointment=timezone.now() + dt.timedelta(days=2),
    )
    assert not hardware.software_work
    done = dispatch_complete(
        hardware,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "backup_done": False, "backup_location": ""},
    )
    assert done.state == DispatchState.COMPLETED


def test_scan_uploaded_before_completion_counts_and_a_changed_report_needs_a_new_one(
    manager, engineer
):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    d = dispatch_save_report(d, by=engineer.user, **REPORT)
    dispatch_sign(d, by=engineer.user, signer_name="王主任", image=signature_png())
    assert reload(d).customer_signature_id is not None
    # Completing with the very report that was signed: accepted without a new signature.
    done = dispatch_complete(reload(d), by=engineer.user, **REPORT)
    assert done.state == DispatchState.COMPLETED

    d2 = advance(
        new_dispatch(manager),
        DispatchState.ON_SITE,
        manager=manager,
        engineer=engineer,
        appointment=timezone.now() + dt.timedelta(days=3),
    )
    d2 = dispatch_save_report(d2, by=engineer.user, **REPORT)
    dispatch_sign(d2, by=engineer.user, signer_name="王主任", image=signature_png())
    with pytest.raises(ApplicationError, match="must sign"):
        dispatch_complete(reload(d2), by=engineer.user, **{**REPORT, "cause": "另一个原因"})


def test_new_needs_become_sales_leads_for_the_sales_manager(manager, engineer, sales):
    contract = make_contract(sales)
    d = new_dispatch(manager, customer=contract.customer, contract=contract, site_address="现场")
    d = advance(d, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    dispatch_complete(
        d,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        leads=[{"kind": "upgrade", "description": "想升级到 V15"}],
        **REPORT,
    )
    lead = SalesLead.objects.get()
    assert (lead.kind, lead.sales_manager, lead.customer) == ("upgrade", sales, d.customer)
    assert Notification.objects.filter(recipient=sales, kind="sales_lead").exists()
    assert "想升级到 V15" in reload(d).new_needs


def test_parts_emergency_loan_then_approval(manager, engineer, make_user):
    tech = make_user(Role.TECH_MANAGER, username="weidong")
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    part = part_add(d, by=engineer.user, part_name="电源模块", kind="loan", emergency=True)
    assert part.paperwork_pending
    assert Notification.objects.filter(recipient=tech, kind="spare_part_approval").exists()
    with pytest.raises(ApplicationError):
        part_add(d, by=engineer.user, part_name="硬盘", kind="faulty")  # untagged faulty part
    with pytest.raises(NotPermitted):
        part_approve(part, by=engineer.user)
    assert part_approve(part, by=tech).approved_by == tech


# -- write-off: next steps and the ticket -------------------------------------------------------


def _hotline_dispatch(make_user, manager):
    hotline = make_user(Role.HOTLINE_ENGINEER, username="wangjing")
    customer = make_contract(make_user(Role.SALES_MANAGER)).customer
    customer.address = "苏州工业园区星湖街 328 号"
    customer.save()
    ticket = take_call(hotline, customer)
    ticket = ticket_request_dispatch(ticket, by=hotline, notes="带上恢复 U 盘")
    return ticket, ticket.dispatches.get()


def test_ticket_request_becomes_a_dispatch_and_follows_it_to_resolved(make_user, manager, engineer):
    ticket, d = _hotline_dispatch(make_user, manager)
    assert (d.state, d.source, d.notes) == (DispatchState.REQUESTED, "ticket", "带上恢复 U 盘")
    assert d.problem == ticket.description and d.contact_name == ticket.caller_name
    d = dispatch_verify(d, by=manager)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED
    d = advance(d, DispatchState.COMPLETED, manager=manager, engineer=engineer)
    dispatch_write_off(d, by=manager)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RESOLVED
    assert ticket.cause == REPORT["cause"] and ticket.solution == REPORT["solution"]


def test_unsolved_needs_a_next_step_and_the_follow_up_resolves_the_ticket(
    make_user, manager, engineer
):
    ticket, d = _hotline_dispatch(make_user, manager)
    d = advance(d, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    d = dispatch_complete(
        d,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": Outcome.UNSOLVED},
    )
    with pytest.raises(ApplicationError, match="follow-up dispatch or escalate"):
        dispatch_write_off(d, by=manager)
    with pytest.raises(ApplicationError, match="Record the defect first"):
        dispatch_write_off(d, by=manager, next_step=NextStep.DEFECT)
    d = dispatch_write_off(d, by=manager, next_step=NextStep.FOLLOW_UP, note="带备件再去")
    assert d.next_step == NextStep.FOLLOW_UP
    child = d.follow_ups.get()
    assert (child.state, child.ticket, child.source) == (
        DispatchState.VERIFIED,
        ticket,
        "follow_up",
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED  # not solved yet
    child = advance(
        child,
        DispatchState.COMPLETED,
        manager=manager,
        engineer=engineer,
        appointment=timezone.now() + dt.timedelta(days=2),
    )
    dispatch_write_off(child, by=manager)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RESOLVED


def test_defect_recorded_marks_the_escalation(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    d = dispatch_complete(
        d,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": Outcome.PARTIALLY_SOLVED},
    )
    # What the defects app announces on recording the defect (docs/architecture.md §apps.events).
    event_record(
        kind="defect.recorded",
        target=d,
        actor=manager,
        data={
            "defect": 4711,
            "number": "BUG-2026-0042",
            "severity": "serious",
            "dispatch": d.pk,
            "ticket": None,
        },
    )
    d = reload(d)
    assert (d.defect_id, d.defect_number, d.next_step) == (4711, "BUG-2026-0042", NextStep.DEFECT)
    assert d.escalated_at is not None
    d = dispatch_write_off(d, by=manager)
    assert d.state == DispatchState.WRITTEN_OFF and not d.follow_ups.exists()


def test_field_engineer_cannot_write_off(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=engineer)
    with pytest.raises(NotPermitted):
        dispatch_write_off(d, by=engineer.user)


def test_follow_up_call_is_a_post_visit_revisit(manager, engineer, make_user):
    make_user(Role.FIRST_VISIT_AGENT, username="wufang")
    d = advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=engineer)
    revisit = Revisit.objects.get(reason=RevisitReason.POST_VISIT, source_id=d.pk)
    timer = SlaTimer.objects.for_subject(d).get(target="follow_up")
    assert revisit.due_on == timezone.localdate(timer.due_at)
    assert revisit.state == RevisitState.SCHEDULED
    revisit_record(revisit, by=manager, contact_name="王主任", opinion="很满意", satisfaction=5)
    d = reload(d)
    assert d.follow_up_satisfaction == 5 and d.followed_up_at is not None
    assert SlaTimer.objects.for_subject(d).get(target="follow_up").state == TimerState.MET


def test_cancel_before_on_site_only_with_reason(manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.SCHEDULED, manager=manager, engineer=engineer)
    with pytest.raises(ApplicationError):
        dispatch_cancel(d, by=manager, reason=" ")
    d = dispatch_cancel(d, by=manager, reason="客户已自行解决")
    assert d.state == DispatchState.CANCELLED
    assert not SlaTimer.objects.for_subject(d).open().exists()
    on_site = advance(
        new_dispatch(manager),
        DispatchState.ON_SITE,
        manager=manager,
        engineer=engineer,
        appointment=timezone.now() + dt.timedelta(days=2),
    )
    with pytest.raises(TransitionConflict):
        dispatch_cancel(on_site, by=manager, reason="太晚了")


def test_out_of_scope_dispatch_shows_its_charge(manager, sales):
    contract = make_contract(sales, scope=("phone_support",))
    d = new_dispatch(manager, customer=contract.customer, site_address="现场")
    assert d.entitlement == "out_of_scope"
    assert d.charge and d.service_fee is not None


def test_revisit_asking_for_an_on_site_visit_opens_a_dispatch(manager, make_user):
    from contracts.services.visits import revisit_schedule

    sales = make_user(Role.SALES_MANAGER)
    customer = make_contract(sales).customer
    customer.address = "无锡市新吴区长江路 7 号"
    customer.save()
    revisit = revisit_schedule(
        customer=customer,
        reason=RevisitReason.POST_TRAINING,
        due_on=timezone.localdate(),
        by=manager,
    )
    revisit_record(
        revisit,
        by=manager,
        contact_name="李会计",
        opinion="培训后仍不会用",
        satisfaction=3,
        issue_raised="需要上门再讲一次成本核算",
        follow_up="on_site",
    )
    d = Dispatch.objects.get(customer=customer)
    assert (d.state, d.source, d.problem) == ("requested", "revisit", "需要上门再讲一次成本核算")
    assert d.site_address == "无锡市新吴区长江路 7 号" and d.contact_name == "李会计"


def test_signed_scan_uploaded_on_the_core_sign_page_counts(client, manager, engineer):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from PIL import Image

    from servicedesk.core.templatetags.desk import content_type_id

    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    d = dispatch_save_report(d, by=engineer.user, **REPORT)
    buf = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buf, format="PNG")
    client.force_login(engineer.user)
    url = reverse("core:form-sign", args=[content_type_id(d), d.pk, "service_report"])
    response = client.post(
        url,
        {
            "signer_name": "王主任",
            "signer_role": "customer",
            "file": SimpleUploadedFile("scan.png", buf.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code in (200, 302)
    d = reload(d)
    assert d.customer_signature is not None and d.customer_signature.method == "scan"
    assert dispatch_complete(d, by=engineer.user, **REPORT).state == DispatchState.COMPLETED


def test_defect_recorded_in_the_defects_app_satisfies_the_write_off(manager, engineer, make_user):
    from defects.services import defect_record

    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    d = dispatch_complete(
        d,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": Outcome.UNSOLVED},
    )
    defect = defect_record(
        by=manager,
        severity="serious",
        title="批量打印退出",
        steps="打印 100 张凭证",
        customer_sees="程序退出",
        product="U8",
        version="V15",
        module="总账",
        site=d.site_address,
        customer=d.customer,
        dispatch=d,
    )
    d = reload(d)
    assert (d.defect_id, d.defect_number, d.next_step) == (defect.pk, defect.number, "defect")
    assert dispatch_write_off(d, by=manager).state == DispatchState.WRITTEN_OFF
