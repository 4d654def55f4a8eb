"""The dispatch timers on the real Chinese working calendar (docs/domain.md §deadlines.table):
2026 National Day holiday 10-01..10-07 with the make-up working day Saturday 2026-10-10.

- ``arrival``: due at the appointed time; met by the check-in.
- ``write_off``: the form handed in before the next working day starts after completion.
- ``follow_up``: the follow-up call within 2 working days after completion.
"""

from __future__ import annotations

import pytest

from fieldservice.choices import DispatchState
from fieldservice.services import (
    dispatch_assign,
    dispatch_check_in,
    dispatch_complete,
    dispatch_confirm,
    dispatch_schedule,
    dispatch_verify,
    dispatch_write_off,
)
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import Escalation, SlaTimer
from servicedesk.core.services.timers import sla_sweep
from tests.fieldservice.factories import REPORT, make_engineer, new_dispatch, signature_png
from tests.tickets.factories import sh

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


def _on_site(clock, manager, engineer, *, created, appointment, arrived):
    clock.set(created)
    d = dispatch_verify(new_dispatch(manager), by=manager)
    d = dispatch_assign(d, by=manager, engineer=engineer, planned_start=appointment)
    d = dispatch_confirm(d, by=engineer.user)
    d = dispatch_schedule(d, by=engineer.user, appointment_at=appointment)
    clock.set(arrived)
    return dispatch_check_in(d, by=engineer.user)


def _complete(clock, d, engineer, at):
    clock.set(at)
    return dispatch_complete(
        d, by=engineer.user, signature_image=signature_png(), signer_name="王主任", **REPORT
    )


def _timer(d, target):
    return SlaTimer.objects.for_subject(d).filter(target=target).latest("started_at")


def test_completed_before_national_day(clock, manager, engineer):
    d = _on_site(
        clock,
        manager,
        engineer,
        created=sh(2026, 9, 29, 10, 0),
        appointment=sh(2026, 9, 30, 14, 0),
        arrived=sh(2026, 9, 30, 13, 50),
    )
    arrival = _timer(d, "arrival")
    assert arrival.due_at == sh(2026, 9, 30, 14, 0)
    assert arrival.state == TimerState.MET
    d = _complete(clock, d, engineer, sh(2026, 9, 30, 17, 0))
    # Next working day after the holiday starts Thursday 10-08 at 09:00.
    assert _timer(d, "write_off").due_at == sh(2026, 10, 8, 9, 0)
    # Two working days: Thu 10-08 and Fri 10-09, close of business.
    assert _timer(d, "follow_up").due_at == sh(2026, 10, 9, 18, 0)
    assert d.on_site_minutes == 190 and d.person_days == 0.5


def test_friday_completion_counts_the_makeup_saturday(clock, manager, engineer):
    d = _on_site(
        clock,
        manager,
        engineer,
        created=sh(2026, 10, 8, 9, 0),
        appointment=sh(2026, 10, 9, 9, 30),
        arrived=sh(2026, 10, 9, 9, 30),
    )
    d = _complete(clock, d, engineer, sh(2026, 10, 9, 16, 0))
    assert d.person_days == 1.0  # 6.5 hours on site
    # Saturday 10-10 is a make-up working day (调休上班).
    assert _timer(d, "write_off").due_at == sh(2026, 10, 10, 9, 0)
    assert _timer(d, "follow_up").due_at == sh(2026, 10, 12, 18, 0)


def test_late_write_off_is_breached_by_the_sweep(clock, manager, engineer):
    d = _on_site(
        clock,
        manager,
        engineer,
        created=sh(2026, 9, 29, 10, 0),
        appointment=sh(2026, 9, 30, 10, 0),
        arrived=sh(2026, 9, 30, 10, 5),
    )
    # Arrived five minutes late: the arrival deadline is breached, with its escalation.
    arrival = _timer(d, "arrival")
    assert arrival.state == TimerState.BREACHED
    assert Escalation.objects.filter(timer=arrival, kind="breach").exists()
    d = _complete(clock, d, engineer, sh(2026, 9, 30, 12, 0))
    result = sla_sweep(now=sh(2026, 10, 8, 9, 1))
    assert result.breached >= 1
    assert _timer(d, "write_off").state == TimerState.BREACHED
    # The follow-up call is not late yet.
    assert _timer(d, "follow_up").state == TimerState.RUNNING
    clock.set(sh(2026, 10, 8, 10, 0))
    d = dispatch_write_off(d, by=manager)
    assert d.state == DispatchState.WRITTEN_OFF
    assert _timer(d, "write_off").met_at == sh(2026, 10, 8, 10, 0)
