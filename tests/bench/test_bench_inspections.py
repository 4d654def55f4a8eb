"""Routine inspection generation at scale (docs/domain.md §inspection.generate), on
PostgreSQL: 5,000 contracts in service with a monthly schedule, each due within the lead
time. The run must finish under 30 s, and its number of queries must not grow with the
contracts beyond the batches (asserted by running 1,000 and 5,000):

    BENCH inspections_generate_5000_s: X
    BENCH inspections_generate_5000_queries: N
"""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldservice.models.inspections import InspectionItem
from fieldservice.services.inspections import GENERATION_BATCH, inspections_generate
from tests.fieldservice.inspection_factories import serving_contracts

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

CONTRACTS = 5_000
#: Per batch of schedules: lock, load (schedules, periods, scope, contacts), the made
#: days, then one bulk statement each for dispatches, numbers, history, events,
#: inspections, their history and checklist items; plus a few for the run itself.
PER_BATCH = 16
FIXED = 12


def _run() -> tuple[float, int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        began = time.perf_counter()
        result = inspections_generate(today=timezone.localdate())
        seconds = time.perf_counter() - began
    return seconds, len(ctx), result


def test_generation_of_5000_contracts(make_user):
    serving_contracts(1_000)
    seconds_small, queries_small, result = _run()
    assert result["created"] == 1_000
    serving_contracts(CONTRACTS - 1_000, start=1_000)
    seconds, queries, result = _run()  # the first 1,000 are already made: nothing twice
    assert result["created"] == CONTRACTS - 1_000
    batches = -(-CONTRACTS // GENERATION_BATCH)
    print(f"BENCH inspections_generate_1000_s: {seconds_small:.2f}")
    print(f"BENCH inspections_generate_1000_queries: {queries_small}")
    print(f"BENCH inspections_generate_5000_s: {seconds:.2f}")
    print(f"BENCH inspections_generate_5000_queries: {queries}")
    print(f"BENCH inspections_checklist_items: {InspectionItem.objects.count()}")
    assert seconds < 30
    assert queries <= FIXED + PER_BATCH * batches
    # Growth is per batch of 500, never per contract.
    assert queries - queries_small <= PER_BATCH * (batches - 2)
