"""Every notification e-mail exactly once, on real workers (docs/architecture.md §email),
and workers that consume again after a broker outage (§celery.outage).

Two ``celery worker`` processes on a Redis server of the test's own deliver a burst of
e-mails to an SMTP receiver on loopback that counts each arrival by Message-ID; one
worker is killed with SIGKILL mid-burst (and replaced, as systemd would), then Redis is
killed and started again mid-burst. Every e-mail arrives, each with its own Message-ID,
and at most the one message the killed worker was handing over when it died arrives a
second time — with the same Message-ID, which the receiver's duplicate check drops.
After Redis is back, both living workers consume again.

The heavy variant (17,000 e-mails, a 45 s outage) is tests/bench/test_bench_email_faults.py.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from servicedesk.core.choices import EmailState
from servicedesk.core.models import Notification
from servicedesk.core.services.notifications import email_message_id
from tests.faults import (
    MailCounter,
    RedisServer,
    Ticker,
    Worker,
    database_url,
    running,
    services_missing,
    wait_until,
)

_MISSING = services_missing()
pytestmark = [
    pytest.mark.skipif(bool(_MISSING), reason=_MISSING),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TASK = "core.deliver_notifications"


def make_pending_emails(count: int, users: int = 50) -> list[Notification]:
    people = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"mail-{i}", email=f"mail-{i}@example.com")
            for i in range(users)
        ]
    )
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=people[i % users],
                kind="sla_breach",
                title=f"超时 {i}",
                body="处理时限已过",
                url=f"/tickets/{i}/",
                email_state=EmailState.PENDING,
                routed_at=timezone.now(),  # no channels in this test
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    return list(Notification.objects.filter(pk__in=[r.pk for r in rows]))


def worker_env(redis: RedisServer, mail: MailCounter, db_url: str | None = None) -> dict:
    return {
        "DATABASE_URL": db_url or database_url(),
        "CELERY_BROKER_URL": redis.url,
        "EMAIL_URL": mail.url,
        "EMAIL_TIMEOUT": "3",
        "EMAIL_DELIVERY_BATCH": "5",
        # Short, so the rows a killed worker claimed come back within the test.
        "EMAIL_DELIVERY_LEASE": "5",
        "EMAIL_DELIVERY_BUDGET": "3",
        # The test computes the Message-IDs it expects with its own settings.
        "SITE_URL": django_settings.SITE_URL,
        "SECRET_KEY": django_settings.SECRET_KEY,
    }


def run_burst(tmp_path, *, messages: int, delay_s: float, outage_s: float, wait_s: float):
    """The scenario; returns the figures (and asserts on the way)."""
    rows = make_pending_emails(messages)
    expected = {email_message_id(r) for r in rows}
    redis = RedisServer(tmp_path)
    redis.start()
    mail = MailCounter(delay_s=delay_s).start()
    env = worker_env(redis, mail)
    workers = [Worker(n, tmp_path / f"{n}.log", env) for n in ("w1", "w2")]
    ticker = Ticker(redis.url, TASK)
    print(f"\nlogs in {tmp_path}")
    began = time.monotonic()
    try:
        for worker in workers:
            worker.wait_ready()
        ticker.start()
        wait_until(lambda: mail.distinct() >= messages // 4, wait_s, "the burst did not start")
        # The victim is a worker in the middle of a delivery run.
        wait_until(lambda: any(running(w, TASK) for w in workers), wait_s, "no delivery runs")
        victim = next(w for w in workers if running(w, TASK))
        victim.kill()
        killed_at = mail.distinct()
        replacement = Worker("w3", tmp_path / "w3.log", env)  # as systemd restarts it
        workers.append(replacement)
        wait_until(lambda: mail.distinct() >= messages // 2, wait_s, "the burst stalled")
        redis.stop()
        redis_down_at = mail.distinct()
        time.sleep(outage_s)
        redis.start()
        living = [w for w in workers if w.process.poll() is None]
        replacement.wait_ready()
        offsets = {w.name: len(w.text()) for w in living}
        wait_until(
            lambda: not Notification.objects.exclude(email_state=EmailState.SENT).exists(),
            wait_s,
            "e-mails still unsent",
        )
        wait_until(lambda: mail.distinct() >= messages, 10, "sent e-mails did not arrive")
        # docs/architecture.md §celery.outage: every living worker consumes again.
        wait_until(
            lambda: all(w.succeeded(TASK, offsets[w.name]) for w in living),
            30,
            "a worker did not consume after Redis came back: "
            + str({w.name: w.succeeded(TASK, offsets[w.name]) for w in living}),
        )
        elapsed = time.monotonic() - began
    finally:
        ticker.stop()
        for worker in workers:
            worker.stop()
        mail.stop()
        redis.stop()

    duplicates = mail.duplicates()
    extra = sum(n - 1 for n in duplicates.values())
    figures = {
        "messages": messages,
        "arrived": mail.total(),
        "distinct": mail.distinct(),
        "duplicate_arrivals": extra,
        "killed_at": killed_at,
        "redis_down_at": redis_down_at,
        "seconds": round(elapsed, 1),
        "per_worker": {w.name: w.succeeded(TASK) for w in workers},
    }
    print(figures)
    assert set(mail.arrivals) == expected, "lost or unknown e-mails"
    assert Notification.objects.filter(email_state=EmailState.SENT).count() == messages
    # At most the one message the killed worker was handing over, and only a row that
    # was attempted twice (its first attempt is what the receiver already has).
    assert extra <= 1, duplicates
    again = set(Notification.objects.filter(email_attempts__gte=2).values_list("pk", flat=True))
    assert {int(mid.split(".")[1]) for mid in duplicates} <= again
    return figures


def test_every_email_once_through_a_worker_kill_and_a_redis_restart(tmp_path):
    run_burst(
        tmp_path,
        messages=int(os.environ.get("EMAIL_FAULT_MESSAGES", 300)),
        delay_s=0.02,
        outage_s=float(os.environ.get("EMAIL_FAULT_OUTAGE_S", 4)),
        wait_s=120,
    )


def test_delivering_never_locks_the_recipient_or_the_notification(settings):
    """While the mail server takes its time, the recipient can log in (his row is not
    locked) and read the notification being sent (its row is not locked either)."""
    settings.EMAIL_CONFIGURED = True
    mail = MailCounter(delay_s=1.5).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = mail.host, mail.port
    (row,) = make_pending_emails(1, users=1)
    user = row.recipient
    from servicedesk.core.services.notifications import emails_deliver

    results = []
    sender = threading.Thread(target=lambda: results.append(emails_deliver()))
    try:
        sender.start()
        wait_until(
            lambda: Notification.objects.filter(email_state=EmailState.SENDING).exists(),
            10,
            "the e-mail was not being sent",
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
            try:
                with transaction.atomic():
                    list(get_user_model().objects.select_for_update(nowait=True).filter(pk=user.pk))
                    list(Notification.objects.select_for_update(nowait=True).filter(pk=row.pk))
            finally:
                cursor.execute("SET lock_timeout = 0")
        assert mail.total() == 0, "the send had already finished: no overlap was tested"
        sender.join(timeout=20)
    finally:
        mail.stop()
    assert results[0].sent == 1
    assert Notification.objects.get(pk=row.pk).email_state == EmailState.SENT
