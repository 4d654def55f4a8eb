"""Delivery latency from notification to webhook receipt under a burst (issue 17), on
PostgreSQL: 1,000 notifications written in one transaction, two worker threads routing and
delivering them to a loopback WeCom-format robot (docs/architecture.md §channels):

    BENCH channels_burst_median_ms: X
    BENCH channels_burst_p95_ms: Y
    BENCH channels_burst_total_s: Z
"""

from __future__ import annotations

import statistics
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from servicedesk.core.models import ChannelDelivery, DeliveryState, Notification
from servicedesk.core.services.channels import (
    channel_deliveries_run,
    channel_save,
    channels_route,
)
from servicedesk.core.services.notifications import notifications_create
from tests.core.receivers import RobotReceiver

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db(transaction=True)]

BURST = 1_000


def test_burst_latency(make_user, monkeypatch, settings):
    settings.CHANNEL_ROBOT_PER_MINUTE = 0  # the delivery machinery itself, not the robots' limit
    monkeypatch.setattr("servicedesk.core.services.notifications._kick_delivery", lambda: None)
    robots = RobotReceiver().start()
    receipts: dict[str, float] = {}
    handle = robots.handle

    def stamped(path, headers, raw):
        answer = handle(path, headers, raw)
        title = robots.received[-1].body["markdown"]["content"].split("\n")[0].strip("*")
        receipts[title] = time.time()
        return answer

    robots.handle = stamped  # type: ignore[method-assign]
    try:
        users = [make_user() for _ in range(10)]
        for user in users:
            channel_save(
                by=None,
                name=f"机器人 {user.pk}",
                kind="wecom",
                address=f"{robots.base}/wecom?key=robot-key",
                user=user,
                quiet_hours=False,
            )
        from django.db import transaction

        with transaction.atomic():  # the burst: one change notifying 1,000 times
            for i in range(BURST):
                notifications_create(
                    recipients=[users[i % 10]], kind="sla_breach", title=f"超时提醒 {i:04d}"
                )
        written = {n.title: n.created_at.timestamp() for n in Notification.objects.all()}
        started = time.time()

        def worker() -> None:
            try:
                while len(receipts) < BURST and time.time() - started < 300:
                    channels_route(batch=200)
                    if not channel_deliveries_run(batch=20).claimed:
                        time.sleep(0.05)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        total = time.time() - started
        assert len(receipts) == BURST
        assert ChannelDelivery.objects.filter(state=DeliveryState.SENT).count() == BURST
        latencies = sorted((receipts[t] - written[t]) * 1000 for t in written)
        median = statistics.median(latencies)
        p95 = latencies[int(0.95 * len(latencies)) - 1]
        print(f"\nBENCH channels_burst_median_ms: {median:.0f}")
        print(f"BENCH channels_burst_p95_ms: {p95:.0f}")
        print(f"BENCH channels_burst_total_s: {total:.1f}")
        print(f"BENCH channels_burst_per_s: {BURST / total:.0f}")
        assert timezone.now()  # the clock was the real one
    finally:
        robots.stop()
