"""A production build served by gunicorn, as the README installs it: production settings,
``collectstatic`` with the production storage (compressed manifest) into a temporary
folder, a migrated database with the first administrator from ``bootstrap``, DEBUG off.

The database is an SQLite file of its own (the static files and HTTP settings do not
depend on the database; ``make deploy-check`` runs the same on PostgreSQL)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ADMIN_PASSWORD = "Deploy-check-" + secrets.token_hex(6)
PLAIN_HOST = "desk.intranet"  # not localhost: Chromium treats localhost as secure


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not listen on {port} within {timeout} s")


def production_env(root: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_", "CELERY_", "REDIS_", "SECURE_"))
        and key not in {"DATABASE_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_URL", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="servicedesk.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=f"127.0.0.1,localhost,{PLAIN_HOST}",
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        STATIC_ROOT=str(root / "static"),
        MEDIA_ROOT=str(root / "media"),
        CELERY_BROKER_URL="memory://",
        BEAT_LOCK_FILE=str(root / "celerybeat.lock"),
        ADMIN_USERNAME="admin",
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """migrate, load_calendar, collectstatic and bootstrap, as README "Production" says."""
    root = tmp_path_factory.mktemp("production")
    steps = [
        ["compile_translations"],
        ["migrate", "--no-input"],
        ["load_calendar"],
        ["collectstatic", "--no-input"],
        ["bootstrap"],
    ]
    # One process for the five commands: each would otherwise start Django again.
    script = (
        "import sys, django; django.setup()\n"
        "from django.core.management import call_command\n"
        f"for step in {steps!r}: call_command(*step)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=production_env(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@dataclass
class Server:
    url: str
    port: int
    root: Path
    env: dict[str, str]


def gunicorn(root: Path, name: str, **extra: str) -> Iterator[Server]:
    port = free_port()
    env = production_env(root, **extra)
    log = root / f"gunicorn-{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "servicedesk.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_port(port, proc, log)
            yield Server(f"http://127.0.0.1:{port}", port, root, env)
        finally:
            proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def tls_server(built_site) -> Iterator[Server]:
    """The default: HTTPS only (behind a TLS proxy that sends X-Forwarded-Proto)."""
    yield from gunicorn(built_site, "tls")


@pytest.fixture(scope="session")
def plain_server(built_site) -> Iterator[Server]:
    """SECURE_TRANSPORT=false: an intranet over plain HTTP."""
    yield from gunicorn(built_site, "plain", SECURE_TRANSPORT="false")
