"""Shift check-in (docs/domain.md §hotline.check-in:
"热线工程师准时到岗就位，十分钟内做好值班准备"):
the engineer on duty checks in at the start of the shift (the ``duty_check_in`` deadline:
ready within 10 minutes), and the connect-rate figures know who was on duty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.models import Escalation, SlaPolicy, SlaTimer
from servicedesk.core.services.timers import sla_sweep
from tests.tickets.factories import sh
from tickets.models import Call, HotlineLine
from tickets.services.calls import call_stats
from tickets.services.roster import shift_check_in, shift_plan

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei")


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="wangjing", last_name="王", first_name="静")


@pytest.fixture
def colleague(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="fenglei", last_name="冯", first_name="磊")


@pytest.fixture
def line():
    return HotlineLine.objects.get_or_create(name="400 热线")[0]


def plan(manager, line, engineer, start, end):
    return shift_plan(by=manager, line=line, engineer=engineer, starts_at=start, ends_at=end)


def check_in_timer(shift) -> SlaTimer:
    return SlaTimer.objects.for_subject(shift).get(target="duty_check_in")


def test_the_check_in_policy_is_seeded():
    policy = SlaPolicy.objects.get(subject="duty_shift", target="duty_check_in")
    assert (policy.amount, policy.unit) == (10, "minutes")
    assert "service_manager" in policy.notify


def test_a_shift_starts_a_ten_minute_check_in_deadline(manager, line, engineer):
    shift = plan(manager, line, engineer, sh(2026, 10, 3, 8, 30), sh(2026, 10, 3, 17, 30))
    timer = check_in_timer(shift)
    assert timer.due_at == sh(2026, 10, 3, 8, 40)  # wall clock, even on a holiday
    assert timer.assignee == engineer


def test_checking_in_on_time_meets_the_deadline(clock, manager, line, engineer):
    shift = plan(manager, line, engineer, sh(2026, 10, 8, 8, 30), sh(2026, 10, 8, 17, 30))
    clock.set(sh(2026, 10, 8, 8, 35))
    shift = shift_check_in(shift, by=engineer)
    assert shift.checked_in_at == sh(2026, 10, 8, 8, 35)
    timer = check_in_timer(shift)
    assert (timer.state, timer.met_at) == (TimerState.MET, sh(2026, 10, 8, 8, 35))
    assert shift.history.get(history_change_reason="checked in").history_user == engineer
    with pytest.raises(ApplicationError):
        shift_check_in(shift, by=engineer)  # once


def test_not_checked_in_after_ten_minutes_is_a_breach_told_to_the_manager(manager, line, engineer):
    shift = plan(manager, line, engineer, sh(2026, 10, 8, 8, 30), sh(2026, 10, 8, 17, 30))
    sla_sweep(now=sh(2026, 10, 8, 8, 41))
    timer = check_in_timer(shift)
    assert timer.state == TimerState.BREACHED
    escalation = Escalation.objects.get(timer=timer, kind=Escalation.Kind.BREACH)
    assert manager.username in escalation.recipients


def test_only_the_engineer_on_the_shift_checks_in_and_only_around_it(
    clock, manager, line, engineer, colleague
):
    shift = plan(manager, line, engineer, sh(2026, 10, 8, 8, 30), sh(2026, 10, 8, 17, 30))
    clock.set(sh(2026, 10, 8, 8, 31))
    with pytest.raises(NotPermitted):
        shift_check_in(shift, by=colleague)
    clock.set(sh(2026, 10, 8, 7, 0))
    with pytest.raises(ApplicationError):
        shift_check_in(shift, by=engineer)  # too early
    clock.set(sh(2026, 10, 8, 17, 30))
    with pytest.raises(ApplicationError):
        shift_check_in(shift, by=engineer)  # over
    shift.refresh_from_db()
    assert shift.checked_in_at is None


def test_portal_and_api_check_in(client, clock, manager, line, engineer):
    now = timezone.now()
    shift = plan(
        manager, line, engineer, now - dt.timedelta(minutes=5), now + dt.timedelta(hours=8)
    )
    client.force_login(engineer)
    page = client.get(f"/roster/shifts/{shift.pk}/").content.decode()
    assert 'data-testid="check-in-button"' in page
    response = client.post(f"/roster/shifts/{shift.pk}/check-in/")
    assert response.status_code == 302
    shift.refresh_from_db()
    assert shift.checked_in_at is not None
    page = client.get(f"/roster/shifts/{shift.pk}/").content.decode()
    assert 'data-testid="checked-in"' in page

    other = plan(manager, line, engineer, now + dt.timedelta(hours=9), now + dt.timedelta(hours=10))
    api = APIClient()
    api.force_authenticate(manager)
    assert api.post(f"/api/v1/duty-shifts/{other.pk}/check-in/").status_code == 403
    api.force_authenticate(engineer)
    clock.set(now + dt.timedelta(hours=9, minutes=3))
    response = api.post(f"/api/v1/duty-shifts/{other.pk}/check-in/")
    assert response.status_code == 200, response.content
    assert response.json()["checked_in_at"]


def call(engineer, at, *, answered=True, rings=2, line=None):
    return Call.objects.create(
        caller_phone="13900000000",
        started_at=at,
        answered=answered,
        rings=rings if answered else 6,
        engineer=engineer if answered else None,
        line=line,
    )


def test_connect_rate_per_engineer_on_duty_counts_missed_calls(
    clock, manager, line, engineer, colleague
):
    morning = plan(manager, line, engineer, sh(2026, 9, 16, 8, 30), sh(2026, 9, 16, 12, 30))
    plan(manager, line, colleague, sh(2026, 9, 16, 12, 30), sh(2026, 9, 16, 17, 30))
    clock.set(sh(2026, 9, 16, 8, 32))
    shift_check_in(morning, by=engineer)  # the colleague never checks in
    sla_sweep(now=sh(2026, 9, 16, 18, 0))
    # Morning: 2 answered, 2 missed (nobody picked up: no engineer on the call).
    call(engineer, sh(2026, 9, 16, 9, 0), line=line)
    call(engineer, sh(2026, 9, 16, 10, 0), line=line)
    call(None, sh(2026, 9, 16, 10, 30), answered=False, line=line)
    call(None, sh(2026, 9, 16, 11, 0), answered=False)  # no line given: any line's duty
    # Afternoon: 1 answered by the morning engineer helping out, 1 missed.
    call(engineer, sh(2026, 9, 16, 13, 0), line=line)
    call(None, sh(2026, 9, 16, 14, 0), answered=False, line=line)
    # Evening: nobody on duty.
    call(None, sh(2026, 9, 16, 20, 0), answered=False, line=line)

    rows = call_stats(start=sh(2026, 9, 16), end=sh(2026, 9, 17), group_by="duty")
    by_label = {r["label"]: r for r in rows}
    assert by_label["王静"]["calls"] == 4
    assert by_label["王静"]["connect_rate"] == 0.5
    assert (by_label["王静"]["shifts"], by_label["王静"]["late_check_ins"]) == (1, 0)
    assert by_label["冯磊"]["calls"] == 2
    assert by_label["冯磊"]["connect_rate"] == 0.5
    assert (by_label["冯磊"]["shifts"], by_label["冯磊"]["late_check_ins"]) == (1, 1)
    nobody = next(r for r in rows if r["key"] is None)
    assert (nobody["calls"], nobody["answered"]) == (1, 0)


def test_call_statistics_page_and_api_show_who_was_on_duty(client, manager, line, engineer):
    now = timezone.now()
    plan(manager, line, engineer, now - dt.timedelta(hours=2), now + dt.timedelta(hours=6))
    call(engineer, now - dt.timedelta(hours=1), line=line)
    call(None, now - dt.timedelta(minutes=30), answered=False, line=line)
    client.force_login(manager)
    page = client.get("/calls/stats/").content.decode()
    assert 'data-testid="stats-duty"' in page
    assert "王静" in page
    api = APIClient()
    api.force_authenticate(manager)
    data = api.get("/api/v1/calls/stats/", {"group_by": "duty"}).json()
    row = next(r for r in data["rows"] if r["label"] == "王静")
    assert (row["calls"], row["answered"], row["shifts"]) == (2, 1, 1)
