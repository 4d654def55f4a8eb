"""Shared fixtures. Tests that need PostgreSQL, Redis or a browser use them when present
and skip otherwise, except with CI=true, where a missing service fails the test."""

from __future__ import annotations

import os
import shutil

import pytest

CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing(reason: str) -> None:
    if CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith("redis://") else None


def redis_available() -> bool:
    url = redis_url()
    if not url:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _required_services(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            missing("this test needs PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis") and not redis_available():
        missing("this test needs Redis (set REDIS_URL or CELERY_BROKER_URL)")
    if request.node.get_closest_marker("browser"):
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            missing("this test needs Chromium (/usr/bin/chromium)")
        try:
            import playwright  # noqa: F401
        except ImportError:
            missing("this test needs the playwright package")


@pytest.fixture
def clock(monkeypatch):
    """``clock.set(instant)``: what ``timezone.now()`` returns from then on."""
    from django.utils import timezone

    class Clock:
        def set(self, instant) -> None:
            monkeypatch.setattr(timezone, "now", lambda: instant)

    return Clock()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _calendar_caches():
    """The process's calendar caches (core.calendars) start empty: a test's rolled-back
    calendars must not be mistaken for the next test's."""
    from servicedesk.core import calendars

    calendars._cache.clear()
    calendars._chosen.clear()


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from servicedesk.core.roles import sync_role_permissions

    sync_role_permissions()
    counter = {"n": 0}

    def make(*roles: str, username: str | None = None, **extra):
        counter["n"] += 1
        user = get_user_model().objects.create_user(
            username=username or f"user{counter['n']}",
            password="pw-123456",
            email=extra.pop("email", f"user{counter['n']}@example.com"),
            **extra,
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


SEED_MIGRATIONS = [
    "servicedesk.core.migrations.0003_default_calendars",
    "servicedesk.core.migrations.0004_default_sla_policies",
    "contracts.migrations.0002_defaults",
    "tickets.migrations.0002_policies_and_lines",
    "tickets.migrations.0006_check_in_policy",
    "fieldservice.migrations.0003_request_policies_first_appointments",
    "fieldservice.migrations.0006_loan_paperwork_policy",
    # After every migration that creates policies: it sets their calendar basis.
    "servicedesk.core.migrations.0006_sla_policy_calendar_basis",
    "tickets.migrations.0004_complaint_policy_office_calendar",
    "servicedesk.core.migrations.0013_chinese_message_templates",
]


def reseed() -> None:
    """Put back the rows data migrations create. A transactional test ends with a flush,
    which re-creates content types, permissions and role groups (post_migrate) but not
    the working calendar, SLA policies, revisit cycles, charging standard or lines."""
    import importlib

    from django.apps import apps

    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def _seed_after_flush(request):
    if _is_transactional(request):
        request.getfixturevalue("transactional_db")
        from servicedesk.core.models import SlaPolicy

        if not SlaPolicy.objects.exists():
            reseed()
    yield


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    """Transactional tests run last: their closing flush then disturbs no other test.
    The transactional tests of SERIAL_FILES share one pytest-xdist group."""

    def transactional(item) -> bool:
        marker = item.get_closest_marker("django_db")
        names = getattr(item, "fixturenames", ())
        return (
            "transactional_db" in names
            or "live_server" in names
            or bool(marker and marker.kwargs.get("transaction"))
        )

    items.sort(key=transactional)
    for item in items:
        # Only transactional ones: a group runs where its first test is, and the flush
        # after a transactional test must not come before the other tests of a worker.
        if item.path.name in SERIAL_FILES and transactional(item):
            item.add_marker(pytest.mark.xdist_group("services"))


# Tests that start processes of their own (Celery workers, redis-server, network
# namespaces, backups of the whole database): under pytest-xdist (make test runs two
# workers) they run one after another on one worker, never beside each other.
SERIAL_FILES = {
    "test_hosts_netns.py",
    "test_email_exactly_once.py",
    "test_embedded_broker.py",
    "test_sweep_concurrency.py",
    "test_shared_cache.py",
    "test_backup.py",
    "test_operations.py",
    "test_channels_concurrency.py",
    "test_api_fuzz.py",
    "test_load.py",
    "test_bench_load.py",
}


@pytest.fixture(autouse=True)
def _reactions_when_the_service_commits(request, monkeypatch):
    """Domain-event reactions run after the announcing change commits
    (core.services.events.after_commit). A test wraps everything in transactions that never
    commit, so here a reaction runs when the outermost transaction *the code* opened ends
    without error — where production commits — and is dropped when it rolls back."""
    if request.node.get_closest_marker("django_db") is None and not any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    ):
        yield
        return
    if _is_transactional(request):
        yield
        return
    from django.db import transaction
    from django.db.transaction import Atomic, get_connection

    from servicedesk.core.services import events

    pending: list[tuple[tuple[int, ...], object]] = []

    def code_blocks(connection) -> tuple[int, ...]:
        return tuple(id(b) for b in connection.atomic_blocks if not b._from_testcase)

    def after_commit(func) -> None:
        blocks = code_blocks(transaction.get_connection())
        if blocks:
            pending.append((blocks, func))
        else:
            func()

    original_exit = Atomic.__exit__

    def exit_(self, exc_type, exc_value, tb):
        connection = get_connection(self.using)
        failed = exc_type is not None or connection.needs_rollback
        result = original_exit(self, exc_type, exc_value, tb)
        if self._from_testcase:
            return result
        if failed:
            pending[:] = [(blocks, f) for blocks, f in pending if id(self) not in blocks]
        elif not code_blocks(connection):
            while pending:
                _, func = pending.pop(0)
                func()
        return result

    monkeypatch.setattr(events, "after_commit", after_commit)
    monkeypatch.setattr(Atomic, "__exit__", exit_)
    yield
