"""Appointments respect the service hours and the manager's plan (issue 10 item 10): a time
outside the contract's service hours needs a reason; one outside the slot the manager
planned keeps the plan and tells the manager; every agreed time and every reschedule (with
its reason, made before the time) stays on the dispatch and on the printed service report,
so a late arrival against the first promise shows after any reschedule.

Mon 2026-11-16 … Sun 2026-11-22 is an ordinary week."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fieldservice.choices import DispatchState
from fieldservice.printing import service_report
from fieldservice.selectors import agreed_times, arrival_of
from fieldservice.services import (
    dispatch_assign,
    dispatch_check_in,
    dispatch_confirm,
    dispatch_reschedule,
    dispatch_schedule,
    dispatch_verify,
)
from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import Notification
from tests.fieldservice.factories import make_engineer, new_dispatch, reload
from tests.tickets.factories import make_contract, make_customer, sh

pytestmark = [pytest.mark.django_db]

PLANNED = sh(2026, 11, 17, 9, 0)  # Tuesday, 120 minutes
SUNDAY_NIGHT = sh(2026, 11, 22, 3, 0)


@pytest.fixture
def clock(clock):
    clock.set(sh(2026, 11, 16, 10, 0))
    return clock


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def other_manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="wufang", last_name="吴", first_name="芳")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun")


def _confirmed(manager, sales, engineer, *, level="5x8"):
    customer = make_customer(sales, address="上海市浦东新区张江路 100 号")
    contract = make_contract(sales, customer, service_level=level)
    d = dispatch_verify(new_dispatch(manager, customer, contract=contract), by=manager)
    d = dispatch_assign(d, by=manager, engineer=engineer, planned_start=PLANNED)
    return dispatch_confirm(d, by=engineer.user)


def _plan_notices(user):
    return Notification.objects.filter(recipient=user, kind="dispatch_plan_changed")


def test_sunday_night_for_a_5x8_customer_needs_a_reason(
    clock, manager, other_manager, sales, engineer
):
    d = _confirmed(manager, sales, engineer)
    with pytest.raises(ApplicationError) as exc:
        dispatch_schedule(d, by=engineer.user, appointment_at=SUNDAY_NIGHT)
    assert "out_of_hours_reason" in exc.value.extra
    assert "is outside its service hours" in exc.value.message
    d = reload(d)
    assert (d.state, d.appointment_at) == (DispatchState.CONFIRMED, None)
    d = dispatch_schedule(
        d,
        by=engineer.user,
        appointment_at=SUNDAY_NIGHT,
        note="信息科王主任",
        out_of_hours_reason="医院只能在周日凌晨停机",
    )
    assert d.state == DispatchState.SCHEDULED
    assert d.out_of_hours_reason == "医院只能在周日凌晨停机"
    # The manager's plan is kept, not silently replaced, and the manager who made it is told.
    assert d.planned_start == PLANNED
    notice = _plan_notices(manager).get()
    assert "2026-11-22 03:00" in notice.title and "2026-11-17 09:00" in notice.title
    assert "医院只能在周日凌晨停机" in notice.body
    assert not _plan_notices(other_manager).exists()


def test_inside_the_hours_and_the_plan_nothing_is_asked_or_told(clock, manager, sales, engineer):
    d = _confirmed(manager, sales, engineer)
    d = dispatch_schedule(
        d,
        by=engineer.user,
        appointment_at=PLANNED + dt.timedelta(minutes=60),
        out_of_hours_reason="不需要",
    )
    assert d.out_of_hours_reason == ""  # only an out-of-hours time keeps a reason
    assert not _plan_notices(manager).exists()


def test_a_round_the_clock_customer_may_be_visited_at_night(clock, manager, sales, engineer):
    d = _confirmed(manager, sales, engineer, level="7x24")
    d = dispatch_schedule(d, by=engineer.user, appointment_at=SUNDAY_NIGHT)
    assert (d.state, d.out_of_hours_reason) == (DispatchState.SCHEDULED, "")
    assert _plan_notices(manager).count() == 1  # still another time than planned


def test_every_agreed_time_stays_and_lateness_counts_from_the_first_promise(
    clock, manager, sales, engineer
):
    d = _confirmed(manager, sales, engineer)
    first = PLANNED + dt.timedelta(hours=1)  # Tue 10:00
    d = dispatch_schedule(d, by=engineer.user, appointment_at=first, note="王主任")
    clock.set(sh(2026, 11, 17, 8, 0))
    evening = sh(2026, 11, 17, 20, 0)
    reschedule = {"by": engineer.user, "reason": "客户上午开会", "customer_informed": True}
    with pytest.raises(ApplicationError) as exc:
        dispatch_reschedule(d, appointment_at=evening, **reschedule)
    assert "out_of_hours_reason" in exc.value.extra
    d = dispatch_reschedule(
        d, appointment_at=evening, out_of_hours_reason="客户只有晚上有空", **reschedule
    )
    assert d.first_appointment_at == first
    assert d.appointment_at == evening
    clock.set(sh(2026, 11, 17, 20, 15))
    d = dispatch_check_in(d, by=engineer.user)
    times = agreed_times(d)
    assert [t.at for t in times] == [first, evening]
    assert times[0].is_first and times[0].reason == "王主任"
    assert times[1].reason == "客户上午开会"
    assert times[1].out_of_hours_reason == "客户只有晚上有空"
    assert times[1].notice == dt.timedelta(hours=2)  # made two hours before 10:00
    assert times[1].differs_from_plan
    arrival = arrival_of(d, times)
    assert (arrival.late_minutes, arrival.late_vs_first_minutes) == (15, 10 * 60 + 15)


def test_the_page_and_the_printed_report_show_every_agreed_time(
    client, clock, manager, sales, engineer
):
    d = _confirmed(manager, sales, engineer)
    first = PLANNED + dt.timedelta(hours=1)
    d = dispatch_schedule(d, by=engineer.user, appointment_at=first, note="王主任")
    clock.set(sh(2026, 11, 17, 8, 0))
    d = dispatch_reschedule(
        d,
        by=engineer.user,
        appointment_at=sh(2026, 11, 17, 20, 0),
        reason="客户上午开会",
        customer_informed=True,
        out_of_hours_reason="客户只有晚上有空",
    )
    clock.set(sh(2026, 11, 17, 20, 15))
    d = dispatch_check_in(d, by=engineer.user)
    client.force_login(manager)
    page = client.get(reverse("fieldservice:dispatch", args=[d.pk])).content.decode()
    times = page[page.index('data-testid="agreed-times"') :]
    assert times.count('data-testid="agreed-time"') == 2
    assert "2026-11-17 10:00" in times and "first promise" in times
    assert "客户上午开会" in times and "客户只有晚上有空" in times
    arrived = page[page.index('data-testid="arrived"') :]
    arrived = arrived[: arrived.index("</dd>")]
    assert "15 min late" in arrived and "10 h 15 min late" in arrived

    doc = service_report(reload(d))
    heading = next(
        i
        for i, block in enumerate(doc.blocks)
        if isinstance(block, printing.Heading) and block.text == "Times agreed with the customer"
    )
    table = doc.blocks[heading + 1]
    rows = [" ".join(str(cell) for cell in row) for row in table.rows]
    assert len(rows) == 2
    assert "2026-11-17 10:00" in rows[0] and "王主任" in rows[0]
    assert "客户上午开会" in rows[1] and "客户只有晚上有空" in rows[1]
    facts = " ".join(
        str(value)
        for block in doc.blocks
        if isinstance(block, printing.KeyValueGrid)
        for row in block.rows
        for value in row[:2]
    )
    assert "15 min late" in facts and "10 h 15 min late" in facts


def test_the_api_asks_for_the_reason_with_a_field_error(clock, manager, sales, engineer):
    d = _confirmed(manager, sales, engineer)
    api = APIClient()
    api.force_authenticate(engineer.user)
    url = f"/api/v1/dispatches/{d.pk}/transitions/schedule/"
    r = api.post(url, {"appointment_at": SUNDAY_NIGHT.isoformat()}, format="json")
    assert r.status_code == 400 and "out_of_hours_reason" in r.json()
    r = api.post(
        url,
        {"appointment_at": SUNDAY_NIGHT.isoformat(), "out_of_hours_reason": "客户要求"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["out_of_hours_reason"] == "客户要求"
    assert body["first_appointment_at"] is not None


def test_without_a_contract_the_refusal_does_not_speak_of_one(clock, manager, sales, engineer):
    """A caller recorded at the intake has no contract yet: the out-of-hours refusal names
    the calendar whose hours apply, not "the contract's service level"."""
    customer = make_customer(sales, address="上海市浦东新区张江路 100 号")
    d = dispatch_verify(new_dispatch(manager, customer), by=manager)
    d = dispatch_assign(d, by=manager, engineer=engineer, planned_start=PLANNED)
    d = dispatch_confirm(d, by=engineer.user)
    assert d.contract_id is None
    with pytest.raises(ApplicationError) as exc:
        dispatch_schedule(d, by=engineer.user, appointment_at=SUNDAY_NIGHT)
    assert "Without a contract" in exc.value.message
    assert "contract's service level" not in exc.value.message
