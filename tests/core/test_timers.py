"""SLA timers (docs/architecture.md §timers): the service API and the sweep, on any DATABASE_URL.

Subjects are plain model instances (auth groups, working calendars): the policy subject
name is read from ``obj.sla_subject`` when set, and the context from ``obj.sla_context()``
or the ``context=`` argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.core.choices import EmailState, TimerState, TimeUnit
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import (
    Escalation,
    Notification,
    SlaPolicy,
    SlaTimer,
    StaffProfile,
    WorkCalendar,
)
from servicedesk.core.services.timers import (
    policy_find,
    sla_sweep,
    timer_cancel,
    timer_meet,
    timer_pause,
    timer_resume,
    timer_start,
    timers_cancel_all,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def make_subject(name: str, sla_subject: str = "ticket", context: dict | None = None) -> Group:
    group = Group.objects.create(name=name)
    group.sla_subject = sla_subject
    if context is not None:
        group.sla_context = lambda: dict(context)
    return group


@pytest.fixture
def ticket() -> Group:
    return make_subject("sla-ticket")


@pytest.fixture
def engineer(make_user):
    return make_user("hotline_engineer", username="eng")


def reasons(timer: SlaTimer) -> list[str]:
    return list(
        timer.history.order_by("history_date", "history_id").values_list(
            "history_change_reason", flat=True
        )
    )


# ------------------------------------------------------------------ starting


def test_start_from_the_seeded_policy(ticket, engineer):
    timer = timer_start(
        subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0), assignee=engineer
    )
    policy = SlaPolicy.objects.get(subject="ticket", target="callback", condition="")
    timer.refresh_from_db()
    assert timer.policy == policy
    assert (timer.amount, timer.unit) == (Decimal(60), TimeUnit.WORKING_MINUTES)
    assert timer.calendar.is_default
    assert timer.state == TimerState.RUNNING
    assert timer.started_at == sh(2026, 9, 16, 10, 0)
    assert timer.due_at == sh(2026, 9, 16, 11, 0)
    assert timer.warn_at == sh(2026, 9, 16, 10, 48)  # 80% of 60 working minutes
    assert timer.next_check_at == timer.warn_at
    assert timer.notify == ["assignee"]
    assert timer.assignee == engineer
    assert timer.subject == ticket
    assert reasons(timer) == ["start"]


def test_working_days_skip_the_national_day_holiday(engineer):
    defect = make_subject("sla-defect", "defect")
    timer = timer_start(
        subject=defect,
        target="report",
        started_at=sh(2026, 9, 30, 17, 0),
        context={"severity": "serious"},
        assignee=engineer,
    )
    assert timer.policy.condition == "severity=serious"
    assert (timer.amount, timer.unit) == (Decimal(1), TimeUnit.WORKING_DAYS)
    assert timer.due_at == sh(2026, 10, 8, 18, 0)
    # 9 working hours between start and due (1 h on 09-30, 8 h on 10-08): 80% = 7 h 12 min.
    assert timer.warn_at == sh(2026, 10, 8, 16, 12)
    assert timer.notify == ["assignee", "region_lead"]


def test_the_most_specific_policy_wins():
    generic = SlaPolicy.objects.create(
        subject="defect", target="report", amount=5, unit=TimeUnit.WORKING_DAYS
    )
    narrow = SlaPolicy.objects.create(
        subject="defect",
        target="report",
        condition="severity=serious, service_level=7x24",
        amount=4,
        unit=TimeUnit.HOURS,
    )
    seeded = SlaPolicy.objects.get(subject="defect", target="report", condition="severity=serious")

    def find(**context):
        return policy_find(subject="defect", target="report", context=context)

    assert find(severity="serious") == seeded
    assert find(severity="serious", service_level="5x8") == seeded
    assert find(severity="serious", service_level="7x24") == narrow
    assert find(severity="minor") == generic
    assert find() == generic

    start = sh(2026, 9, 16, 10, 0)
    a = timer_start(
        subject=make_subject("d1", "defect"),
        target="report",
        started_at=start,
        context={"severity": "serious", "service_level": "7x24"},
    )
    b = timer_start(
        subject=make_subject("d2", "defect"),
        target="report",
        started_at=start,
        context={"severity": "minor"},
    )
    assert a.policy == narrow
    assert a.due_at == start + timedelta(hours=4)
    assert b.policy == generic
    # 5 working days: 17, 18, Sunday 20 (a make-up working day), 21, 22
    assert b.due_at == sh(2026, 9, 22, 18, 0)


def test_subject_context_and_explicit_context_both_select_the_policy():
    start = sh(2026, 9, 16, 10, 0)
    by_method = make_subject("d1", "defect", context={"severity": "serious"})
    assert timer_start(subject=by_method, target="report", started_at=start).policy.condition == (
        "severity=serious"
    )
    # the explicit context overrides what the subject says
    overridden = make_subject("d2", "defect", context={"severity": "serious"})
    timer = timer_start(
        subject=overridden, target="report", started_at=start, context={"severity": "important"}
    )
    assert timer.policy.condition == "severity=important"


def test_no_policy_means_no_timer(ticket):
    start = sh(2026, 9, 16, 10, 0)
    assert timer_start(subject=ticket, target="no_such_target", started_at=start) is None
    defect = make_subject("sla-defect", "defect")
    # "escalation" exists only for severity=fatal
    assert (
        timer_start(
            subject=defect, target="escalation", started_at=start, context={"severity": "general"}
        )
        is None
    )
    SlaPolicy.objects.filter(subject="ticket", target="callback").update(active=False)
    assert timer_start(subject=ticket, target="callback", started_at=start) is None
    # policies are looked up by the subject name, not by the model
    assert timer_start(subject=make_subject("g", "group"), target="callback") is None
    assert not SlaTimer.objects.exists()


def test_subject_name_defaults_to_the_model_name():
    plain = Group.objects.create(name="plain")
    SlaPolicy.objects.create(subject="group", target="callback", amount=2, unit=TimeUnit.HOURS)
    timer = timer_start(subject=plain, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    assert timer.due_at == sh(2026, 9, 16, 12, 0)


def test_starting_twice_returns_the_open_timer(ticket):
    first = timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    again = timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 30))
    assert again.pk == first.pk
    assert again.due_at == sh(2026, 9, 16, 11, 0)
    timer_pause(subject=ticket, target="callback", at=sh(2026, 9, 16, 10, 40))
    assert timer_start(subject=ticket, target="callback").pk == first.pk  # paused is open too
    assert SlaTimer.objects.count() == 1
    # another target of the same subject is another timer
    reply = timer_start(subject=ticket, target="reply", started_at=sh(2026, 9, 16, 10, 0))
    assert reply.pk != first.pk
    assert reply.due_at == sh(2026, 9, 16, 14, 0)  # 3 working hours across lunch
    # once closed, starting again opens a new timer
    timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 10, 45))
    third = timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 11, 0))
    assert third.pk != first.pk
    assert SlaTimer.objects.filter(target="callback").count() == 2


def test_explicit_due_at(engineer):
    dispatch = make_subject("sla-dispatch", "dispatch")
    start = sh(2026, 9, 16, 10, 0)
    timer = timer_start(
        subject=dispatch, target="arrival", started_at=start, due_at=sh(2026, 9, 16, 14, 30)
    )
    assert timer.policy.target == "arrival"
    assert timer.due_at == sh(2026, 9, 16, 14, 30)
    assert timer.warn_at == sh(2026, 9, 16, 13, 36)  # wall clock: 80% of 4 h 30 min
    other = make_subject("sla-dispatch-2", "dispatch")
    with pytest.raises(ApplicationError):
        timer_start(subject=other, target="arrival", started_at=start, due_at=start - timedelta(1))
    assert not SlaTimer.objects.for_subject(other).exists()


def test_explicit_amount_without_a_policy(ticket):
    start = sh(2026, 9, 16, 10, 0)
    timer = timer_start(
        subject=ticket, target="custom", started_at=start, amount=2, unit="working_hours"
    )
    assert timer.policy is None
    assert timer.due_at == sh(2026, 9, 16, 12, 0)
    assert timer.notify == ["assignee"]
    with pytest.raises(ApplicationError):
        timer_start(subject=ticket, target="other", started_at=start, amount=2, unit="fortnights")


def test_round_the_clock_calendar_from_the_subject_context():
    contract_7x24 = make_subject("sla-7x24", context={"service_level": "7x24"})
    start = sh(2026, 9, 12, 10, 0)  # a Saturday
    timer = timer_start(subject=contract_7x24, target="callback", started_at=start)
    assert timer.calendar.always_open
    assert timer.calendar.service_level == "7x24"
    assert timer.due_at == sh(2026, 9, 12, 11, 0)
    assert timer.warn_at == sh(2026, 9, 12, 10, 48)

    standard = timer_start(subject=make_subject("sla-5x8"), target="callback", started_at=start)
    assert standard.calendar.is_default
    assert standard.due_at == sh(2026, 9, 14, 10, 0)  # Monday


def test_round_the_clock_calendar_from_the_explicit_context():
    start = sh(2026, 9, 12, 10, 0)  # a Saturday
    timer = timer_start(
        subject=make_subject("sla-7x24"),
        target="callback",
        started_at=start,
        context={"service_level": "7x24"},
    )
    assert timer.calendar.always_open
    assert timer.due_at == sh(2026, 9, 12, 11, 0)


def test_a_policy_calendar_beats_the_service_level():
    always = WorkCalendar.objects.get(service_level="7x24")
    SlaPolicy.objects.filter(subject="ticket", target="callback").update(calendar=always)
    timer = timer_start(
        subject=make_subject("t", context={"service_level": "5x8"}),
        target="callback",
        started_at=sh(2026, 9, 12, 10, 0),
    )
    assert timer.calendar == always


# ------------------------------------------------------------------ transitions


def test_pause_and_resume_add_the_paused_working_time(ticket):
    timer = timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 11, 16, 30))
    assert timer.due_at == sh(2026, 9, 11, 17, 30)  # a Friday
    assert timer.warn_at == sh(2026, 9, 11, 17, 18)

    paused = timer_pause(subject=ticket, target="callback", at=sh(2026, 9, 11, 17, 0))
    assert paused.state == TimerState.PAUSED
    assert paused.paused_at == sh(2026, 9, 11, 17, 0)
    assert paused.next_check_at is None
    # pausing twice changes nothing
    assert timer_pause(subject=ticket, target="callback", at=sh(2026, 9, 11, 17, 10)).paused_at == (
        sh(2026, 9, 11, 17, 0)
    )

    # a paused timer is not swept, even long after its old due time
    assert sla_sweep(now=sh(2026, 9, 14, 9, 30)).timer_ids == []

    resumed = timer_resume(subject=ticket, target="callback", at=sh(2026, 9, 14, 10, 0))
    resumed.refresh_from_db()
    # Fri 17:00-18:00 and Mon 09:00-10:00: 2 working hours added
    assert resumed.paused_seconds == 2 * 3600
    assert resumed.due_at == sh(2026, 9, 14, 10, 30)
    assert resumed.warn_at == sh(2026, 9, 14, 10, 18)
    assert resumed.next_check_at == resumed.warn_at
    assert resumed.state == TimerState.RUNNING
    assert resumed.paused_at is None
    # resuming a running timer changes nothing
    assert timer_resume(subject=ticket, target="callback", at=sh(2026, 9, 14, 10, 5)).due_at == (
        sh(2026, 9, 14, 10, 30)
    )
    assert reasons(resumed) == ["start", "pause", "resume"]


def test_resume_after_the_warning_checks_the_due_time_next(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    assert sla_sweep(now=sh(2026, 9, 16, 10, 50)).warned == 1
    timer_pause(subject=ticket, target="callback", at=sh(2026, 9, 16, 10, 50))
    timer = timer_resume(subject=ticket, target="callback", at=sh(2026, 9, 16, 13, 10))
    # 10:50-12:00 and 13:00-13:10: 80 working minutes paused
    assert timer.due_at == sh(2026, 9, 16, 13, 20)
    assert timer.next_check_at == timer.due_at
    assert sla_sweep(now=sh(2026, 9, 16, 13, 19)).timer_ids == []
    result = sla_sweep(now=sh(2026, 9, 16, 13, 20))
    assert (result.warned, result.breached) == (0, 1)
    assert Escalation.objects.filter(timer=timer).count() == 2


def test_a_pause_after_the_deadline_does_not_move_the_breach(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    timer_pause(subject=ticket, target="callback", at=sh(2026, 9, 16, 11, 0, 30))
    timer_resume(subject=ticket, target="callback", at=sh(2026, 9, 16, 11, 30))
    sla_sweep(now=sh(2026, 9, 16, 12, 0))
    timer = SlaTimer.objects.get()
    assert timer.state == TimerState.BREACHED
    assert timer.breached_at == sh(2026, 9, 16, 11, 0)  # today: 11:30


def test_wall_clock_pause_adds_wall_clock_time():
    defect = make_subject("sla-defect", "defect", context={"severity": "serious"})
    timer = timer_start(subject=defect, target="fix", started_at=sh(2026, 9, 11, 17, 0))
    assert timer.due_at == sh(2026, 9, 12, 17, 0)  # 24 hours, weekend or not
    timer_pause(subject=defect, target="fix", at=sh(2026, 9, 11, 18, 0))
    timer = timer_resume(subject=defect, target="fix", at=sh(2026, 9, 11, 21, 30))
    assert timer.due_at == sh(2026, 9, 12, 20, 30)
    assert timer.paused_seconds == int(3.5 * 3600)


def test_meet_before_due(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    timer = timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 10, 59))
    timer.refresh_from_db()
    assert timer.state == TimerState.MET
    assert timer.met_at == sh(2026, 9, 16, 10, 59)
    assert timer.breached_at is None
    assert timer.next_check_at is None
    assert sla_sweep(now=sh(2026, 9, 17, 10, 0)).timer_ids == []
    assert not Escalation.objects.exists()
    assert reasons(timer) == ["start", "meet"]
    # nothing open any more
    assert timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 11, 30)) is None


def test_meet_exactly_at_the_due_time_is_in_time(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    timer = timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 11, 0))
    assert timer.state == TimerState.MET


def test_meet_a_paused_timer(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    timer_pause(subject=ticket, target="callback", at=sh(2026, 9, 16, 10, 30))
    timer = timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 15, 0))
    assert timer.state == TimerState.MET
    assert timer.paused_at is None


def test_meet_after_due_but_before_the_sweep_is_a_breach(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    timer = timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 11, 0, 30))
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED
    assert timer.breached_at == sh(2026, 9, 16, 11, 0)
    assert timer.met_at == sh(2026, 9, 16, 11, 0, 30)
    assert timer.next_check_at is None
    assert sla_sweep(now=sh(2026, 9, 16, 11, 1)).timer_ids == []
    # The breach is written as the sweep would have: its escalation and history row.
    assert reasons(timer) == ["start", "sla sweep", "met late"]
    assert list(timer.escalations.values_list("kind", flat=True)) == ["breach"]


def test_meet_after_the_sweep_breached_keeps_the_breach(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    sla_sweep(now=sh(2026, 9, 16, 11, 1))
    timer = timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 11, 30))
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED
    assert timer.breached_at == sh(2026, 9, 16, 11, 0)
    assert timer.met_at == sh(2026, 9, 16, 11, 30)
    assert reasons(timer) == ["start", "sla sweep", "met late"]
    # met_at is recorded once
    assert timer_meet(subject=ticket, target="callback", at=sh(2026, 9, 16, 12, 0)) is None


def test_cancel(ticket):
    timer_start(subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0))
    timer = timer_cancel(subject=ticket, target="callback", at=sh(2026, 9, 16, 10, 10))
    timer.refresh_from_db()
    assert timer.state == TimerState.CANCELLED
    assert timer.cancelled_at == sh(2026, 9, 16, 10, 10)
    assert timer.next_check_at is None
    assert timer_cancel(subject=ticket, target="callback") is None
    assert sla_sweep(now=sh(2026, 9, 17, 10, 0)).timer_ids == []
    assert reasons(timer) == ["start", "cancel"]


def test_cancel_all_open_timers_of_a_subject(ticket):
    start = sh(2026, 9, 16, 10, 0)
    for target in ("callback", "reply", "dispatch_submission"):
        timer_start(subject=ticket, target=target, started_at=start)
    timer_pause(subject=ticket, target="reply", at=start + timedelta(minutes=5))
    timer_meet(subject=ticket, target="dispatch_submission", at=start + timedelta(minutes=10))
    other = make_subject("other")
    timer_start(subject=other, target="callback", started_at=start)

    assert timers_cancel_all(subject=ticket) == 2
    states = dict(SlaTimer.objects.for_subject(ticket).values_list("target", "state"))
    assert states == {
        "callback": TimerState.CANCELLED,
        "reply": TimerState.CANCELLED,
        "dispatch_submission": TimerState.MET,
    }
    assert SlaTimer.objects.for_subject(other).get().state == TimerState.RUNNING


# ------------------------------------------------------------------ the sweep


def test_sweep_warns_then_breaches_once(ticket, engineer):
    timer = timer_start(
        subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0), assignee=engineer
    )
    assert sla_sweep(now=sh(2026, 9, 16, 10, 47, 59)).timer_ids == []

    warned = sla_sweep(now=sh(2026, 9, 16, 10, 48))
    assert (warned.warned, warned.breached, warned.notifications) == (1, 0, 1)
    timer.refresh_from_db()
    assert timer.state == TimerState.RUNNING
    assert timer.warned_at == sh(2026, 9, 16, 10, 48)
    assert timer.next_check_at == timer.due_at
    assert sla_sweep(now=sh(2026, 9, 16, 10, 59)).timer_ids == []

    breached = sla_sweep(now=sh(2026, 9, 16, 11, 0))
    assert (breached.warned, breached.breached, breached.timer_ids) == (0, 1, [timer.pk])
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED
    assert timer.breached_at == sh(2026, 9, 16, 11, 0)
    assert timer.next_check_at is None
    assert timer.is_breached

    kinds = sorted(Escalation.objects.filter(timer=timer).values_list("kind", flat=True))
    assert kinds == [Escalation.Kind.BREACH, Escalation.Kind.WARNING]
    notes = Notification.objects.filter(recipient=engineer).order_by("id")
    assert [n.kind for n in notes] == ["sla_warning", "sla_breach"]
    assert [n.dedupe_key for n in notes] == [f"sla:{timer.pk}:warning", f"sla:{timer.pk}:breach"]
    assert all(ticket.name in n.title for n in notes)
    assert all(n.target == ticket for n in notes)
    assert reasons(timer) == ["start", "sla sweep", "sla sweep"]

    # running it again creates nothing more
    again = sla_sweep(now=sh(2026, 9, 17, 11, 0))
    assert (again.warned, again.breached, again.batches) == (0, 0, 0)
    assert Escalation.objects.count() == 2
    assert Notification.objects.count() == 2
    assert len(reasons(timer)) == 3


def test_a_late_sweep_records_only_the_breach(ticket, engineer):
    timer = timer_start(
        subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0), assignee=engineer
    )
    result = sla_sweep(now=sh(2026, 9, 16, 15, 0))
    assert (result.warned, result.breached) == (0, 1)
    timer.refresh_from_db()
    assert timer.breached_at == timer.due_at
    assert timer.warned_at is None
    assert list(Escalation.objects.values_list("kind", flat=True)) == [Escalation.Kind.BREACH]


def test_sweep_notifies_assignee_manager_and_roles(make_user):
    boss = make_user("service_manager", username="boss")
    engineer = make_user("hotline_engineer", username="eng")
    StaffProfile.objects.create(user=engineer, manager=boss)
    manager_1 = make_user("service_manager", username="sm1", email="")
    make_user("service_manager", username="sm2", is_active=False)
    make_user("region_lead", username="lead")  # a role the policy does not name
    SlaPolicy.objects.create(
        subject="ticket",
        target="escalate",
        amount=30,
        unit=TimeUnit.WORKING_MINUTES,
        notify=["assignee", "assignee_manager", "service_manager"],
    )
    ticket = make_subject("sla-ticket")
    timer = timer_start(
        subject=ticket, target="escalate", started_at=sh(2026, 9, 16, 10, 0), assignee=engineer
    )
    result = sla_sweep(now=sh(2026, 9, 16, 11, 0))
    assert result.breached == 1
    # boss is the manager and a service manager: told once; sm2 is inactive
    assert result.notifications == 3
    rows = Notification.objects.filter(dedupe_key=f"sla:{timer.pk}:breach")
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["boss", "eng", "sm1"]
    assert rows.get(recipient=manager_1).email_state == EmailState.SKIPPED  # no address
    assert rows.get(recipient=engineer).email_state == EmailState.PENDING
    escalation = Escalation.objects.get(timer=timer)
    assert escalation.kind == Escalation.Kind.BREACH
    assert sorted(escalation.recipients) == ["boss", "eng", "sm1"]


def test_sweep_without_assignee_or_manager(make_user):
    make_user("region_lead", username="lead")
    lonely = make_user("field_engineer", username="lonely")  # no profile, no manager
    SlaPolicy.objects.create(
        subject="ticket",
        target="escalate",
        amount=30,
        unit=TimeUnit.WORKING_MINUTES,
        notify=["assignee", "assignee_manager", "region_lead"],
    )
    start = sh(2026, 9, 16, 10, 0)
    a = timer_start(subject=make_subject("a"), target="escalate", started_at=start)
    b = timer_start(subject=make_subject("b"), target="escalate", started_at=start, assignee=lonely)
    assert sla_sweep(now=sh(2026, 9, 16, 12, 0)).breached == 2
    assert Escalation.objects.get(timer=a).recipients == ["lead"]
    assert sorted(Escalation.objects.get(timer=b).recipients) == ["lead", "lonely"]


def test_sweep_skips_paused_met_and_cancelled_timers(ticket):
    start = sh(2026, 9, 16, 10, 0)
    for target in ("callback", "reply", "dispatch_submission"):
        timer_start(subject=ticket, target=target, started_at=start)
    timer_pause(subject=ticket, target="callback", at=start)
    timer_meet(subject=ticket, target="reply", at=start)
    timer_cancel(subject=ticket, target="dispatch_submission", at=start)
    result = sla_sweep(now=sh(2026, 9, 30, 10, 0))
    assert (result.warned, result.breached, result.batches) == (0, 0, 0)
    assert not Escalation.objects.exists()


def test_sweep_works_in_batches(engineer):
    start = sh(2026, 9, 16, 10, 0)
    subject = make_subject("many")
    for i in range(25):
        timer_start(
            subject=subject,
            target=f"t{i}",
            started_at=start,
            amount=10,
            unit="minutes",
            assignee=engineer,
        )
    result = sla_sweep(now=sh(2026, 9, 16, 11, 0), batch_size=10)
    assert (result.breached, result.batches) == (25, 3)
    assert len(set(result.timer_ids)) == 25
    assert Escalation.objects.filter(kind=Escalation.Kind.BREACH).count() == 25
    assert Notification.objects.count() == 25
    assert not SlaTimer.objects.running().exists()


def test_sweep_escalation_and_notification_constraints_make_a_replay_harmless(ticket, engineer):
    """Even if a timer were handed to the sweep twice, the unique keys keep one of each."""
    timer = timer_start(
        subject=ticket, target="callback", started_at=sh(2026, 9, 16, 10, 0), assignee=engineer
    )
    sla_sweep(now=sh(2026, 9, 16, 11, 0))
    SlaTimer.objects.filter(pk=timer.pk).update(
        state=TimerState.RUNNING, next_check_at=sh(2026, 9, 16, 11, 0)
    )
    result = sla_sweep(now=sh(2026, 9, 16, 11, 5))
    assert result.breached == 1
    assert Escalation.objects.filter(timer=timer).count() == 1
    assert Notification.objects.filter(recipient=engineer).count() == 1


def _queries_of_a_sweep(count: int, tag: str, now: datetime, people: list) -> list[str]:
    """Start ``count`` due timers over two subject models and three assignees, then sweep."""
    subjects = [make_subject(f"{tag}-group"), WorkCalendar.objects.create(name=f"{tag}-calendar")]
    start = now - timedelta(hours=3)
    ids = []
    for i in range(count):
        subject = subjects[i % 2]
        subject.sla_subject = "ticket"
        timer = timer_start(
            subject=subject,
            target=f"{tag}{i}",
            started_at=start,
            amount=1,
            unit="hours",
            assignee=people[i % len(people)],
        )
        ids.append(timer.pk)
    SlaTimer.objects.filter(pk__in=ids).update(
        notify=["assignee", "assignee_manager", "service_manager"]
    )
    with CaptureQueriesContext(connection) as ctx:
        result = sla_sweep(now=now, batch_size=10_000)
    assert (result.breached, result.batches) == (count, 1)
    assert Escalation.objects.filter(timer_id__in=ids).count() == count
    return [q["sql"] for q in ctx.captured_queries]


def test_sweep_query_count_does_not_grow_with_the_number_of_due_timers(make_user):
    boss = make_user("service_manager", username="boss")
    make_user("service_manager", username="sm1")
    people = [make_user("hotline_engineer", username=f"eng{i}") for i in range(3)]
    for person in people[:2]:
        StaffProfile.objects.create(user=person, manager=boss)
    now = sh(2026, 9, 16, 15, 0)

    small = _queries_of_a_sweep(10, "small", now, people)
    big = _queries_of_a_sweep(200, "big", now, people)

    def selects(queries: list[str]) -> int:
        return sum(q.lstrip().upper().startswith("SELECT") for q in queries)

    # Lazy loads (assignee, profile, manager, subject, role members) would be SELECTs.
    assert selects(big) == selects(small)
    if connection.features.max_query_params is None:
        # PostgreSQL: every bulk statement is one query, whatever the batch holds.
        assert len(big) == len(small), "\n".join(big)
    else:
        # SQLite splits bulk statements at 999 parameters; still nothing per timer.
        assert len(big) - len(small) < 200 // 10


def test_the_celery_task_passes_the_batch_size(engineer):
    from servicedesk.core.tasks import sla_sweep as sweep_task

    subject = make_subject("task")
    for target in ("callback", "reply"):
        timer_start(
            subject=subject,
            target=target,
            started_at=datetime.now(tz=SH) - timedelta(days=7),
            assignee=engineer,
        )
    assert sweep_task.apply(kwargs={"batch_size": 1}).get() == {
        "warned": 0,
        "breached": 2,
        "batches": 2,
    }
    assert sweep_task.apply().get() == {"warned": 0, "breached": 0, "batches": 0}
