"""Fault-injection helpers for the delivery tests (docs/architecture.md §email,
§celery.outage, §hosts): a Redis server of the test's own that can be stopped and
started again, real Celery worker processes that can be killed, an SMTP receiver on
loopback (aiosmtpd) that counts every arrival by Message-ID, and a stand-in for beat
that keeps sending the delivery task whatever the broker's state.

Ports: ``FAULT_TEST_PORTS=8180-8189`` keeps the servers to a range (a shared machine);
without it a free port is taken.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest

CI = os.environ.get("CI", "").lower() == "true"
WORKER_ARGS = (
    "-m celery -A servicedesk worker -c 1 -P solo --loglevel=INFO"
    " --without-gossip --without-mingle --without-heartbeat"
)
_taken: set[int] = set()


def missing(reason: str) -> str:
    """Why the test cannot run here; under CI=true the test fails instead of skipping."""
    return "" if CI else reason


def services_missing(*, netns: bool = False) -> str:
    from django.conf import settings

    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        return missing("this test needs PostgreSQL (set DATABASE_URL)")
    if not shutil.which("redis-server"):
        return missing("this test needs the redis-server program")
    if netns and not netns_available():
        return missing("this test needs network namespaces (ip netns, as root)")
    return ""


def netns_available() -> bool:
    if not shutil.which("ip") or os.geteuid() != 0:
        return False
    name = f"sdprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True)
    if made.returncode:
        return False
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return True


def free_port(host: str = "127.0.0.1") -> int:
    span = os.environ.get("FAULT_TEST_PORTS", "")
    candidates: list[int] = []
    if span:
        low, high = (int(p) for p in span.split("-"))
        if all(p in _taken for p in range(low, high + 1)):
            _taken.clear()  # the servers of earlier tests are gone: their ports are free
        candidates = [p for p in range(low, high + 1) if p not in _taken]
    for port in candidates or [0]:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                continue
            port = sock.getsockname()[1]
            _taken.add(port)
            return port
    raise RuntimeError(f"no free port in {span}")


def wait_until(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} within {timeout} s")
        time.sleep(0.1)


def database_url(host: str | None = None, port: int | None = None) -> str:
    from django.db import connection

    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = host or db["HOST"] or "127.0.0.1"
    port = port or db.get("PORT")
    at = f":{port}" if port else ""
    return f"postgres://{auth}@{host}{at}/{quote(db['NAME'], safe='')}"


class RedisServer:
    """``redis-server`` on its own port, without persistence (a restart loses the queue,
    the harder case: the delivery rows, not the messages, are what counts)."""

    def __init__(self, workdir: Path, bind: str = "127.0.0.1") -> None:
        self.bind = bind
        self.port = free_port(bind)
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://{self.bind}:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        log = (self.workdir / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", self.bind),
                *("--save", "", "--appendonly", "no", "--protected-mode", "no"),
                *("--dir", str(self.workdir)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self.answers, 10, "redis-server did not start")

    def answers(self) -> bool:
        try:
            with socket.create_connection((self.bind, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Gone at once, like a crash (SIGKILL)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class Worker:
    """One ``celery worker -c 1 -P solo`` subprocess (optionally inside a network
    namespace) logging to a file."""

    def __init__(
        self,
        name: str,
        log: Path,
        env: dict[str, str],
        netns: str = "",
        args: str = WORKER_ARGS,
    ) -> None:
        """``args``: the worker by default; a beat or a gunicorn command line instead."""
        from django.conf import settings

        self.name = name
        self.log = log
        full_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "EMAIL_", "CELERY_", "REDIS_"))
        }
        full_env.update(
            DJANGO_SETTINGS_MODULE="servicedesk.settings.local",
            CELERY_TASK_ALWAYS_EAGER="false",
            DEBUG="false",
            LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
            **env,
        )
        prefix = ["ip", "netns", "exec", netns] if netns else []
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            [*prefix, sys.executable, *args.split()]
            + (["-n", f"{name}@%h"] if args == WORKER_ARGS else []),
            cwd=settings.BASE_DIR,
            env=full_env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        wait_until(
            lambda: " ready." in self.text() or self.process.poll() is not None,
            timeout,
            f"{self.name} did not start",
        )
        assert self.process.poll() is None, f"{self.name} exited:\n{self.text()[-3000:]}"

    def succeeded(self, task: str, after: int = 0) -> int:
        """How many ``task`` runs this worker finished (from byte ``after`` of its log)."""
        return _count_succeeded(self.text()[after:], task)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()
        self._out.close()


def running(worker: Worker, task: str) -> bool:
    """The worker (solo pool) has started ``task`` and not finished it."""
    text = worker.text()
    started = len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] received", text))
    ended = len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] (succeeded|raised|failed)", text))
    return started > ended


def _count_succeeded(text: str, task: str) -> int:
    return sum(
        1 for line in text.splitlines() if f"Task {task}[" in line and " succeeded in " in line
    )


class MailCounter:
    """An SMTP server (aiosmtpd) counting every message it accepts by its Message-ID.
    ``delay_s`` slows each DATA a little, so a burst lasts long enough to be hit."""

    def __init__(self, host: str = "127.0.0.1", delay_s: float = 0.0) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)

        self.arrivals: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.delay_s = delay_s
        owner = self

        class Handler:
            async def handle_DATA(self, server, session, envelope) -> str:
                import asyncio

                if owner.delay_s:
                    await asyncio.sleep(owner.delay_s)
                message_id = message_from_bytes(envelope.content)["Message-ID"] or ""
                with owner.lock:
                    owner.arrivals[message_id.strip()] += 1
                return "250 OK"

        self.port = free_port(host)
        self.host = host
        self.controller = Controller(Handler(), hostname=host, port=self.port)

    def start(self) -> MailCounter:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def distinct(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def total(self) -> int:
        with self.lock:
            return sum(self.arrivals.values())

    def duplicates(self) -> dict[str, int]:
        with self.lock:
            return {mid: n for mid, n in self.arrivals.items() if n > 1}


class Ticker:
    """Beat's stand-in: sends ``task`` every ``every_s`` seconds to ``broker`` until
    stopped; a send that fails while the broker is down is just tried at the next tick."""

    def __init__(self, broker: str, task: str, every_s: float = 0.5) -> None:
        self.broker, self.task, self.every_s = broker, task, every_s
        self.sent = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def _run(self) -> None:
        from celery import Celery

        sender = Celery("fault-ticker", broker=self.broker)
        sender.conf.broker_connection_retry = False
        sender.conf.broker_connection_max_retries = 0
        sender.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 2}
        while not self._stop.wait(self.every_s):
            try:
                from kombu import Connection

                with Connection(
                    self.broker, transport_options={"socket_connect_timeout": 1}
                ) as conn:
                    sender.send_task(self.task, connection=conn, retry=False)
                self.sent += 1
            except Exception:
                self.failed += 1
        sender.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
