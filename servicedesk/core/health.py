"""``/healthz`` for load balancers and monitoring: database, broker, beat heartbeat."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat

BROKER_TIMEOUT_SECONDS = 3


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok"}


def _broker() -> dict[str, Any]:
    from kombu import Connection

    options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
    }
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=options,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
            if conn.transport.driver_type == "redis":
                conn.default_channel.client.ping()
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}
    return {"status": "ok"}


def _beat() -> dict[str, Any]:
    max_age = settings.HEALTHZ_BEAT_MAX_AGE
    try:
        beat = Heartbeat.objects.filter(name="beat").first()
    except Exception as exc:
        return {"status": "error", "error": type(exc).__name__}
    if beat is None:
        result: dict[str, Any] = {"status": "error", "error": "no heartbeat yet"}
    else:
        age = max(0.0, (timezone.now() - beat.at).total_seconds())
        healthy = not max_age or age <= max_age
        result = {"status": "ok" if healthy else "error", "age_seconds": round(age, 1)}
    result["max_age_seconds"] = max_age
    if not max_age:  # HEALTHZ_BEAT_MAX_AGE=0: reported, never fails the check
        result["status"] = "ok"
    return result


def health_report() -> tuple[bool, dict[str, Any]]:
    """(healthy, the JSON body): healthy only when every check is ``ok``."""
    checks = {"database": _database(), "broker": _broker()}
    checks["beat"] = _beat() if checks["database"]["status"] == "ok" else {"status": "error"}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return healthy, {"status": "ok" if healthy else "error", "checks": checks}
