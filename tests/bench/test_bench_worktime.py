"""Throughput of working-time additions: the SLA sweeper and bulk re-plans call `add` a lot.

Pure Python, no database: 100,000 mixed additions (working minutes up to 5 working days,
working days up to 10) on the real Chinese calendar must run at >= 20,000 per second.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar.constants import holidays, workdays

from servicedesk.core.worktime import CalendarSpec, add

OPERATIONS = 100_000
REQUIRED_PER_SECOND = 20_000


@pytest.mark.bench
def test_bench_worktime_additions() -> None:
    spec = CalendarSpec.default(holidays=holidays.keys(), makeup_days=workdays.keys())
    rng = random.Random(20260916)
    origin = datetime(2025, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    span = int(timedelta(days=3 * 365).total_seconds())
    operations: list[tuple[datetime, int, str]] = []
    for _ in range(OPERATIONS):
        start = origin + timedelta(seconds=rng.randrange(span))
        if rng.random() < 0.5:
            operations.append((start, rng.randint(1, 5 * 8 * 60), "working_minutes"))
        else:
            operations.append((start, rng.randint(1, 10), "working_days"))

    began = time.perf_counter()
    for start, amount, unit in operations:
        add(spec, start, amount, unit)
    elapsed = time.perf_counter() - began

    per_second = int(OPERATIONS / elapsed)
    print(f"BENCH worktime_additions_per_second: {per_second}")
    assert per_second >= REQUIRED_PER_SECOND
