"""The work queue shows what waits for me, not only timers (issue 10 §12).

Apps declare the steps at which their records wait for someone (core.workqueue); the
dashboard lists every record waiting for the user — negotiations, signatures,
evaluations, write-offs… — with its deadline when there is one. Dashboard counts are
the user's own (their team's for managers), not the company's. Notifications about a
record close themselves when the record moves past that step; "mark all read" exists.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from defects.choices import RequirementState
from defects.models import SOLUTION_FORM, Requirement
from fieldservice.choices import DispatchState
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import Notification, Signature, SlaTimer, StaffProfile
from servicedesk.core.services.timers import sla_sweep, timer_meet, timer_start
from tests.defects.factories import in_state, record_requirement
from tests.fieldservice.factories import new_dispatch
from tests.tickets.factories import make_contract, make_customer, take_call
from tickets.choices import CommercialDecision, TicketState
from tickets.services import ticket_commercial_decide, ticket_scope_decide

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]


@pytest.fixture
def people(make_user):
    return {
        "sales": make_user(Role.SALES_MANAGER, username="qianjun"),
        "other_sales": make_user(Role.SALES_MANAGER, username="liuyang"),
        "director": make_user(Role.DIRECTOR, username="zhaomin"),
        "hotline": make_user(Role.HOTLINE_ENGINEER, username="wangjing"),
        "service": make_user(Role.SERVICE_MANAGER, username="zhengwei"),
        "tech": make_user(Role.TECH_MANAGER, username="weidong"),
    }


def work_queue(*, user):
    # Imported here: the module must collect on the code before the work queue existed.
    from servicedesk.core.selectors import work_queue as queue

    return queue(user=user)


def dashboard_counts(*, user):
    from servicedesk.core.selectors import dashboard_counts as counts

    return counts(user=user)


def steps_of(user) -> list[str]:
    return [item.step for item in work_queue(user=user)]


@pytest.fixture
def expired_customer(people):
    return make_contract(
        people["sales"], free=(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    ).customer


def test_every_app_declares_its_steps():
    from servicedesk.core.workqueue import WaitingStep, waiting_steps

    apps = {step.model.split(".")[0] for step in waiting_steps()}
    assert {"tickets", "fieldservice", "defects", "contracts"} <= apps
    assert all(isinstance(step, WaitingStep) for step in waiting_steps())


def test_sales_see_the_charge_to_negotiate_and_the_solution_to_sign(people, expired_customer):
    ticket = take_call(people["hotline"], expired_customer)
    assert ticket.state == TicketState.COMMERCIAL_REVIEW
    quoted = in_state(
        record_requirement(people["sales"], expired_customer), RequirementState.QUOTED
    )
    to_sign = in_state(
        record_requirement(people["sales"], expired_customer), RequirementState.ACCEPTED
    )

    items = work_queue(user=people["sales"])
    by_step = {(i.step, i.record.pk) for i in items}
    assert ("tickets.commercial_review", ticket.pk) in by_step
    assert ("defects.negotiate", quoted.pk) in by_step
    assert ("defects.sign_sales", to_sign.pk) in by_step
    # Another sales manager's customers are not in my queue.
    assert steps_of(people["other_sales"]) == []
    # The director signs the same 方案确定书.
    assert ("defects.sign_director", to_sign.pk) in {
        (i.step, i.record.pk) for i in work_queue(user=people["director"])
    }


def test_a_signature_takes_the_step_off_the_signer_s_queue(people, expired_customer):
    to_sign = in_state(
        record_requirement(people["sales"], expired_customer), RequirementState.ACCEPTED
    )
    Signature.objects.create(
        target_type=ContentType.objects.get_for_model(Requirement),
        target_id=to_sign.pk,
        form=SOLUTION_FORM,
        signer_name="钱军",
        signer_role="sales_manager",
        method="drawn",
        file_sha256="0" * 64,
        content_sha256="0" * 64,
        signed_at=timezone.now(),
        recorded_by=people["sales"],
    )
    assert "defects.sign_sales" not in steps_of(people["sales"])
    assert "defects.sign_director" in steps_of(people["director"])


def test_the_service_manager_sees_the_write_off_with_its_deadline(people):
    dispatch = new_dispatch(people["service"])
    assert "fieldservice.verify" in steps_of(people["service"])
    dispatch = in_state(dispatch, DispatchState.COMPLETED)
    timer = timer_start(subject=dispatch, target="write_off", assignee=people["service"])
    item = next(i for i in work_queue(user=people["service"]) if i.record.pk == dispatch.pk)
    assert item.step == "fieldservice.write_off"
    assert item.due_at == timer.due_at
    assert "fieldservice.write_off" not in steps_of(people["hotline"])


def test_the_dashboard_lists_what_waits_not_only_timers(client, people, expired_customer):
    take_call(people["hotline"], expired_customer)
    client.force_login(people["sales"])
    page = client.get("/").content.decode()
    assert 'data-step="tickets.commercial_review"' in page
    assert "Nothing is waiting for you." not in page
    # The expired contract waits for the renewal decision too (docs/domain.md §contract.period-end).
    assert 'data-step="contracts.renewal"' in page
    rows = page.count('data-testid="work-item"')
    assert f'data-testid="count-waiting">{rows}<' in page


# -- counts: mine, my team's, never the company's -------------------------------------------


def _breached_timer(subject, assignee):
    timer = timer_start(
        subject=subject,
        target="reply",
        assignee=assignee,
        started_at=timezone.now() - dt.timedelta(days=2),
        amount=1,
        unit="minutes",
    )
    sla_sweep(now=timezone.now())
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED
    return timer


def test_dashboard_counts_are_the_user_s_and_their_team_s(make_user, people):
    customer = make_contract(people["sales"]).customer
    mine = make_user(Role.HOTLINE_ENGINEER, username="fenglei")
    StaffProfile.objects.create(user=mine, manager=people["service"])
    stranger = make_user(Role.FIELD_ENGINEER, username="chengang")
    _breached_timer(take_call(mine, customer), mine)
    _breached_timer(take_call(stranger, customer), stranger)
    timer_start(subject=take_call(people["hotline"], customer), target="callback", assignee=mine)

    team = dashboard_counts(user=people["service"])
    assert team["is_manager"] is True
    assert team["overdue"] == 1  # the report's, not the stranger's
    assert (
        team["team_running"]
        == SlaTimer.objects.filter(state=TimerState.RUNNING, assignee=mine).count()
    )
    alone = dashboard_counts(user=people["director"])  # nobody reports to them here
    assert (alone["is_manager"], alone["overdue"], alone["team_running"]) == (False, 0, 0)
    own = dashboard_counts(user=mine)
    assert own["overdue"] == 1
    assert (
        own["my_deadlines"]
        == SlaTimer.objects.filter(assignee=mine, met_at=None)
        .exclude(state__in=[TimerState.CANCELLED, TimerState.MET])
        .count()
    )


# -- notifications close themselves -------------------------------------------------------------


def test_the_charge_notification_closes_when_the_charge_is_decided(people, expired_customer):
    ticket = take_call(people["hotline"], expired_customer)
    note = Notification.objects.get(kind="commercial_review", recipient=people["sales"])
    assert note.closed_at is None
    ticket_commercial_decide(
        ticket, by=people["sales"], decision=CommercialDecision.CHARGE_AGREED, amount=Decimal(300)
    )
    note.refresh_from_db()
    assert note.closed_at is not None and note.read_at is not None
    # Other notifications about the ticket stay as they were.
    assert Notification.objects.filter(kind="commercial_decision", closed_at=None).exists()


def test_the_scope_notification_closes_for_every_arbiter(people):
    customer = make_customer(people["sales"])  # no contract: undetermined
    ticket = take_call(people["hotline"], customer)
    assert ticket.state == TicketState.SCOPE_REVIEW
    notes = Notification.objects.filter(kind="scope_review", target_id=ticket.pk)
    assert notes.count() == 2  # director and technical manager
    ticket_scope_decide(ticket, by=people["director"], in_scope=True)
    assert not notes.filter(closed_at=None).exists()


def test_deadline_notifications_close_when_the_deadline_is_met(people):
    ticket = take_call(people["hotline"], make_contract(people["sales"]).customer)
    timer = timer_start(
        subject=ticket,
        target="callback",
        assignee=people["hotline"],
        started_at=timezone.now() - dt.timedelta(hours=2),
        amount=1,
        unit="minutes",
    )
    sla_sweep(now=timezone.now())
    breach = Notification.objects.get(kind="sla_breach", dedupe_key__startswith=f"sla:{timer.pk}:")
    assert breach.closed_at is None
    timer_meet(subject=ticket, target="callback")
    breach.refresh_from_db()
    assert breach.closed_at is not None


def test_mark_all_read_from_the_dashboard_and_closed_ones_read_as_handled(
    client, people, expired_customer
):
    ticket = take_call(people["hotline"], expired_customer)
    client.force_login(people["sales"])
    page = client.get("/").content.decode()
    assert 'data-testid="read-all"' in page
    response = client.post("/notifications/read-all/", {"next": "/"})
    assert response.status_code == 302 and response.url == "/"
    assert not Notification.objects.filter(recipient=people["sales"], read_at=None).exists()
    ticket_commercial_decide(
        ticket, by=people["sales"], decision=CommercialDecision.WAIVED, note="老客户"
    )
    page = client.get("/notifications/").content.decode()
    assert 'data-testid="notification-done"' in page


def test_api_work_queue(people, expired_customer):
    from rest_framework.test import APIClient

    ticket = take_call(people["hotline"], expired_customer)
    api = APIClient()
    api.force_authenticate(people["sales"])
    data = api.get("/api/v1/work-queue/").json()
    item = next(i for i in data["items"] if i["step"] == "tickets.commercial_review")
    assert (item["record_type"], item["record_id"]) == ("tickets.ticket", ticket.pk)
    assert item["label"] and item["url"].endswith(f"/{ticket.pk}/")
    assert set(data["counts"]) >= {"my_deadlines", "team_running", "overdue"}
    notes = api.get("/api/v1/notifications/").json()
    assert "closed_at" in notes["results"][0]


def test_the_engineer_sees_their_open_call_with_its_deadline(people):
    ticket = take_call(people["hotline"], make_contract(people["sales"]).customer)
    item = next(i for i in work_queue(user=people["hotline"]) if i.step == "tickets.work")
    assert item.record.pk == ticket.pk
    assert item.timer.target == "handover_to_manager"
    assert item.due_at == item.timer.due_at


def test_the_engineer_on_duty_is_asked_to_check_in_until_they_do(people):
    from tickets.models import HotlineLine
    from tickets.services.roster import shift_check_in, shift_plan

    now = timezone.now()
    shift = shift_plan(
        by=people["service"],
        line=HotlineLine.objects.get_or_create(name="400 热线")[0],
        engineer=people["hotline"],
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=8),
    )
    item = next(i for i in work_queue(user=people["hotline"]) if i.step == "tickets.check_in")
    assert item.record.pk == shift.pk and item.timer.target == "duty_check_in"
    shift_check_in(shift, by=people["hotline"])
    assert "tickets.check_in" not in steps_of(people["hotline"])
    assert "tickets.shift_handover" in steps_of(people["hotline"])
