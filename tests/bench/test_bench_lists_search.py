"""The declared ticket list, its Excel export and the global search at 200,000 tickets on
PostgreSQL (issue 16; docs/architecture.md §lists, §search).

The same data as tests/bench/test_bench_tickets.py (10,000 customers with contacts and
dongle numbers, 200,000 tickets of which 3,000 open, every description holding 凭证 and
无法: the worst case for the words search). Measured through the whole Django stack with
a handful of rows first, then at size: the query counts must be equal and the medians
must not grow more than ``GROWTH`` times (plus ``SLACK_MS`` for a busy machine). Prints
``BENCH <name>_median_ms`` lines for both sizes.
"""

from __future__ import annotations

import datetime as dt
import time
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests.bench.test_bench_tickets import (
    CUSTOMERS,
    OPEN_TICKETS,
    SMALL,
    TICKETS,
    analyze,
    explain_slow,
    make_customers,
    make_people,
    make_tickets,
    queries_of,
    timed,
)
from tickets.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

HTMX = {"HTTP_HX_REQUEST": "true"}
TABLE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-table"}
GROWTH = 1.5
# The small size: 1,000 tickets, enough open ones that every list below fills its page at
# both sizes. (With the 120 tickets of SMALL the closed tickets of one region drew 13 rows
# small and 50 big: the page "grew" with what it showed, not with the table.)
LIST_SMALL = {**SMALL, "customers": 200, "tickets": 1_000, "open": 480}
SLACK_MS = 15.0
SEARCH_MEDIAN_MS = 100.0
LIST_MEDIAN_MS = 150.0
EXPORT_ROWS = 10_000
EXPORT_SECONDS = 5.0

# What people type in the header: a ticket number's start, a number in full, a phone,
# a dongle number, a customer's short name, Chinese words (common and rare).
SEARCHES = ["BX00012", "BX00100000", "13800001", "DG-000042", "精密机械", "凭证无法", "科目锁定"]
LISTS = {
    "list_default": {},
    "list_closed_region": {"state": "closed", "region": "华东"},
    "list_open_sorted_customer": {"state": "new", "sort": "customer"},
    "list_dates": {"received_on_after": "2026-01-01", "sort": "-received"},
    "list_overdue": {"overdue": "true"},
}


def _measure(manager: Client, size: str) -> dict:
    figures: dict = {}
    for name, params in LISTS.items():
        figures[f"{name}_queries"] = queries_of(manager, "/tickets/all/", params, **TABLE)
        table = manager.get("/tickets/all/", params, **TABLE).content.decode()
        figures[f"{name}_rows"] = table.count('href="/tickets/')
        figures[name] = timed(
            f"{size}_{name}",
            # The first page, as people open a list: the small size fills it too (the
            # rows are compared), so growth is the table's, not the page's.
            lambda i, p=params: manager.get("/tickets/all/", p, **TABLE),
        )
    figures["search_queries"] = max(
        queries_of(manager, "/search/", {"q": q}, **HTMX) for q in SEARCHES
    )
    figures["search"] = timed(
        f"{size}_search",
        lambda i: manager.get("/search/", {"q": SEARCHES[i % len(SEARCHES)]}, **HTMX),
    )
    return figures


def _text_defaults() -> None:
    """test_bench_tickets.make_tickets names the columns of its time; text columns added
    since (precautions, special_plan) default to empty for this test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_name = 'tickets_ticket' AND is_nullable = 'NO'
                 AND column_default IS NULL AND data_type IN ('text', 'character varying')
                 AND is_generated = 'NEVER'"""
        )
        for (column,) in cursor.fetchall():
            cursor.execute(f"ALTER TABLE tickets_ticket ALTER COLUMN {column} SET DEFAULT ''")


def test_bench_ticket_list_and_search() -> None:
    _text_defaults()
    people = make_people()
    manager = Client()
    manager.force_login(people["manager"])

    make_customers(0, LIST_SMALL["customers"], people["sales"])
    make_tickets(1, LIST_SMALL["tickets"], LIST_SMALL["open"])
    analyze()
    small = _measure(manager, "small")
    for params in LISTS.values():
        explain_slow(manager, "/tickets/all/", params, **TABLE)

    make_customers(LIST_SMALL["customers"], CUSTOMERS, people["sales"])
    make_tickets(LIST_SMALL["tickets"], TICKETS + 1, OPEN_TICKETS)
    analyze()
    assert Ticket.objects.count() == TICKETS
    big = _measure(manager, "big")
    for params in LISTS.values():
        explain_slow(manager, "/tickets/all/", params, **TABLE)

    # A ticket every two minutes: the last 14 days are about 10,000 tickets.
    since = timezone.localdate() - dt.timedelta(days=13)
    samples = []
    for _i in range(3):
        began = time.perf_counter()
        export = manager.get("/lists/tickets/export.xlsx", {"received_on_after": since.isoformat()})
        samples.append(time.perf_counter() - began)
        assert export.status_code == 200
    seconds = sorted(samples)[1]
    rows = sum(1 for _row in load_workbook(BytesIO(export.content)).active.iter_rows()) - 1
    print(f"BENCH export_rows: {rows}")
    print(f"BENCH export_seconds (median of 3): {seconds:.2f}")

    for name in [*LISTS, "search"]:
        print(f"BENCH {name}: small {small[name]:.1f} ms, big {big[name]:.1f} ms")
        assert big[f"{name}_queries"] == small[f"{name}_queries"], name
        if name in LISTS:  # the same page drawn at both sizes: growth is the table's
            print(f"BENCH {name}_rows: small {small[f'{name}_rows']}, big {big[f'{name}_rows']}")
            assert big[f"{name}_rows"] == small[f"{name}_rows"], name
        assert big[name] <= small[name] * GROWTH + SLACK_MS, name
    assert big["search"] < SEARCH_MEDIAN_MS
    for name in LISTS:
        assert big[name] < LIST_MEDIAN_MS, name
    assert rows >= EXPORT_ROWS * 0.9
    assert seconds < EXPORT_SECONDS
