"""Several hosts (docs/architecture.md §hosts): web, two workers and beat each in a
network namespace of their own, joined by a bridge; PostgreSQL, Redis and the mail
server are reached at the bridge's address. A worker host is cut off (its link down)
while it sweeps deadlines, comes back, then the other worker host is cut off while it
delivers e-mails: every deadline is breached exactly once and every e-mail arrives
(at most the one message in flight at a cut arrives twice, with its Message-ID).

Needs root and ``ip netns``: skipped without them, a failure under CI=true.
PostgreSQL listens on loopback only, so the test forwards one port of the bridge to it
(``PgForward``); the forwarder probes each namespace-side connection like PostgreSQL's
own TCP keepalives do, so a vanished host's session ends within seconds.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import subprocess
import threading
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from servicedesk.core.calendars import default_calendar
from servicedesk.core.choices import EmailState, TimerState, TimeUnit
from servicedesk.core.models import Escalation, Notification, SlaTimer, StaffProfile
from servicedesk.core.services.notifications import email_message_id
from tests.faults import (
    MailCounter,
    RedisServer,
    Worker,
    database_url,
    free_port,
    running,
    services_missing,
    wait_until,
)

_MISSING = services_missing(netns=True)
pytestmark = [
    pytest.mark.skipif(bool(_MISSING), reason=_MISSING),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TIMERS = int(os.environ.get("HOSTS_TEST_TIMERS", 150))
BACKLOG = int(os.environ.get("HOSTS_TEST_BACKLOG", 150))  # e-mails pending from before
WAIT_S = 150


def ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True)


class Network:
    """A bridge with an address in the root namespace and one namespace per host,
    each on a veth pair with a private address."""

    def __init__(self) -> None:
        tag = os.getpid() % 10000
        self.tag = tag
        self.subnet = f"10.{200 + tag % 50}.{tag % 250}"
        self.gateway = f"{self.subnet}.1"
        self.bridge = f"sdbr{tag}"
        self.hosts: dict[str, tuple[str, str, str]] = {}  # name -> (netns, veth, address)

    def up(self) -> Network:
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        return self

    def add(self, name: str) -> str:
        index = len(self.hosts) + 1
        netns, veth, peer = (
            f"sd{self.tag}{name}",
            f"sdv{self.tag}x{index}",
            f"sdp{self.tag}x{index}",
        )
        address = f"{self.subnet}.{10 + index}"
        ip("netns", "add", netns)
        ip("link", "add", veth, "type", "veth", "peer", "name", peer)
        ip("link", "set", peer, "netns", netns)
        ip("link", "set", veth, "master", self.bridge)
        ip("link", "set", veth, "up")
        ip("-n", netns, "addr", "add", f"{address}/24", "dev", peer)
        ip("-n", netns, "link", "set", peer, "up")
        ip("-n", netns, "link", "set", "lo", "up")
        ip("-n", netns, "route", "add", "default", "via", self.gateway)
        self.hosts[name] = (netns, veth, address)
        return netns

    def cut(self, name: str) -> None:
        ip("link", "set", self.hosts[name][1], "down")

    def heal(self, name: str) -> None:
        ip("link", "set", self.hosts[name][1], "up")

    def down(self) -> None:
        for netns, veth, _address in self.hosts.values():
            ip("link", "del", veth, check=False)
            ip("netns", "del", netns, check=False)
        ip("link", "del", self.bridge, check=False)


class PgForward:
    """``bind:port`` → PostgreSQL on loopback. A namespace-side connection that stops
    answering (its host cut off) is given up after ~4 s of silence (keepalive probes and
    TCP_USER_TIMEOUT), and its PostgreSQL session with it — what PostgreSQL's own
    ``tcp_keepalives_*`` (settings) do for a direct connection, only faster."""

    def __init__(self, bind: str, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port(bind)
        self.server = socket.create_server((bind, self.port), reuse_port=False)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> PgForward:
        self.thread.start()
        return self

    def _accept(self) -> None:
        self.server.settimeout(0.5)
        while not self._stop.is_set():
            try:
                client, _addr = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 2)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 2)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 4000)
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while not self._stop.is_set():
                for key, _mask in sel.select(timeout=0.5):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()

    def stop(self) -> None:
        self._stop.set()
        self.server.close()


@pytest.fixture
def hosts():
    network = Network().up()
    try:
        yield network
    finally:
        network.down()


def make_due_timers_and_backlog() -> int:
    """TIMERS due timers (two recipients with an address each); returns the e-mails
    expected in all, with the BACKLOG that phase 2 adds (``make_backlog``)."""
    users = get_user_model().objects
    manager = users.create_user("hosts-mgr", email="mgr@example.com")
    assignees = []
    for i in range(3):
        user = users.create_user(f"hosts-eng{i}", email=f"eng{i}@example.com")
        StaffProfile.objects.create(user=user, manager=manager)
        assignees.append(user)
    subject = Group.objects.create(name="hosts-subject")
    now = timezone.now()
    SlaTimer.objects.bulk_create(
        [
            SlaTimer(
                subject_type=ContentType.objects.get_for_model(Group),
                subject_id=subject.pk,
                target=f"callback-{i}",
                calendar=default_calendar(),
                amount=Decimal(60),
                unit=TimeUnit.MINUTES,
                warn_percent=80,
                assignee=assignees[i % 3],
                notify=["assignee", "assignee_manager"],
                state=TimerState.RUNNING,
                started_at=now - timedelta(minutes=120, seconds=i),
                due_at=now - timedelta(minutes=60, seconds=i),
                warn_at=now - timedelta(minutes=72, seconds=i),
                next_check_at=now - timedelta(minutes=72, seconds=i),
            )
            for i in range(TIMERS)
        ]
    )
    return BACKLOG + 2 * TIMERS


def make_backlog() -> None:
    """BACKLOG e-mails due at once (phase 2: made after the sweep's e-mails went out, so
    a worker is surely delivering when its host is cut off, however fast this machine)."""
    assignees = list(get_user_model().objects.filter(username__startswith="hosts-eng"))
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=assignees[i % len(assignees)],
                kind="backlog",
                title=f"积压 {i}",
                email_state=EmailState.PENDING,
                routed_at=now,
            )
            for i in range(BACKLOG)
        ]
    )


def test_a_worker_host_cut_off_mid_sweep_and_mid_delivery(hosts, tmp_path):
    emails_expected = make_due_timers_and_backlog()
    gateway = hosts.gateway
    db = connection.settings_dict
    forward = PgForward(gateway, (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).start()
    redis = RedisServer(tmp_path, bind=gateway)
    redis.start()
    mail = MailCounter(host=gateway, delay_s=0.01).start()
    env = {
        "DATABASE_URL": database_url(gateway, forward.port),
        "CELERY_BROKER_URL": redis.url,
        "EMAIL_URL": mail.url,
        "EMAIL_TIMEOUT": "3",
        "EMAIL_DELIVERY_BATCH": "5",
        "EMAIL_DELIVERY_LEASE": "6",
        "EMAIL_DELIVERY_BUDGET": "3",
        "SLA_SWEEP_EVERY": "1",
        "SLA_SWEEP_BATCH": "10",
        "NOTIFICATIONS_DELIVER_EVERY": "1",
        "SITE_URL": django_settings.SITE_URL,  # the Message-IDs the test expects
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "*",
        "HEALTHZ_BEAT_MAX_AGE": "0",
    }
    for name in ("web", "w1", "w2", "beat"):
        hosts.add(name)
    web_port = 8000
    workers = {
        name: Worker(name, tmp_path / f"{name}.log", env, netns=hosts.hosts[name][0])
        for name in ("w1", "w2")
    }
    beat = Worker(
        "beat",
        tmp_path / "beat.log",
        env,
        netns=hosts.hosts["beat"][0],
        args=f"-m celery -A servicedesk beat -l INFO -s {tmp_path / 'celerybeat-schedule'}",
    )
    web = Worker(
        "web",
        tmp_path / "web.log",
        env,
        netns=hosts.hosts["web"][0],
        args=f"-m gunicorn servicedesk.wsgi -w 1 -b {hosts.hosts['web'][2]}:{web_port}",
    )
    procs = [*workers.values(), web]
    print(f"\nlogs in {tmp_path}")
    figures: dict = {}
    try:
        for worker in workers.values():
            worker.wait_ready()

        def healthz() -> dict:
            url = f"http://{hosts.hosts['web'][2]}:{web_port}/healthz"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                return json.loads(exc.read() or b"{}")
            except OSError:
                return {}

        wait_until(lambda: bool(healthz()), 90, "the web host does not answer")
        # Phase 1: cut w1 off while it sweeps.
        wait_until(lambda: running(workers["w1"], "core.sla_sweep"), WAIT_S, "w1 never swept")
        hosts.cut("w1")
        figures["breached_at_cut_1"] = SlaTimer.objects.filter(state=TimerState.BREACHED).count()
        figures["arrived_at_cut_1"] = mail.distinct()
        wait_until(
            lambda: not SlaTimer.objects.filter(state=TimerState.RUNNING).exists(),
            WAIT_S,
            "deadlines left unswept with w1 cut off",
        )
        # Phase 2: cut w2 off while it delivers (w1 still cut off, so w2 is the one
        # delivering and cannot be beaten to the last e-mail), then w1 comes back and
        # delivers the rest.
        wait_until(lambda: mail.distinct() >= 2 * TIMERS, WAIT_S, "the deadlines' e-mails not sent")
        make_backlog()
        wait_until(
            lambda: (
                running(workers["w2"], "core.deliver_notifications")
                and mail.distinct() < emails_expected
            ),
            WAIT_S,
            "w2 never delivered",
        )
        hosts.cut("w2")
        figures["arrived_at_cut_2"] = mail.distinct()
        offset_w1 = len(workers["w1"].text())
        hosts.heal("w1")
        wait_until(
            lambda: (
                not Notification.objects.exclude(
                    email_state__in=[EmailState.SENT, EmailState.SKIPPED]
                ).exists()
            ),
            WAIT_S,
            "e-mails left unsent with w2 cut off",
        )
        wait_until(lambda: mail.distinct() >= emails_expected, 15, "sent e-mails did not arrive")
        figures["w1_runs_after_heal"] = workers["w1"].succeeded(
            "core.deliver_notifications", offset_w1
        )
        figures["healthz"] = healthz().get("status")
    finally:
        for proc in (*procs, beat):
            proc.stop()
        mail.stop()
        redis.stop()
        forward.stop()

    duplicates = mail.duplicates()
    figures.update(
        timers=TIMERS,
        emails=emails_expected,
        arrived=mail.total(),
        distinct=mail.distinct(),
        duplicate_arrivals=sum(n - 1 for n in duplicates.values()),
    )
    print(figures)
    assert figures["w1_runs_after_heal"] > 0, "w1 did not work again after its link came back"
    # Deadlines: each breached exactly once.
    assert SlaTimer.objects.filter(state=TimerState.BREACHED).count() == TIMERS
    assert Escalation.objects.filter(kind=Escalation.Kind.BREACH).count() == TIMERS
    assert not (
        Escalation.objects.values("timer", "kind").annotate(n=Count("id")).filter(n__gt=1).exists()
    )
    assert Notification.objects.filter(kind="sla_breach").count() == 2 * TIMERS
    # E-mails: every one arrived; a second arrival only for a message in flight at a cut.
    expected = {email_message_id(r) for r in Notification.objects.all()}
    assert len(expected) == emails_expected
    assert set(mail.arrivals) == expected
    assert figures["duplicate_arrivals"] <= 2, duplicates
