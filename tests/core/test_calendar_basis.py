"""Internal deadlines run on the office calendar, promises to the customer on the
contract's service level (docs/domain.md §deadlines.calendar).

On a 7×24 contract, a Sunday call's hand-over to the service manager and a Sunday visit's
write-off are due when the office opens on Monday (09:00), not Monday 00:00; the call
back to the customer still runs round the clock.
"""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from servicedesk.core import worktime
from servicedesk.core.calendars import calendar_spec, default_calendar
from servicedesk.core.choices import CalendarBasis, Role, ServiceLevel
from servicedesk.core.models import SlaPolicy, SlaTimer
from servicedesk.core.services.timers import timer_start
from tests.tickets.factories import make_contract, sh, take_call

pytestmark = pytest.mark.django_db

SUNDAY_0300 = sh(2026, 11, 15, 3, 0)
MONDAY_0900 = sh(2026, 11, 16, 9, 0)

OFFICE_TARGETS = {
    ("ticket", "handover_to_manager"),
    ("ticket", "acknowledge"),
    ("duty_shift", "shift_handover"),
    ("dispatch", "write_off"),
    ("dispatch", "follow_up"),
    ("first_visit", "needs_routing"),
    ("requirement", "evaluation"),
    ("defect", "escalation"),
    ("defect", "report"),
    ("defect", "verify"),
}
PROMISE_TARGETS = {
    ("ticket", "dispatch_submission"),
    ("ticket", "callback"),
    ("ticket", "reply"),
    ("dispatch", "arrival"),
    ("defect", "fix"),
    ("defect", "resolve"),
}


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="sales_basis")


@pytest.fixture
def round_the_clock(sales):
    return make_contract(sales, service_level=ServiceLevel.ROUND_THE_CLOCK)


def _timer(subject, target: str) -> SlaTimer:
    return SlaTimer.objects.for_subject(subject).filter(target=target).latest("started_at")


def test_every_seeded_policy_states_its_basis():
    bases = {
        (p.subject, p.target): p.calendar_basis
        for p in SlaPolicy.objects.filter(active=True)
        if (p.subject, p.target) in OFFICE_TARGETS | PROMISE_TARGETS
    }
    assert {k for k, v in bases.items() if v == CalendarBasis.OFFICE} == OFFICE_TARGETS
    assert {k for k, v in bases.items() if v == CalendarBasis.SERVICE_LEVEL} == PROMISE_TARGETS


def test_a_sunday_call_on_a_7x24_contract_is_handed_over_when_the_office_opens(
    clock, make_user, round_the_clock
):
    engineer = make_user(Role.HOTLINE_ENGINEER, username="hl_basis")
    clock.set(SUNDAY_0300)
    ticket = take_call(
        engineer, round_the_clock.customer, received_at=SUNDAY_0300, needs_on_site=True
    )
    handover = _timer(ticket, "handover_to_manager")
    assert handover.due_at == MONDAY_0900
    assert handover.calendar == default_calendar()
    # The on-site promise to the customer keeps the contract's round-the-clock calendar.
    submission = _timer(ticket, "dispatch_submission")
    assert submission.due_at == sh(2026, 11, 15, 3, 30)
    assert submission.calendar.always_open


def test_a_shelved_sunday_call_is_called_back_round_the_clock(clock, make_user, round_the_clock):
    from tickets.services import ticket_shelve

    engineer = make_user(Role.HOTLINE_ENGINEER, username="hl_basis2")
    clock.set(SUNDAY_0300)
    ticket = take_call(engineer, round_the_clock.customer, received_at=SUNDAY_0300)
    ticket = ticket_shelve(ticket, by=engineer, reason="需请教开发组")
    assert _timer(ticket, "callback").due_at == sh(2026, 11, 15, 4, 0)
    assert _timer(ticket, "reply").due_at == sh(2026, 11, 15, 6, 0)


def test_a_sunday_visit_on_a_7x24_contract_is_written_off_monday_morning(
    clock, make_user, round_the_clock
):
    from fieldservice.services import (
        dispatch_assign,
        dispatch_check_in,
        dispatch_complete,
        dispatch_confirm,
        dispatch_schedule,
        dispatch_verify,
    )
    from tests.fieldservice.factories import REPORT, make_engineer, new_dispatch, signature_png

    manager = make_user(Role.SERVICE_MANAGER, username="sm_basis")
    engineer = make_engineer(make_user, username="fe_basis")
    clock.set(sh(2026, 11, 14, 20, 0))  # Saturday evening: system down, on site at night
    d = new_dispatch(
        manager,
        round_the_clock.customer,
        contract=round_the_clock,
        site_address="上海市浦东新区张江路 100 号",
    )
    d = dispatch_verify(d, by=manager)
    d = dispatch_assign(d, by=manager, engineer=engineer, planned_start=sh(2026, 11, 15, 1, 0))
    d = dispatch_confirm(d, by=engineer.user)
    d = dispatch_schedule(d, by=engineer.user, appointment_at=sh(2026, 11, 15, 1, 0))
    clock.set(sh(2026, 11, 15, 0, 50))
    d = dispatch_check_in(d, by=engineer.user)
    clock.set(SUNDAY_0300)
    d = dispatch_complete(
        d, by=engineer.user, signature_image=signature_png(), signer_name="王主任", **REPORT
    )
    assert _timer(d, "write_off").due_at == MONDAY_0900
    # The follow-up call (回访) is made in office hours: close of business of the second
    # working day, not midnight; the revisit is scheduled on that day.
    follow_up = _timer(d, "follow_up")
    assert follow_up.due_at == sh(2026, 11, 17, 18, 0)
    from contracts.models import Revisit

    assert Revisit.objects.get(source_id=d.pk, reason="post_visit").due_on == dt.date(2026, 11, 17)


def test_evaluation_and_report_run_on_office_hours_fix_on_the_contract(
    clock, make_user, round_the_clock
):
    from tests.defects.factories import record_defect, record_requirement

    engineer = make_user(Role.FIELD_ENGINEER, username="fe_basis2")
    clock.set(SUNDAY_0300)
    requirement = record_requirement(
        engineer, round_the_clock.customer, contract=round_the_clock, recorded_at=SUNDAY_0300
    )
    # 3 working days after Sunday: Mon, Tue, Wed, close of business (not Thursday 00:00).
    assert _timer(requirement, "evaluation").due_at == sh(2026, 11, 18, 18, 0)
    defect = record_defect(
        engineer,
        severity="important",
        customer=round_the_clock.customer,
        contract=round_the_clock,
        reported_at=SUNDAY_0300,
    )
    assert _timer(defect, "report").due_at == sh(2026, 11, 16, 18, 0)
    assert _timer(defect, "verify").due_at == sh(2026, 11, 17, 18, 0)
    # Resolving is the promise to the customer: round the clock, the end of Wednesday.
    assert _timer(defect, "resolve").due_at == sh(2026, 11, 19, 0, 0)


def test_office_deadlines_never_fall_at_midnight_whatever_the_contract():
    """Every office-basis policy in working time, started every 5 hours over two weeks
    that hold a holiday and a make-up working day, on a 7×24 and a 5×8 contract: never
    due at 00:00, always at an opening, a close of business or inside a working period
    of the office calendar."""
    office = calendar_spec(default_calendar())
    policies = list(SlaPolicy.objects.filter(active=True, calendar_basis=CalendarBasis.OFFICE))
    assert len(policies) >= 8
    starts = [sh(2026, 9, 27, 0, 0) + dt.timedelta(hours=h) for h in range(0, 24 * 15, 5)]
    subject = Group.objects.create(name="basis-subject")
    for policy, level in product(policies, ServiceLevel.values):
        subject.sla_subject = policy.subject
        for start in starts:
            context = {**policy.condition_items(), "service_level": level}
            timer = timer_start(
                subject=subject, target=policy.target, started_at=start, context=context
            )
            local = timezone.localtime(timer.due_at)
            # Wall-clock units (a shift's 30 minutes, a fix's 24 hours) count from when
            # their clock starts, whatever the calendar.
            if policy.unit not in ("minutes", "hours"):
                assert local.time() != dt.time(0, 0), (policy, level, start)
                # A period's start (opening) or end (close of business), or inside one.
                just_before = local - dt.timedelta(microseconds=1)
                assert worktime.is_working_time(office, local) or worktime.is_working_time(
                    office, just_before
                ), (policy, level, start, local)
            timer.delete()


def test_the_basis_is_edited_in_the_admin_in_chinese(client, make_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    admin = make_user(username="root_basis", is_staff=True, is_superuser=True)
    client.force_login(admin)
    policy = SlaPolicy.objects.get(subject="ticket", target="callback", condition="")
    url = f"/admin/core/slapolicy/{policy.pk}/change/"
    html = client.get(url).content.decode()
    assert "日历依据" in html
    assert "办公日历（内部步骤）" in html
    assert "合同服务级别（对客户的承诺）" in html
    listing = client.get("/admin/core/slapolicy/?calendar_basis__exact=office")
    assert "日历依据" in listing.content.decode()
    data = {
        "subject": policy.subject,
        "target": policy.target,
        "condition": policy.condition,
        "amount": "60",
        "unit": policy.unit,
        "calendar": "",
        "calendar_basis": CalendarBasis.OFFICE,
        "warn_percent": "80",
        "notify": ["assignee"],
        "description": policy.description,
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.calendar_basis == CalendarBasis.OFFICE
