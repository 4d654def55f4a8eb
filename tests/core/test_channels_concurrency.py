"""Exactly once per channel with two workers (docs/architecture.md §channels): two
threads, each its own database connection, run the delivery loop at the same moments over
the same 300 messages while the robot refuses every message twice before taking it. Each
message is taken exactly once and asked for exactly three times (no attempt is doubled).
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connections

from servicedesk.core.models import ChannelDelivery, DeliveryState
from servicedesk.core.services.channels import (
    channel_deliveries_run,
    channel_save,
    channels_route,
)
from servicedesk.core.services.notifications import notifications_create

from .receivers import RobotReceiver

MESSAGES = 300
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _no_kick(monkeypatch):
    """The on-commit kick would deliver at the real clock's time; the tests pass theirs."""
    monkeypatch.setattr("servicedesk.core.services.notifications._kick_delivery", lambda: None)


pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_deliver_each_message_exactly_once(make_user, settings):
    settings.CHANNEL_ROBOT_PER_MINUTE = 0  # the robots' own rate limit is tested apart
    robots = RobotReceiver(secrets={"dingtalk": "SECd"}, fail_first=2, delay_s=0.002).start()
    try:
        user = make_user()
        channel_save(
            by=None,
            name="钉钉",
            kind="dingtalk",
            address=f"{robots.base}/dingtalk?access_token=t",
            secret="SECd",
            user=user,
        )
        for i in range(MESSAGES):
            notifications_create(recipients=[user], kind="sla_breach", title=f"消息 {i:04d}")
        claimed = {0: 0, 1: 0}
        now = MONDAY_10

        def worker(index: int, barrier: threading.Barrier, moment: dt.datetime) -> None:
            try:
                barrier.wait()
                channels_route(now=moment)
                claimed[index] += channel_deliveries_run(now=moment, batch=10).claimed
            finally:
                connections.close_all()

        for _step in range(4):  # back-off of 1 and 2 minutes, then nothing left
            barrier = threading.Barrier(2)
            threads = [threading.Thread(target=worker, args=(i, barrier, now)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            now += dt.timedelta(minutes=3)

        accepted = [r.body["markdown"]["title"] for r in robots.accepted()]
        assert len(accepted) == MESSAGES
        assert len(set(accepted)) == MESSAGES  # exactly once each
        assert len(robots.received) == 3 * MESSAGES  # two refusals + one success each
        assert all(n == 3 for n in robots.tries.values())
        states = set(ChannelDelivery.objects.values_list("state", "attempts"))
        assert states == {(DeliveryState.SENT, 3)}
        # Both workers did part of the work.
        assert claimed[0] > 0 and claimed[1] > 0
        assert claimed[0] + claimed[1] == 3 * MESSAGES
        print(f"FIGURE two workers: claims {claimed[0]} + {claimed[1]}, 3×{MESSAGES} requests")
    finally:
        robots.stop()
