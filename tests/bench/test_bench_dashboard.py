"""The charts page (issue 16 §4, Done when) at 200,000 tickets on PostgreSQL.

The tickets, their deadlines and the customers of tests/bench/test_bench_tickets.py (a
ticket every two minutes back from now, about 15 % open at the small size and 3,000 open at
the large one), plus 200,000 phone calls (one every 30 s), 50,000 visits for 200 engineers
(one in four a partner's) with outcomes, appointments and arrivals over the year, and a
director looking at the whole company (the widest scope) for this month.

Measured through the whole Django stack with about 1,000 tickets first, then at size: the
query counts must be equal, the median under ``MEDIAN_MS`` and at most ``GROWTH`` times the
small one (plus ``SLACK_MS`` for a busy machine). Prints ``BENCH`` lines.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from servicedesk.core.choices import Role
from tests.bench.test_bench_fieldservice import make_world
from tests.bench.test_bench_lists_search import _text_defaults
from tests.bench.test_bench_tickets import (
    CUSTOMERS,
    OPEN_TICKETS,
    TICKETS,
    analyze,
    make_calls,
    make_customers,
    make_people,
    make_tickets,
    queries_of,
    timed,
)
from tickets.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

MEDIAN_MS = 300.0
GROWTH = 1.5
SLACK_MS = 15.0
SMALL = {"customers": 60, "tickets": 1_000, "open": 150, "calls": 1_000, "dispatches": 250}
CALLS = 200_000
FIELD_ENGINEERS = 200
DISPATCHES = 50_000


def _visits_done() -> None:
    """Give the completed visits a date in the last year, an outcome, a first appointment
    and an arrival (on time, up to an hour late, later) and person-days."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE fieldservice_dispatch SET
                completed_at = now() - make_interval(hours => ((id * 7) %% 8760)::int),
                outcome = (ARRAY['solved', 'solved', 'partially_solved', 'unsolved'])[1 + id %% 4],
                person_days = 0.5 + (id %% 3) * 0.5,
                service_fee = 0
            WHERE state = 'completed'
            """,
            [],
        )
        cursor.execute(
            """
            UPDATE fieldservice_dispatch SET
                checked_in_at = completed_at - interval '2 hours',
                first_appointment_at = completed_at - interval '2 hours'
                    - make_interval(mins => (30 - (id %% 5) * 20)::int)
            WHERE state = 'completed'
            """,
            [],
        )
        cursor.execute("ANALYZE fieldservice_dispatch")


def _director() -> Client:
    from django.contrib.auth import get_user_model

    director = get_user_model().objects.create_user(
        "bench-director", last_name="赵", first_name="总"
    )
    director.groups.add(Group.objects.get(name=Role.DIRECTOR))
    client = Client()
    client.force_login(director)
    return client


def _per_chart(size: str) -> None:
    """Where the time goes: each chart function alone, first call (the six-month trends
    counted) and best of three (the trends from their one-minute cache), and its queries
    when counted. The data was loaded by SQL (no signal started a new data version): the
    cache is emptied first."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from servicedesk.core.selectors_dashboard import CHARTS, dashboard_scope, period_month

    cache.clear()
    director = get_user_model().objects.get(username="bench-director")
    scope = dashboard_scope(user=director)
    period = period_month(timezone.localdate())
    for spec in CHARTS:
        kwargs = {"user": director, "scope": scope}
        if spec.uses_period:
            kwargs["period"] = period
        times = []
        for i in range(3):
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                spec.build(**kwargs)
                times.append((time.perf_counter() - began) * 1000)
            if i == 0:
                queries = len(ctx.captured_queries)
        print(
            f"BENCH {size} chart {spec.key}: first {times[0]:.1f} ms, best {min(times):.1f} ms,"
            f" {queries} queries"
        )


def _measure(client: Client, size: str) -> dict:
    _per_chart(size)
    return {
        "queries": queries_of(client, "/charts/"),
        "median": timed(f"{size}_charts", lambda i: client.get("/charts/")),
        "quarter": timed(
            f"{size}_charts_quarter", lambda i: client.get("/charts/", {"period": "quarter"})
        ),
    }


def test_bench_charts_page() -> None:
    _text_defaults()
    people = make_people()
    client = _director()

    make_customers(0, SMALL["customers"], people["sales"])
    make_tickets(1, SMALL["tickets"] + 1, SMALL["open"])
    make_calls(1, SMALL["calls"] + 1)
    make_world(10, SMALL["dispatches"], 0, offset=500_000)
    _visits_done()
    analyze()
    small = _measure(client, "small")

    make_customers(SMALL["customers"], CUSTOMERS, people["sales"])
    make_tickets(SMALL["tickets"] + 1, TICKETS + 1, OPEN_TICKETS)
    make_calls(SMALL["calls"] + 1, CALLS + 1)
    make_world(FIELD_ENGINEERS - 10, DISPATCHES - SMALL["dispatches"], 0, offset=600_000)
    _visits_done()
    analyze()
    assert Ticket.objects.count() == TICKETS
    big = _measure(client, "big")

    for name in ("median", "quarter"):
        print(f"BENCH charts {name}: small {small[name]:.1f} ms, big {big[name]:.1f} ms")
    print(f"BENCH charts queries: small {small['queries']}, big {big['queries']}")
    assert big["queries"] == small["queries"]
    assert big["median"] < MEDIAN_MS
    assert big["median"] <= small["median"] * GROWTH + SLACK_MS
