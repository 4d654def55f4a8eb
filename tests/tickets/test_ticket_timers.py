"""The hotline's timers (docs/domain.md §deadlines.table) on the real
Chinese working calendar: 2026 National Day holiday 10-01..10-07, make-up working days
Sunday 2026-09-20 and Saturday 2026-10-10, working hours 09:00–12:00 and 13:00–18:00.

Time travel without freezegun: intake takes ``received_at`` in the past, the sweep takes
``now=``, and the transitions that stamp the current time see a patched
``django.utils.timezone.now``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import Escalation, SlaTimer
from servicedesk.core.services.timers import sla_sweep
from tests.tickets.factories import make_contract, sh, take_call
from tickets.models import HotlineLine
from tickets.services import (
    ticket_answer,
    ticket_call_back,
    ticket_handover_to_manager,
    ticket_request_dispatch,
    ticket_shelve,
)
from tickets.services.roster import shift_acknowledge_handover, shift_plan

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]

RESOLUTION = {
    "problem": "报表打不开",
    "cause": "模板损坏",
    "solution": "重装模板",
    "steps": "…",
    "precautions": "升级前备份报表模板",
}


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="lihua")


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhaomin")


@pytest.fixture
def customer(make_user):
    return make_contract(make_user(Role.SALES_MANAGER)).customer


def timer(ticket, target: str) -> SlaTimer:
    return SlaTimer.objects.for_subject(ticket).get(target=target)


def state_after_sweep(t: SlaTimer, now: dt.datetime) -> str:
    sla_sweep(now=now)
    t.refresh_from_db()
    return t.state


# -- shelving: callback 60 working minutes, reply 3 working hours ---------------------------


@pytest.fixture
def shelved(clock, engineer, customer):
    """A call on Wed 2026-09-30 at 17:25, shelved at 17:30 (the eve of National Day)."""
    clock.set(sh(2026, 9, 30, 17, 30))
    ticket = take_call(engineer, customer, received_at=sh(2026, 9, 30, 17, 25))
    return ticket_shelve(ticket, by=engineer, reason="需请教总账开发组")


def test_shelving_starts_callback_and_reply_across_the_holiday(shelved):
    callback = timer(shelved, "callback")
    reply = timer(shelved, "reply")
    assert callback.started_at == sh(2026, 9, 30, 17, 30)
    # 30 working minutes before the holiday + 30 after it.
    assert callback.due_at == sh(2026, 10, 8, 9, 30)
    # 3 working hours: 30 minutes on 09-30, 2.5 hours on 10-08.
    assert reply.due_at == sh(2026, 10, 8, 11, 30)
    assert {callback.state, reply.state} == {TimerState.RUNNING}


def test_handover_to_manager_is_due_before_the_next_working_day_starts(shelved):
    handover = timer(shelved, "handover_to_manager")
    assert handover.started_at == sh(2026, 9, 30, 17, 25)
    assert handover.due_at == sh(2026, 10, 8, 9, 0)


def test_callback_breaches_exactly_at_its_due_time(shelved):
    callback = timer(shelved, "callback")
    assert state_after_sweep(callback, sh(2026, 10, 8, 9, 29)) == TimerState.RUNNING
    assert callback.breached_at is None
    assert state_after_sweep(callback, sh(2026, 10, 8, 9, 30)) == TimerState.BREACHED
    assert callback.breached_at == sh(2026, 10, 8, 9, 30)
    assert Escalation.objects.filter(timer=callback, kind=Escalation.Kind.BREACH).count() == 1
    # A second sweep changes nothing.
    sla_sweep(now=sh(2026, 10, 8, 9, 31))
    assert Escalation.objects.filter(timer=callback, kind=Escalation.Kind.BREACH).count() == 1


def test_reply_and_handover_breach_at_their_instants(shelved):
    reply = timer(shelved, "reply")
    handover = timer(shelved, "handover_to_manager")
    assert state_after_sweep(handover, sh(2026, 10, 8, 8, 59)) == TimerState.RUNNING
    assert state_after_sweep(handover, sh(2026, 10, 8, 9, 0)) == TimerState.BREACHED
    assert state_after_sweep(reply, sh(2026, 10, 8, 11, 29)) == TimerState.RUNNING
    assert state_after_sweep(reply, sh(2026, 10, 8, 11, 30)) == TimerState.BREACHED
    assert reply.breached_at == sh(2026, 10, 8, 11, 30)


def test_nothing_breaches_during_the_holiday(shelved):
    sla_sweep(now=sh(2026, 10, 7, 23, 59))
    assert not SlaTimer.objects.for_subject(shelved).filter(state=TimerState.BREACHED).exists()


def test_call_back_meets_the_callback_timer_only(clock, shelved, engineer):
    clock.set(sh(2026, 10, 8, 9, 10))
    ticket = ticket_call_back(shelved, by=engineer, note="告知客户正在排查")
    callback = timer(ticket, "callback")
    assert callback.state == TimerState.MET
    assert callback.met_at == sh(2026, 10, 8, 9, 10)
    assert timer(ticket, "reply").state == TimerState.RUNNING
    assert state_after_sweep(callback, sh(2026, 10, 8, 9, 30)) == TimerState.MET


def test_answer_meets_reply_and_callback(clock, shelved, engineer):
    clock.set(sh(2026, 10, 8, 9, 20))
    ticket = ticket_answer(shelved, by=engineer, **RESOLUTION)
    for target in ("reply", "callback"):
        assert timer(ticket, target).state == TimerState.MET
        assert timer(ticket, target).met_at == sh(2026, 10, 8, 9, 20)
    # The hand-over to the manager was due at 09:00: met late, the breach stays.
    handover = timer(ticket, "handover_to_manager")
    assert handover.state == TimerState.BREACHED
    assert handover.breached_at == sh(2026, 10, 8, 9, 0)
    assert handover.met_at == sh(2026, 10, 8, 9, 20)
    sla_sweep(now=sh(2026, 10, 8, 12, 0))
    assert not SlaTimer.objects.for_subject(ticket).filter(state=TimerState.RUNNING).exists()
    assert timer(ticket, "reply").state == TimerState.MET


def test_a_late_callback_is_still_a_breach(clock, shelved, engineer):
    clock.set(sh(2026, 10, 8, 9, 45))
    ticket = ticket_call_back(shelved, by=engineer, note="晚了")
    callback = timer(ticket, "callback")
    assert callback.state == TimerState.BREACHED
    assert callback.breached_at == sh(2026, 10, 8, 9, 30)
    assert callback.met_at == sh(2026, 10, 8, 9, 45)


def test_handing_over_to_the_manager_meets_its_timer(clock, shelved, engineer):
    clock.set(sh(2026, 9, 30, 17, 55))
    ticket_handover_to_manager(shelved, by=engineer, note="明天请总账组跟进")
    handover = timer(shelved, "handover_to_manager")
    assert handover.state == TimerState.MET
    assert state_after_sweep(handover, sh(2026, 10, 8, 9, 0)) == TimerState.MET


# -- dispatch submission: 30 working minutes --------------------------------------------------


def test_dispatch_submission_counts_working_minutes_into_a_make_up_sunday(engineer, customer):
    # Friday 2026-09-18 17:50: 10 minutes that day, Saturday off, Sunday 09-20 is a
    # make-up working day.
    ticket = take_call(engineer, customer, received_at=sh(2026, 9, 18, 17, 50), needs_on_site=True)
    submission = timer(ticket, "dispatch_submission")
    assert submission.due_at == sh(2026, 9, 20, 9, 20)
    assert state_after_sweep(submission, sh(2026, 9, 20, 9, 19)) == TimerState.RUNNING
    assert state_after_sweep(submission, sh(2026, 9, 20, 9, 20)) == TimerState.BREACHED


def test_request_dispatch_meets_dispatch_submission(clock, engineer, customer):
    clock.set(sh(2026, 9, 16, 10, 20))
    ticket = take_call(engineer, customer, received_at=sh(2026, 9, 16, 10, 0), needs_on_site=True)
    assert timer(ticket, "dispatch_submission").due_at == sh(2026, 9, 16, 10, 30)
    ticket = ticket_request_dispatch(ticket, by=engineer, notes="需带备用电源")
    submission = timer(ticket, "dispatch_submission")
    assert submission.state == TimerState.MET
    assert submission.met_at == sh(2026, 9, 16, 10, 20)
    assert timer(ticket, "handover_to_manager").state == TimerState.MET


def test_request_dispatch_without_on_site_flag_starts_and_meets_the_timer(
    clock, engineer, customer
):
    clock.set(sh(2026, 9, 16, 10, 50))
    ticket = take_call(engineer, customer, received_at=sh(2026, 9, 16, 10, 0))
    assert not SlaTimer.objects.for_subject(ticket).filter(target="dispatch_submission").exists()
    ticket = ticket_request_dispatch(ticket, by=engineer, notes="电话无法解决")
    submission = timer(ticket, "dispatch_submission")
    # Counted from the call: 10:00 + 30 working minutes = 10:30, submitted at 10:50.
    assert submission.due_at == sh(2026, 9, 16, 10, 30)
    assert submission.state == TimerState.BREACHED
    assert submission.met_at == sh(2026, 9, 16, 10, 50)


def test_answer_cancels_a_dispatch_submission_timer(clock, engineer, customer):
    clock.set(sh(2026, 9, 16, 10, 10))
    ticket = take_call(engineer, customer, received_at=sh(2026, 9, 16, 10, 0), needs_on_site=True)
    ticket = ticket_answer(ticket, by=engineer, **RESOLUTION)
    assert timer(ticket, "dispatch_submission").state == TimerState.CANCELLED


# -- the shift hand-over: 30 minutes, wall clock ----------------------------------------------


def test_shift_handover_timer_is_thirty_wall_clock_minutes(manager, engineer):
    line = HotlineLine.objects.get_or_create(name="400 热线")[0]
    # A shift on a holiday: wall-clock minutes ignore the working calendar.
    shift = shift_plan(
        by=manager,
        line=line,
        engineer=engineer,
        starts_at=sh(2026, 10, 3, 9, 0),
        ends_at=sh(2026, 10, 3, 18, 0),
    )
    handover = timer(shift, "shift_handover")
    assert handover.started_at == sh(2026, 10, 3, 9, 0)
    assert handover.due_at == sh(2026, 10, 3, 9, 30)
    assert handover.assignee == engineer
    assert state_after_sweep(handover, sh(2026, 10, 3, 9, 29)) == TimerState.RUNNING
    assert state_after_sweep(handover, sh(2026, 10, 3, 9, 30)) == TimerState.BREACHED


def test_acknowledging_within_thirty_minutes_meets_the_timer(clock, manager, engineer):
    line = HotlineLine.objects.get_or_create(name="400 热线")[0]
    shift = shift_plan(
        by=manager,
        line=line,
        engineer=engineer,
        starts_at=sh(2026, 10, 8, 9, 0),
        ends_at=sh(2026, 10, 8, 18, 0),
    )
    clock.set(sh(2026, 10, 8, 9, 20))
    shift_acknowledge_handover(shift, by=engineer, note="已接手 3 个未结事项")
    handover = timer(shift, "shift_handover")
    assert handover.state == TimerState.MET
    assert handover.met_at == sh(2026, 10, 8, 9, 20)
    assert state_after_sweep(handover, sh(2026, 10, 8, 9, 30)) == TimerState.MET
