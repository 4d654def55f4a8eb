"""The charts' speed-ups keep their figures right (docs/architecture.md §dashboards): a
timer carries its record's customer from its start and follows a change of customer (one
UPDATE then, none otherwise); the cached six-month trends start again after a change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.core.choices import Role
from servicedesk.core.models import SlaTimer
from servicedesk.core.selectors_dashboard import (
    dashboard_scope,
    period_month,
    sla_by_customer,
    sla_by_month,
)
from servicedesk.core.services.timers import timer_start
from tests.tickets.factories import make_customer, take_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    cache.clear()
    hotline = make_user(Role.HOTLINE_ENGINEER, username="wangjing", last_name="王", first_name="静")
    director = make_user(Role.DIRECTOR, username="zhaozong", last_name="赵", first_name="总")
    sales = make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军")
    x = make_customer(sales, "苏州信达精密电子有限公司", short_name="信达电子")
    y = make_customer(sales, "无锡华光机械有限公司", short_name="华光机械")
    ticket = take_call(hotline, x)
    return {"ticket": ticket, "director": director, "x": x, "y": y, "hotline": hotline}


def _timers(ticket) -> list[int | None]:
    return list(SlaTimer.objects.for_subject(ticket).values_list("subject_customer_id", flat=True))


def test_a_timer_carries_the_customer_and_follows_a_change(world):
    ticket, x, y = world["ticket"], world["x"], world["y"]
    timer_start(subject=ticket, target="callback", amount=1, unit="hours")
    assert _timers(ticket) and set(_timers(ticket)) == {x.pk}

    ticket.caller_name = "李会计"  # another field: the timers are left alone
    with CaptureQueriesContext(connection) as ctx:
        ticket.save()
    assert not [q for q in ctx.captured_queries if "core_slatimer" in q["sql"]]

    ticket.customer = y
    ticket.save()
    assert set(_timers(ticket)) == {y.pk}
    ticket.customer = None
    ticket.save(update_fields=["customer"])
    assert set(_timers(ticket)) == {None}


def test_the_chart_by_customer_reads_the_copied_customer(world):
    director, ticket, x = world["director"], world["ticket"], world["x"]
    timer_start(subject=ticket, target="callback", amount=1, unit="hours")
    scope = dashboard_scope(user=director)
    chart = sla_by_customer(user=director, scope=scope, period=period_month(timezone.localdate()))
    assert "信达电子" in chart.categories
    running = chart.series[2].values[chart.categories.index("信达电子")]
    assert running == SlaTimer.objects.filter(subject_customer_id=x.pk).count() > 0


def test_the_cached_trend_starts_again_after_a_change(world):
    director, ticket = world["director"], world["ticket"]
    scope = dashboard_scope(user=director)
    period = period_month(timezone.localdate())

    def running_now() -> int:
        return sla_by_month(user=director, scope=scope, period=period).series[2].values[-1]

    before = running_now()
    with CaptureQueriesContext(connection) as ctx:
        assert running_now() == before  # from the cache
    assert not [q for q in ctx.captured_queries if "core_slatimer" in q["sql"]]
    timer_start(
        subject=ticket,
        target="trend_check",
        amount=1,
        unit="hours",
        started_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert running_now() == before + 1
