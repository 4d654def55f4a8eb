"""Operations: /healthz, the beat heartbeat, what beat does at start-up, the first
administrator (bootstrap) and the calendar loader."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from servicedesk.core.choices import Role
from servicedesk.core.models import CalendarException, Heartbeat, Notification, WorkCalendar
from servicedesk.core.services import operations
from servicedesk.core.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _beat_lock(settings, tmp_path):
    settings.BEAT_LOCK_FILE = str(tmp_path / "celerybeat.lock")
    yield
    operations.beat_lock_release()


def healthz(client, **extra):
    response = client.get("/healthz", **extra)
    return response.status_code, json.loads(response.content)


def test_healthz_is_200_when_database_broker_and_beat_are_fine(client):
    beat_heartbeat.delay()
    status, body = healthz(client)
    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["broker"] == {"status": "ok"}
    assert body["checks"]["beat"]["status"] == "ok"
    assert body["checks"]["beat"]["age_seconds"] < 60


def test_healthz_is_503_without_a_heartbeat_or_with_an_old_one(client, settings):
    status, body = healthz(client)
    assert status == 503 and body["checks"]["beat"]["status"] == "error"
    Heartbeat.objects.create(name="beat", at=timezone.now() - dt.timedelta(minutes=10))
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["beat"]["age_seconds"] >= 600
    settings.HEALTHZ_BEAT_MAX_AGE = 0  # the beat age reported, not checked
    status, body = healthz(client)
    assert status == 200


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    beat_heartbeat.delay()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"] == {"status": "ok"}


def test_healthz_answers_any_host_and_never_redirects_to_https(client, settings):
    """The load balancer probes each machine by its address over plain HTTP."""
    beat_heartbeat.delay()
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    status, _body = healthz(client, HTTP_HOST="10.0.0.7:8000")
    assert status == 200
    assert client.get("/accounts/login/", HTTP_HOST="desk.example.com").status_code == 301


def test_beat_start_up_sends_a_heartbeat_and_the_calendar_reminder(make_user, monkeypatch):
    """From 1 November, a missing next year is reported as soon as beat starts, not at
    08:30 the next morning."""
    manager = make_user(Role.SERVICE_MANAGER)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2030, 11, 15))
    CalendarException.objects.filter(date__year=2031).delete()
    operations.beat_started()
    assert Heartbeat.objects.filter(name="beat").exists()
    reminders = Notification.objects.filter(recipient=manager, kind="calendar_coverage")
    standard = WorkCalendar.objects.get(is_default=True)
    assert standard.name in reminders.get().title


def test_a_second_beat_refuses_to_start():
    operations.beat_started()
    first = list(operations._held)  # still holds the lock, as another process would
    operations._held.clear()
    try:
        with pytest.raises(SystemExit):
            operations.beat_started()
    finally:
        operations._held[:] = first


def test_beat_started_runs_on_celery_beat_init():
    from celery.signals import beat_init

    import servicedesk.celery  # noqa: F401 - connects the receiver

    names = [getattr(r(), "__name__", "") for _key, r in beat_init.receivers]
    assert "_beat_started" in names


def test_bootstrap_creates_the_first_administrator_once(monkeypatch):
    from django.contrib.auth import get_user_model

    monkeypatch.setenv("ADMIN_USERNAME", "root")
    monkeypatch.setenv("ADMIN_PASSWORD", "Kq8-first-admin-pass")
    monkeypatch.setenv("ADMIN_EMAIL", "it@example.com")
    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser and user.is_staff and user.email == "it@example.com"
    assert user.check_password("Kq8-first-admin-pass")
    assert user.history.get().history_change_reason
    monkeypatch.setenv("ADMIN_PASSWORD", "another-password-77")
    call_command("bootstrap", stdout=out)  # idempotent: nothing changes
    user.refresh_from_db()
    assert user.check_password("Kq8-first-admin-pass")
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_bootstrap_refuses_a_missing_or_weak_password(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "root")
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="ADMIN_PASSWORD"):
        call_command("bootstrap")
    monkeypatch.setenv("ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("bootstrap")


def test_load_calendar_is_idempotent():
    out = io.StringIO()
    call_command("load_calendar", stdout=out)
    count = CalendarException.objects.count()
    call_command("load_calendar", stdout=out)
    assert CalendarException.objects.count() == count > 0
    assert "2004" in out.getvalue()


def test_no_test_empties_a_redis_database():
    """Tests share the Redis server with developers' brokers (README: db 0): they delete
    only keys they wrote themselves, never a whole database."""
    from pathlib import Path

    from django.conf import settings

    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in Path(settings.BASE_DIR, "tests").rglob("*.py")
        if path.name != "test_operations.py"
        and any(
            word in path.read_text() for word in ("flushdb(", "flushall(", "FLUSHDB", "FLUSHALL")
        )
    ]
    assert offenders == []
