"""Process supervision: ``serve_all`` (make run) stops its children when the terminal
hangs up and exits non-zero when the port is taken or a child fails; a second Celery beat
refuses to start."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import free_port


def marked_processes(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (serve_all and all it started)."""
    needle = f"SERVE_ALL_TEST={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_until(condition, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} within {timeout} s")
        time.sleep(0.2)


@pytest.fixture
def serve_all(tmp_path):
    marker = uuid.uuid4().hex
    started: list[subprocess.Popen] = []

    def start(port: int) -> subprocess.Popen:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "DJANGO_", "CELERY_", "REDIS_"))
            and key != "DATABASE_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="servicedesk.settings.local",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            CELERY_BROKER_URL="memory://",
            BEAT_LOCK_FILE=str(tmp_path / "celerybeat.lock"),
            SERVE_ALL_TEST=marker,
            PYTHONUNBUFFERED="1",
        )
        proc = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "serve_all",
                "--addr",
                f"127.0.0.1:{port}",
                "--concurrency",
                "1",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(proc)
        return proc

    start.marker = marker
    yield start
    for pid in marked_processes(marker):
        os.kill(pid, signal.SIGKILL)
    for proc in started:
        proc.wait(timeout=10)


def test_serve_all_exits_non_zero_when_the_port_is_taken(serve_all):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = serve_all(port)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert f"127.0.0.1:{port}" in output
    assert marked_processes(serve_all.marker) == []


def test_serve_all_exits_non_zero_and_stops_the_others_when_a_child_fails(serve_all, tmp_path):
    """Beat fails here (another beat holds the lock): web and worker must stop too."""
    with (tmp_path / "celerybeat.lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = serve_all(free_port())
        output, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0, output
    assert "beat" in output
    assert marked_processes(serve_all.marker) == []


def test_serve_all_stops_its_children_when_the_terminal_hangs_up(serve_all):
    port = free_port()
    proc = serve_all(port)

    def web_answers() -> bool:
        assert proc.poll() is None, proc.stdout.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    wait_until(web_answers, 90, "runserver did not answer")
    # serve_all, runserver, the worker (and its pool process) and beat
    wait_until(lambda: len(marked_processes(serve_all.marker)) >= 4, 60, "children missing")
    proc.send_signal(signal.SIGHUP)
    proc.wait(timeout=60)
    wait_until(lambda: marked_processes(serve_all.marker) == [], 30, "children still running")


def beat(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "servicedesk",
            "beat",
            "-l",
            "INFO",
            "-s",
            str(log.with_suffix(".schedule")),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def test_a_second_celery_beat_refuses_to_start(tmp_path):
    """Two real beat processes (SQLite: the lock file). The PostgreSQL advisory lock is
    exercised by tests/core/test_operations.py on PostgreSQL and by make deploy-check."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="servicedesk.settings.local",
        CELERY_BROKER_URL="memory://",
        BEAT_LOCK_FILE=str(tmp_path / "celerybeat.lock"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    first = beat(env, tmp_path / "first.log")
    try:
        wait_until(
            lambda: (
                "Starting..." in (tmp_path / "first.log").read_text() or first.poll() is not None
            ),
            60,
            "the first beat did not start",
        )
        time.sleep(2)
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        second = beat(env, tmp_path / "second.log")
        assert second.wait(timeout=60) != 0
        assert "beat" in (tmp_path / "second.log").read_text().lower()
        assert first.poll() is None  # the first one carries on
    finally:
        first.terminate()
        first.wait(timeout=30)
