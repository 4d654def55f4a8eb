"""Throughput of the SLA sweep (docs/architecture.md §timers.sweep) on PostgreSQL.

100,000 running timers, 10,000 of them due: one ``sla_sweep`` call must breach the 10,000
in under 10 seconds, with a number of queries that depends on the number of batches only
(QUERIES_PER_BATCH per batch, plus at most QUERIES_FIXED for the final empty look-up).
A second sweep over 1,000 due timers shows the same queries per batch.

The test's transaction is never committed (plain ``django_db``): the deferred foreign-key
checks and the WAL flush of a real commit are not in these figures.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.core.calendars import default_calendar
from servicedesk.core.choices import TimerState, TimeUnit
from servicedesk.core.models import Escalation, Notification, SlaTimer, StaffProfile
from servicedesk.core.next_due import kept_subject_types
from servicedesk.core.services.timers import SweepResult, sla_sweep

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

TOTAL = 100_000
DUE = 10_000
SECOND_DUE = 1_000
BATCH_SIZE = 1_000
MAX_SECONDS = 10.0
# Per batch: SAVEPOINT, the locking SELECT, the subjects' prefetch (one per subject
# model: one here), the role members, one UPDATE per kind (breaches only here: one), the
# history INSERT, the escalation INSERT, the notification INSERT, RELEASE SAVEPOINT; and
# the setting that makes the timers' triggers skip locked subjects, set and reset
# (docs/architecture.md §boards.kept).
QUERIES_PER_BATCH = 11
# The last look-up that finds nothing: SAVEPOINT, SELECT, RELEASE.
QUERIES_FIXED = 3
NOTIFY = ["assignee", "assignee_manager", "service_manager"]


def make_timers(now: datetime) -> list[int]:
    """TOTAL running timers over a few subjects and assignees, the first DUE of them due."""
    users = get_user_model().objects
    managers = [users.create_user(f"bench-mgr{i}", email=f"mgr{i}@example.com") for i in range(2)]
    service_managers, _created = Group.objects.get_or_create(name="service_manager")
    for i in range(2):
        users.create_user(f"bench-sm{i}", email=f"sm{i}@example.com").groups.add(service_managers)
    assignees = []
    for i in range(5):
        user = users.create_user(f"bench-eng{i}", email=f"eng{i}@example.com")
        StaffProfile.objects.create(user=user, manager=managers[i % 2])
        assignees.append(user)
    subjects = [Group.objects.create(name=f"bench-subject-{i}") for i in range(8)]
    subject_type = ContentType.objects.get_for_model(Group)
    calendar = default_calendar()

    def timer(i: int) -> SlaTimer:
        if i < DUE:
            started = now - timedelta(hours=2, seconds=i)
        else:
            started = now + timedelta(minutes=10, seconds=i)
        return SlaTimer(
            subject_type=subject_type,
            subject_id=subjects[i % len(subjects)].pk,
            target=f"callback-{i}",
            calendar=calendar,
            amount=Decimal(60),
            unit=TimeUnit.MINUTES,
            warn_percent=80,
            assignee=assignees[i % len(assignees)],
            notify=NOTIFY,
            state=TimerState.RUNNING,
            started_at=started,
            due_at=started + timedelta(minutes=60),
            warn_at=started + timedelta(minutes=48),
            next_check_at=started + timedelta(minutes=48),
        )

    created = SlaTimer.objects.bulk_create((timer(i) for i in range(TOTAL)), batch_size=5000)
    return [t.pk for t in created]


def measure(label: str, now: datetime) -> tuple[SweepResult, int, float]:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_slatimer")
    kept_subject_types()  # content types a running worker has looked up already
    with CaptureQueriesContext(connection) as ctx:
        began, cpu = time.perf_counter(), time.process_time()
        result = sla_sweep(now=now, batch_size=BATCH_SIZE)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    queries = len(ctx.captured_queries)
    database = sum(float(q["time"]) for q in ctx.captured_queries)
    print(f"BENCH {label}_seconds: {seconds:.2f}")
    # where the time went: this process's CPU, and waiting for PostgreSQL
    print(f"BENCH {label}_python_cpu_seconds: {cpu:.2f}")
    print(f"BENCH {label}_database_seconds: {database:.2f}")
    return result, queries, seconds


def test_bench_sla_sweep() -> None:
    now = timezone.now()
    ids = make_timers(now)
    # assignee, their manager and both service managers: 4 different people per timer
    recipients = 4

    result, queries, seconds = measure(f"sla_sweep_{DUE}_due", now)
    print(f"BENCH sla_sweep_queries: {queries}")
    print(f"BENCH sla_sweep_batches: {result.batches}")
    assert result.breached == DUE
    assert result.batches == DUE // BATCH_SIZE
    assert Escalation.objects.count() == DUE
    assert Notification.objects.count() == recipients * DUE
    assert SlaTimer.objects.running().count() == TOTAL - DUE
    assert queries <= QUERIES_PER_BATCH * result.batches + QUERIES_FIXED

    # The same with 1,000 due among the 90,000 still running.
    SlaTimer.objects.filter(pk__in=ids[DUE : DUE + SECOND_DUE]).update(
        due_at=now - timedelta(minutes=1), next_check_at=now - timedelta(minutes=1)
    )
    small, small_queries, _seconds = measure(f"sla_sweep_{SECOND_DUE}_due", now)
    print(f"BENCH sla_sweep_{SECOND_DUE}_due_queries: {small_queries}")
    print(f"BENCH sla_sweep_{SECOND_DUE}_due_batches: {small.batches}")
    assert small.breached == SECOND_DUE
    assert small.batches == SECOND_DUE // BATCH_SIZE
    assert small_queries <= QUERIES_PER_BATCH * small.batches + QUERIES_FIXED
    # ten times the due timers, ten times the batches: the queries differ by batches only
    per_batch = (queries - small_queries) / (result.batches - small.batches)
    assert per_batch <= QUERIES_PER_BATCH
    assert queries - per_batch * result.batches == small_queries - per_batch * small.batches
    assert seconds < MAX_SECONDS
