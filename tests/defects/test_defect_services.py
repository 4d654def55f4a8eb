"""Defect services: recording rules, the transition matrix (allowed and forbidden
sources), escalation, rejection, the workaround in the knowledge base, the ticket that
follows a closed defect, the domain event fieldservice listens to."""

from __future__ import annotations

import pytest
from django.db import transaction

from defects.choices import DefectState
from defects.models import Defect
from defects.services import (
    defect_change_severity,
    defect_close,
    defect_confirm,
    defect_escalate,
    defect_fix,
    defect_publish_workaround,
    defect_reject,
    defect_reopen,
    defect_report,
    defect_save_workaround,
    defect_set_tracker,
    defect_start_fix,
    defect_verify,
)
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification, SlaTimer
from tests.defects.factories import in_state, record_defect, reload, sh
from tests.tickets.factories import take_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(make_user):
    """Someone allowed to run every defect transition (tech manager)."""
    return make_user(Role.TECH_MANAGER, username="boss")


TRANSITIONS = {
    "report": (lambda d, u: defect_report(d, by=u, note="ok"), {"recorded"}, "reported"),
    "verify": (lambda d, u: defect_verify(d, by=u, note="复现"), {"reported"}, "verified"),
    "start_fix": (lambda d, u: defect_start_fix(d, by=u), {"verified", "reopened"}, "in_fix"),
    "fix": (lambda d, u: defect_fix(d, by=u, note="改"), {"in_fix"}, "fixed"),
    "confirm": (lambda d, u: defect_confirm(d, by=u, note="客户确认"), {"fixed"}, "confirmed"),
    "reopen": (
        lambda d, u: defect_reopen(d, by=u, reason="又出现"),
        {"fixed", "confirmed"},
        "reopened",
    ),
    "close": (lambda d, u: defect_close(d, by=u), {"confirmed"}, "closed"),
    "reject": (
        lambda d, u: defect_reject(d, by=u, reason="duplicate", note="同 DF-1"),
        {"recorded", "reported", "verified"},
        "rejected",
    ),
    "escalate": (
        lambda d, u: defect_escalate(d, by=u, point="开发认为不是缺陷"),
        {"recorded", "reported", "verified", "in_fix", "fixed", "confirmed", "reopened"},
        None,
    ),
}


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_transition_matrix(name, engineer, boss, region_lead):
    run, allowed, target = TRANSITIONS[name]
    base = record_defect(engineer, severity="general")
    for state in DefectState.values:
        extra = {"reject_reason": "duplicate"} if state == "rejected" else {}
        defect = in_state(base, state, **extra)
        if state in allowed:
            with transaction.atomic():
                after = run(defect, boss)
            assert after.state == (target or state), (name, state)
        else:
            with pytest.raises(TransitionConflict):
                run(defect, boss)
            assert reload(defect).state == state


def test_recording_requires_reproduction_steps_environment_and_what_the_customer_sees(engineer):
    with pytest.raises(ApplicationError) as exc:
        record_defect(engineer, steps=" ", version="", module="", site="", customer_sees="")
    assert set(exc.value.extra) == {"steps", "version", "module", "site", "customer_sees"}
    assert not Defect.objects.exists()


def test_reported_at_may_be_earlier_never_later(clock, engineer):
    clock.set(sh(2026, 9, 30, 17, 0))
    with pytest.raises(ApplicationError) as exc:
        record_defect(engineer, reported_at=sh(2026, 9, 30, 18, 0))
    assert "reported_at" in exc.value.extra
    defect = record_defect(engineer, reported_at=sh(2026, 9, 29, 9, 0))
    assert defect.number == f"DF20260929-{defect.pk:05d}"


def test_recording_event_carries_what_fieldservice_needs(engineer, region_lead):
    defect = record_defect(engineer, severity="serious")
    event = DomainEvent.objects.get(kind="defect.recorded")
    assert event.data == {
        "defect": defect.pk,
        "number": defect.number,
        "severity": "serious",
        "dispatch": None,
        "ticket": None,
    }
    # Serious: the region lead hears of it and follows it.
    assert Notification.objects.filter(recipient=region_lead, kind="defect_serious").exists()
    assert region_lead in defect.followers.all()


def test_permissions_are_checked(engineer, tester):
    defect = record_defect(engineer)
    with pytest.raises(NotPermitted):
        defect_verify(in_state(defect, "reported"), by=engineer, note="x")
    with pytest.raises(NotPermitted):
        defect_start_fix(in_state(defect, "verified"), by=tester)


def test_reject_needs_a_reason_and_cancels_the_deadlines(engineer, tester):
    defect = record_defect(engineer, severity="important")
    with pytest.raises(ApplicationError) as exc:
        defect_reject(defect, by=tester, reason="", note="")
    assert set(exc.value.extra) == {"reason", "note"}
    defect = defect_reject(defect, by=tester, reason="not_a_bug", note="按设计如此")
    assert defect.state == "rejected"
    assert set(SlaTimer.objects.for_subject(defect).values_list("state", flat=True)) == {
        "cancelled"
    }


def test_escalate_tells_the_region_lead_the_point_of_disagreement(engineer, region_lead):
    defect = record_defect(engineer, severity="general")
    with pytest.raises(ApplicationError):
        defect_escalate(defect, by=engineer, point="")
    defect = defect_escalate(defect, by=engineer, point="客户坚持属于缺陷，开发认为是需求")
    assert defect.state == "recorded"
    assert defect.escalated_at is not None
    note = Notification.objects.get(recipient=region_lead, kind="defect_escalated")
    assert "开发认为是需求" in note.body
    event = DomainEvent.objects.get(kind="defect.escalate")
    assert event.data["point"].startswith("客户坚持")


def test_workaround_goes_to_the_knowledge_base(engineer, make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER)
    defect = record_defect(engineer)
    with pytest.raises(ApplicationError):
        defect_publish_workaround(defect, by=hotline)
    defect = defect_save_workaround(defect, by=engineer, workaround="临时启用科目后保存，再停用")
    article = defect_publish_workaround(defect, by=hotline)
    assert article.solution == "临时启用科目后保存，再停用"
    assert article.symptoms == defect.customer_sees
    assert reload(defect).knowledge_article == article
    # Publishing again updates the same article.
    again = defect_publish_workaround(reload(defect), by=hotline, title="科目停用无法保存")
    assert again.pk == article.pk and again.title == "科目停用无法保存"


def test_tracker_link(engineer):
    defect = defect_set_tracker(
        record_defect(engineer), by=engineer, key="U8-1234", url="https://jira.example.com/U8-1234"
    )
    assert (defect.tracker_key, defect.tracker_url) == (
        "U8-1234",
        "https://jira.example.com/U8-1234",
    )


def test_closing_resolves_the_dispatched_ticket(make_user, engineer, tester, developer, sales):
    from tests.tickets.factories import make_contract
    from tickets.services import ticket_mark_dispatched, ticket_request_dispatch

    hotline = make_user(Role.HOTLINE_ENGINEER)
    customer = make_contract(sales).customer
    ticket = take_call(hotline, customer)
    ticket = ticket_request_dispatch(ticket, by=hotline, notes="上门")
    ticket = ticket_mark_dispatched(ticket)
    defect = record_defect(engineer, ticket=ticket)
    assert defect.customer == customer
    defect = defect_report(defect, by=engineer)
    defect = defect_verify(defect, by=tester, note="复现")
    defect = defect_start_fix(defect, by=developer)
    defect = defect_fix(defect, by=developer, note="补丁")
    defect = defect_confirm(defect, by=engineer, note="客户确认")
    defect_close(defect, by=engineer)
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert ticket.solution == "补丁"


def test_change_severity_to_fatal_notifies_at_once(engineer, tester, region_lead):
    defect = record_defect(engineer, severity="general")
    defect_change_severity(defect, by=tester, severity="fatal", reason="系统崩溃")
    assert Notification.objects.filter(recipient=region_lead, kind="defect_fatal").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_testers_verifying_at_once_one_wins(make_user):
    """The row lock in transition_run: one verification, one 409, one deadline met."""
    import threading

    engineer = make_user(Role.FIELD_ENGINEER)
    testers = [make_user(Role.TESTER), make_user(Role.TESTER)]
    defect = defect_report(record_defect(engineer, severity="important"), by=engineer)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(tester):
        from django.db import connections

        try:
            barrier.wait()
            defect_verify(Defect.objects.get(pk=defect.pk), by=tester, note="复现")
            outcomes.append("ok")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in testers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert DomainEvent.objects.filter(kind="defect.verify").count() == 1
    verify = SlaTimer.objects.for_subject(defect).get(target="verify")
    assert verify.state == "met"


def test_open_items_for_the_hand_over_book(engineer, sales, customer, tester):
    from defects.selectors import open_items_for_customer
    from tests.defects.factories import record_requirement

    serious = record_defect(engineer, customer=customer, severity="serious")
    general = record_defect(engineer, customer=customer, severity="general")
    rejected = defect_reject(
        record_defect(engineer, customer=customer), by=tester, reason="duplicate", note="同上"
    )
    item = record_requirement(sales, customer)
    record_defect(engineer)  # another customer's
    items = open_items_for_customer(customer)
    numbers = [i.number for i in items]
    assert set(numbers) == {serious.number, general.number, item.number}
    assert rejected.number not in numbers
    assert numbers[0] == serious.number  # verified and reported within 1 working day
    assert all(i.due_at for i in items)
