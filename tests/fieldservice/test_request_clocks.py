"""A dispatch request has a clock from the moment it is made (issue 10 item 9): verified
and assigned within one working hour on the contract's calendar when the system is down,
before the next working day starts otherwise; shown on the board, system-down cards
marked. Fri 2026-11-13 and Mon 2026-11-16 are ordinary working days."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from fieldservice.choices import DispatchSeverity, DispatchState
from fieldservice.services import dispatch_assign, dispatch_verify
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import SlaTimer
from tests.fieldservice.factories import make_engineer, new_dispatch, reload
from tests.tickets.factories import make_contract, make_customer, sh, take_call
from tickets.choices import Severity
from tickets.services import ticket_request_dispatch

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun")


def _due(dispatch, target):
    return timezone.localtime(SlaTimer.objects.for_subject(dispatch).get(target=target).due_at)


def _request(manager, sales, *, level="5x8", severity=DispatchSeverity.NORMAL):
    customer = make_customer(sales, address="上海市浦东新区张江路 100 号")
    contract = make_contract(sales, customer, service_level=level)
    return new_dispatch(manager, customer, contract=contract, severity=severity)


def test_system_down_is_due_within_one_working_hour_on_the_contract_calendar(clock, manager, sales):
    clock.set(sh(2026, 11, 13, 17, 30))  # Friday, half an hour before closing
    d = _request(manager, sales, severity=DispatchSeverity.SYSTEM_DOWN)
    assert _due(d, "verification") == sh(2026, 11, 16, 9, 30)
    assert _due(d, "assignment") == sh(2026, 11, 16, 9, 30)
    round_the_clock = _request(manager, sales, level="7x24", severity="system_down")
    assert _due(round_the_clock, "verification") == sh(2026, 11, 13, 18, 30)
    assert _due(round_the_clock, "assignment") == sh(2026, 11, 13, 18, 30)


def test_a_normal_request_is_due_before_the_next_working_day_starts(clock, manager, sales):
    clock.set(sh(2026, 11, 13, 17, 30))
    d = _request(manager, sales)
    assert _due(d, "verification") == sh(2026, 11, 16, 9, 0)
    assert _due(d, "assignment") == sh(2026, 11, 16, 9, 0)
    # A round-the-clock customer's normal request: the office's next morning, not midnight.
    d = _request(manager, sales, level="7x24")
    assert _due(d, "assignment") == sh(2026, 11, 16, 9, 0)


def test_verifying_and_assigning_meet_the_clocks(clock, manager, sales, make_user):
    clock.set(sh(2026, 11, 16, 10, 0))
    d = _request(manager, sales, severity=DispatchSeverity.SYSTEM_DOWN)
    clock.set(sh(2026, 11, 16, 10, 20))
    d = dispatch_verify(d, by=manager)
    clock.set(sh(2026, 11, 16, 10, 40))
    d = dispatch_assign(
        d, by=manager, engineer=make_engineer(make_user), planned_start=sh(2026, 11, 16, 13, 0)
    )
    timers = {t.target: t for t in SlaTimer.objects.for_subject(d)}
    assert timers["verification"].state == TimerState.MET
    assert timers["verification"].met_at == sh(2026, 11, 16, 10, 20)
    assert timers["assignment"].state == TimerState.MET
    assert timers["assignment"].met_at == sh(2026, 11, 16, 10, 40)


def test_a_system_down_ticket_makes_a_system_down_request_with_its_clock(sales, make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER, username="hotline")
    customer = make_contract(sales).customer
    ticket = take_call(hotline, customer, severity=Severity.SYSTEM_DOWN)
    ticket = ticket_request_dispatch(ticket, by=hotline, notes="服务器宕机，需上门")
    d = ticket.dispatches.get()
    assert d.severity == DispatchSeverity.SYSTEM_DOWN
    timer = SlaTimer.objects.for_subject(d).get(target="verification")
    assert timer.state == TimerState.RUNNING and timer.policy.condition == "severity=system_down"


def test_the_board_shows_the_deadline_and_marks_system_down(client, manager, sales):
    normal = _request(manager, sales)
    down = _request(manager, sales, severity=DispatchSeverity.SYSTEM_DOWN)
    client.force_login(manager)
    page = client.get(reverse("fieldservice:board")).content.decode()
    side = page[page.index('data-testid="unassigned"') : page.index('data-testid="assign-form"')]
    # System down first, marked, with its deadline; every request shows its clock.
    assert side.index(down.number) < side.index(normal.number)
    assert side.count('data-testid="system-down"') == 1
    assert side.count("Verify the request") == 2
    assert "No deadlines." not in side
    detail = client.get(reverse("fieldservice:dispatch", args=[down.pk])).content.decode()
    assert 'data-testid="system-down"' in detail and "Assign an engineer" in detail
    assert reload(down).state == DispatchState.REQUESTED
