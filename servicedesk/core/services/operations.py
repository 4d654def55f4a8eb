"""Operations: the beat heartbeat, the single-beat lock and what beat does at start-up
(README "Production")."""

from __future__ import annotations

import fcntl
import logging
import os
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..models import Heartbeat

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key of "the one Celery beat" (any constant bigint; per database).
BEAT_LOCK_KEY = 7_310_405_231
# What holds the lock: a dedicated PostgreSQL connection or an open lock file. The lock
# lives exactly as long as the beat process (the server drops it when the process dies).
_held: list[Any] = []


def heartbeat_record(name: str = "beat") -> Heartbeat:
    """Record that ``name`` runs now (overwrites the previous beat)."""
    beat, _created = Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    return beat


def beat_lock_acquire() -> bool:
    """Take the lock that only one Celery beat may hold; False when another beat has it.

    PostgreSQL: a session advisory lock on a connection of its own, so every beat on any
    machine sees it. SQLite (one machine only): an exclusive lock on BEAT_LOCK_FILE.
    """
    if _held:
        return True
    if connection.vendor == "postgresql":
        raw = connection.get_new_connection(connection.get_connection_params())
        raw.autocommit = True
        with raw.cursor() as cursor:
            # The server notices within about a minute when this machine is gone, and
            # releases the lock for a standby beat (the default would be two hours).
            cursor.execute(
                "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10;"
                " SET tcp_keepalives_count = 3"
            )
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
            acquired = bool(cursor.fetchone()[0])
        if not acquired:
            raw.close()
            return False
        _held.append(raw)
        return True
    path = settings.BEAT_LOCK_FILE
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - kept open while the lock is held
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held.append(handle)
    return True


def beat_lock_release() -> None:
    while _held:
        _held.pop().close()


def beat_started() -> None:
    """Celery beat is starting (``beat_init``): refuse to be a second beat, then send a
    heartbeat and the holiday-calendar coverage check at once rather than at 08:30."""
    from django.utils.translation import gettext as _

    from ..tasks import beat_heartbeat, check_calendar_coverage

    if not beat_lock_acquire():
        message = _(
            "Another Celery beat is already running for this database; "
            "only one beat may run. This one stops."
        )
        logger.critical(message)
        raise SystemExit(message)
    beat_heartbeat.delay()
    check_calendar_coverage.delay()
