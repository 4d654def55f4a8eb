"""The sweep on real workers (docs/architecture.md §timers.sweep): two workers sweeping the same
10,000 due timers at once process each exactly once, and a worker killed in the middle of
a sweep loses nothing.

The workers are real subprocesses (``celery worker -P solo``) on Redis, using the local
settings against pytest's test database, so the test data must be committed
(``transaction=True``).
"""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from servicedesk.core.calendars import default_calendar
from servicedesk.core.choices import TimerState, TimeUnit
from servicedesk.core.models import Escalation, Notification, SlaTimer, StaffProfile

TIMERS = 10_000
NOTIFY = ["assignee", "assignee_manager", "region_lead"]
WAIT_SECONDS = 120
# Every broker key of this test run (REDIS_KEY_PREFIX → kombu's global_keyprefix).
KEY_PREFIX = f"sweep-test-{os.getpid()}-{time.time_ns()}:"
WORKER_ARGS = (
    "-m celery -A servicedesk worker -c 1 -P solo --loglevel=INFO"
    " --without-gossip --without-mingle --without-heartbeat"
)


def broker_url() -> str:
    """REDIS_URL (or CELERY_BROKER_URL) as configured: the test never flushes it, every key
    it writes carries its own prefix (KEY_PREFIX) and only those keys are deleted."""
    return os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")


def services_missing() -> str:
    """Why these tests cannot run here ("" when they can).

    The conftest's markers skip too, but only after the transactional database was set
    up, and its teardown would then flush every table for nothing.
    """
    if os.environ.get("CI", "").lower() == "true":
        return ""  # the conftest fails the tests instead
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return "this test needs PostgreSQL (set DATABASE_URL)"
    if not broker_url().startswith("redis://"):
        return "this test needs Redis (set REDIS_URL or CELERY_BROKER_URL)"
    try:
        import redis

        redis.Redis.from_url(broker_url(), socket_connect_timeout=1).ping()
    except Exception:
        return "this test needs Redis (set REDIS_URL or CELERY_BROKER_URL)"
    return ""


_MISSING = services_missing()
pytestmark = [
    pytest.mark.skipif(bool(_MISSING), reason=_MISSING),
    pytest.mark.postgres,
    pytest.mark.redis,
    # The rows the data migrations made are gone after the first flush: the fixtures
    # below create what they need (like every transactional test here).
    pytest.mark.django_db(transaction=True),
]


def delete_own_keys(url: str) -> None:
    """Remove the keys this test wrote (and nothing else: the db may be someone's broker)."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{KEY_PREFIX}*", count=1000):
        client.delete(key)
    client.close()


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """One ``celery worker -c 1 -P solo`` subprocess logging to a file."""

    def __init__(self, name: str, log: Path, broker: str) -> None:
        self.name = name
        self.log = log
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "EMAIL_URL"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="servicedesk.settings.local",
            DATABASE_URL=database_url(),
            CELERY_BROKER_URL=broker,
            REDIS_KEY_PREFIX=KEY_PREFIX,
            CELERY_TASK_ALWAYS_EAGER="false",
            DEBUG="false",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, *WORKER_ARGS.split(), "-n", f"{name}@%h"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        wait_until(
            lambda: " ready." in self.text() or self.process.poll() is not None,
            timeout,
            f"{self.name} did not start",
        )
        assert self.process.poll() is None, f"{self.name} exited:\n{self.text()[-3000:]}"

    def sweep_results(self) -> list[dict]:
        pattern = re.compile(r"Task core\.sla_sweep\[[^\]]+\] succeeded in [\d.e-]+s: (\{.*\})")
        return [ast.literal_eval(m.group(1)) for m in pattern.finditer(self.text())]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._out.close()

    def stop(self) -> None:
        stop_all([self])


def stop_all(workers: list[Worker]) -> None:
    """Warm shutdown, but without waiting for a long notification delivery to finish."""
    running = [w for w in workers if w.process.poll() is None]
    for worker in running:
        worker.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    for worker in running:
        try:
            worker.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(timeout=10)
    for worker in workers:
        worker._out.close()


class Stopwatch:
    def __init__(self) -> None:
        self.began = time.monotonic()
        print()

    def __call__(self, what: str) -> float:
        elapsed = time.monotonic() - self.began
        print(f"[{elapsed:6.1f} s] {what}")
        return elapsed


def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} within {timeout} s")
        time.sleep(0.1)


def send_sweeps(broker: str, count: int, batch_size: int) -> None:
    """Send to ``broker`` itself: Celery lets a CELERY_BROKER_URL in the environment (CI
    sets one) override an app's ``broker=``, so the connection is given explicitly."""
    from celery import Celery
    from kombu import Connection

    sender = Celery("sla-sweep-test", broker=broker)
    try:
        with Connection(broker, transport_options={"global_keyprefix": KEY_PREFIX}) as connection:
            for _ in range(count):
                sender.send_task(
                    "core.sla_sweep", kwargs={"batch_size": batch_size}, connection=connection
                )
    finally:
        sender.close()


def due_running_timers() -> int:
    return SlaTimer.objects.filter(
        state=TimerState.RUNNING, next_check_at__lte=timezone.now()
    ).count()


@pytest.fixture
def broker():
    url = broker_url()
    delete_own_keys(url)
    yield url
    delete_own_keys(url)


@pytest.fixture
def due_timers() -> dict:
    """10,000 running timers whose warning and due instants have both passed."""
    users = get_user_model().objects
    managers = [users.create_user(f"sweep-mgr{i}", email=f"mgr{i}@example.com") for i in range(2)]
    assignees = []
    for i in range(4):
        user = users.create_user(f"sweep-eng{i}", email=f"eng{i}@example.com" if i else "")
        StaffProfile.objects.create(user=user, manager=managers[i % 2])
        assignees.append(user)
    region_lead, _created = Group.objects.get_or_create(name="region_lead")
    for i in range(2):
        users.create_user(f"sweep-lead{i}").groups.add(region_lead)
    users.create_user("sweep-lead-gone", is_active=False).groups.add(region_lead)
    subjects = [Group.objects.create(name=f"sweep-subject-{i}") for i in range(10)]
    subject_type = ContentType.objects.get_for_model(Group)
    calendar = default_calendar()
    now = timezone.now()
    SlaTimer.objects.bulk_create(
        [
            SlaTimer(
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
                started_at=now - timedelta(minutes=120, seconds=i),
                due_at=now - timedelta(minutes=60, seconds=i),
                warn_at=now - timedelta(minutes=72, seconds=i),
                next_check_at=now - timedelta(minutes=72, seconds=i),
            )
            for i in range(TIMERS)
        ],
        batch_size=2000,
    )
    leads = region_lead.user_set.filter(is_active=True).count()
    # assignee + their manager + every active region lead, all different people
    return {"recipients_per_timer": 2 + leads}


def assert_each_timer_breached_exactly_once(recipients_per_timer: int) -> None:
    assert SlaTimer.objects.count() == TIMERS
    breached = SlaTimer.objects.filter(state=TimerState.BREACHED)
    assert breached.count() == TIMERS
    assert breached.filter(breached_at=F("due_at"), next_check_at__isnull=True).count() == TIMERS
    assert not SlaTimer.objects.filter(warned_at__isnull=False).exists()

    assert Escalation.objects.count() == TIMERS
    assert Escalation.objects.filter(kind=Escalation.Kind.BREACH).count() == TIMERS
    assert Escalation.objects.values("timer").distinct().count() == TIMERS
    assert not (
        Escalation.objects.values("timer", "kind").annotate(n=Count("id")).filter(n__gt=1).exists()
    )

    assert Notification.objects.count() == recipients_per_timer * TIMERS
    assert Notification.objects.filter(kind="sla_breach").count() == recipients_per_timer * TIMERS
    assert not (
        Notification.objects.values("recipient", "dedupe_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    assert Notification.objects.values("dedupe_key").distinct().count() == TIMERS

    history = SlaTimer.history.model.objects
    sweeps = history.filter(history_change_reason="sla sweep")
    assert sweeps.count() == TIMERS
    assert sweeps.filter(state=TimerState.BREACHED).count() == TIMERS
    assert not sweeps.values("id").annotate(n=Count("history_id")).filter(n__gt=1).exists()
    assert history.count() == TIMERS  # the timers were bulk-created: no other history


def test_two_workers_sweep_10000_due_timers_exactly_once(due_timers, broker, tmp_path):
    assert due_running_timers() == TIMERS
    clock = Stopwatch()
    print(f"worker logs in {tmp_path}")
    workers = [Worker(name, tmp_path / f"{name}.log", broker) for name in ("w1", "w2")]
    try:
        for worker in workers:
            worker.wait_ready()
        started = clock("both workers ready")
        # Small batches and several messages: both workers sweep at the same time.
        send_sweeps(broker, count=6, batch_size=50)
        wait_until(lambda: due_running_timers() == 0, WAIT_SECONDS, "due timers remain")
        swept = clock("no due timer left") - started

        def breached_in_logs() -> int:
            return sum(r["breached"] for w in workers for r in w.sweep_results())

        wait_until(lambda: breached_in_logs() >= TIMERS, 30, "sweep results not logged")
    finally:
        stop_all(workers)
    clock("workers stopped")

    per_worker = {w.name: sum(r["breached"] for r in w.sweep_results()) for w in workers}
    print(f"two workers swept {TIMERS} due timers in {swept:.1f} s: {per_worker}")
    assert sum(per_worker.values()) == TIMERS
    assert all(n > 0 for n in per_worker.values()), (
        f"one worker did all the work, no concurrency: {per_worker}"
    )
    assert all(r["warned"] == 0 for w in workers for r in w.sweep_results())
    assert_each_timer_breached_exactly_once(due_timers["recipients_per_timer"])
    clock("checked")


def test_a_worker_killed_mid_sweep_loses_nothing(due_timers, broker, tmp_path):
    clock = Stopwatch()
    print(f"worker logs in {tmp_path}")
    first = Worker("w1", tmp_path / "w1.log", broker)
    try:
        first.wait_ready()
        clock("first worker ready")
        send_sweeps(broker, count=1, batch_size=20)
        wait_until(
            lambda: SlaTimer.objects.filter(state=TimerState.BREACHED).count() >= 1000,
            WAIT_SECONDS,
            "the first worker did not start sweeping",
        )
        first.kill()
    finally:
        first.stop()
    # What was committed before the kill is consistent; the batch in flight rolled back.
    done = SlaTimer.objects.filter(state=TimerState.BREACHED).count()
    clock(f"first worker killed after {done} of {TIMERS} breaches")
    assert done < TIMERS, "the sweep finished before the kill: use smaller batches"
    assert Escalation.objects.count() == done
    assert SlaTimer.history.model.objects.filter(history_change_reason="sla sweep").count() == done
    assert Notification.objects.count() == done * due_timers["recipients_per_timer"]

    second = Worker("w2", tmp_path / "w2.log", broker)
    try:
        second.wait_ready()
        clock("second worker ready")
        deadline = time.monotonic() + WAIT_SECONDS
        # Like beat: send the sweep again until nothing due remains (a row still locked
        # by the killed worker's session would be skipped once, never lost).
        while due_running_timers():
            if time.monotonic() > deadline:
                pytest.fail(f"due timers remain after {WAIT_SECONDS} s")
            runs = len(second.sweep_results())
            send_sweeps(broker, count=1, batch_size=1000)
            wait_until(
                lambda runs=runs: len(second.sweep_results()) > runs,
                WAIT_SECONDS,
                "the restarted worker did not sweep",
            )
        clock(f"no due timer left after {len(second.sweep_results())} sweep(s)")
    finally:
        second.stop()
    clock("second worker stopped")
    assert sum(r["breached"] for r in second.sweep_results()) == TIMERS - done
    assert_each_timer_breached_exactly_once(due_timers["recipients_per_timer"])
    clock("checked")
