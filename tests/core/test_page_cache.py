"""Pages drawn once per state of the data (docs/architecture.md §page-cache): a stored
page is served until a committed write, a new minute, another user, language or htmx
target; never after a write it could not see; with the asking browser's own CSRF token;
and a cache outage only costs the drawing."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection, transaction
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicedesk.core import page_cache
from servicedesk.core.choices import Role
from tests.tickets.factories import make_contract, take_call
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "page-cache-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER)
    contract = make_contract(make_user(Role.SALES_MANAGER))
    ticket = take_call(hotline, contract.customer, description="月末凭证无法过账")
    return hotline, ticket


def without_tokens(response) -> str:
    """The page without its CSRF tokens (each answer masks the token anew)."""
    return re.sub(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])", "", response.content.decode())


def get(client: Client, url: str, **headers):
    response = client.get(url, **headers)
    assert response.status_code in (200, 304), response.status_code
    return response


def test_a_page_is_served_until_a_committed_write_moves_the_version(
    client, desk, django_capture_on_commit_callbacks
):
    hotline, ticket = desk
    client.force_login(hotline)
    url = reverse("tickets:ticket", args=[ticket.pk])
    first = get(client, url)
    assert first["X-Page-Cache"] == "miss"

    with CaptureQueriesContext(connection) as queries:
        second = get(client, url)
    assert second["X-Page-Cache"] == "hit"
    assert without_tokens(second) == without_tokens(first)
    # The session and the user with their rights: nothing of the ticket is read.
    assert len(queries) <= 3, [q["sql"] for q in queries]

    # A set-based update sends no signal; the write watch reads the SQL itself.
    connection.run_on_commit.clear()  # what the fixtures wrote (the test never commits)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(description="月末凭证过账后余额不平")
    third = get(client, url)
    assert third["X-Page-Cache"] == "miss"
    assert "月末凭证过账后余额不平" in third.content.decode()


def test_a_write_moves_the_version_only_when_it_commits(desk):
    version = page_cache.data_version()
    connection.run_on_commit.clear()  # what the fixtures wrote (the test never commits)
    with transaction.atomic():
        Ticket.objects.filter(pk=desk[1].pk).update(description="改了又撤回")
        # Not yet: a page drawn now must not be stored under a version that hides it.
        assert page_cache.data_version() == version
        assert [f for _, f, _ in connection.run_on_commit] == [page_cache.data_changed]
        transaction.set_rollback(True)
    assert connection.run_on_commit == []
    assert page_cache.data_version() == version


@pytest.mark.django_db(transaction=True)
def test_commit_moves_the_version_once_and_rollback_not_at_all(make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER)
    version = page_cache.data_version()
    with transaction.atomic():
        hotline.first_name = "静"
        hotline.save()
        hotline.last_name = "王"
        hotline.save()
    assert page_cache.data_version() == version + 1

    try:
        with transaction.atomic():
            hotline.first_name = "错"
            hotline.save()
            raise RuntimeError
    except RuntimeError:
        pass
    assert page_cache.data_version() == version + 1

    # Outside a transaction (autocommit) a write counts at once.
    type(hotline).objects.filter(pk=hotline.pk).update(first_name="晶")
    assert page_cache.data_version() == version + 2


@pytest.mark.django_db(transaction=True)
def test_a_login_draws_no_page_again(make_user):
    """The session, the login's throttling rows, last_login and its history row: none of
    them is on a page, so fifty logins at nine o'clock do not empty the cache."""
    hotline = make_user(Role.HOTLINE_ENGINEER)
    version = page_cache.data_version()
    answer = Client().post(
        reverse("login"), {"username": hotline.username, "password": "pw-123456"}
    )
    assert answer.status_code == 302
    hotline.refresh_from_db()
    assert hotline.last_login is not None
    assert page_cache.data_version() == version


def test_logins_and_sessions_move_nothing():
    assert not page_cache.changes_pages('UPDATE "django_session" SET "session_data" = %s')
    assert not page_cache.changes_pages('INSERT INTO "axes_accesslog" ("user_agent") VALUES')
    assert not page_cache.changes_pages(
        'UPDATE "auth_user" SET "last_login" = %s WHERE "auth_user"."id" = %s'
    )
    assert page_cache.changes_pages(
        'UPDATE "auth_user" SET "last_login" = %s, "first_name" = %s WHERE "auth_user"."id" = %s'
    )
    assert not page_cache.changes_pages('INSERT INTO "core_historicaluser" ("id") VALUES (%s)')
    assert page_cache.changes_pages('INSERT INTO "tickets_ticket" ("number") VALUES (%s)')
    assert page_cache.changes_pages('DELETE FROM "core_notification" WHERE id = %s')
    assert not page_cache.changes_pages('SELECT * FROM "tickets_ticket" FOR UPDATE')


def test_each_user_language_and_htmx_target_has_its_own_page(client, desk, make_user):
    hotline, ticket = desk
    colleague = make_user(Role.HOTLINE_ENGINEER)
    url = reverse("tickets:queue")
    client.force_login(hotline)
    assert get(client, url)["X-Page-Cache"] == "miss"
    assert get(client, url)["X-Page-Cache"] == "hit"
    assert get(client, url, HTTP_HX_REQUEST="true")["X-Page-Cache"] == "miss"
    english = get(client, url).content
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = get(client, url)
    assert chinese["X-Page-Cache"] == "miss" and chinese.content != english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    other = Client()
    other.force_login(colleague)
    mine = get(client, url).content.decode()
    theirs = get(other, url)
    assert theirs["X-Page-Cache"] == "miss"
    assert ticket.number in mine and ticket.number not in theirs.content.decode()


def test_a_served_form_carries_the_asking_browsers_own_csrf_token(desk):
    hotline, ticket = desk
    url = reverse("tickets:ticket", args=[ticket.pk])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(hotline)
    second.force_login(hotline)
    assert get(first, url)["X-Page-Cache"] == "miss"
    served = get(second, url)
    assert served["X-Page-Cache"] == "hit"
    html = served.content.decode()
    assert page_cache.CSRF_PLACEHOLDER.decode() not in html
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert tokens, "the ticket page has forms"
    secret = second.cookies["csrftoken"].value
    assert secret != first.cookies["csrftoken"].value
    assert {_unmask_cipher_token(t) for t in tokens} == {secret}


def test_a_live_board_served_from_the_cache_still_answers_304(client, make_user, desk):
    manager = make_user(Role.SERVICE_MANAGER)
    client.force_login(manager)
    url = reverse("tickets:board-live")
    drawn = get(client, url, HTTP_HX_REQUEST="true")
    assert drawn.status_code == 200 and drawn["X-Page-Cache"] == "miss"
    served = get(client, url, HTTP_HX_REQUEST="true")
    assert served.status_code == 200 and served["X-Page-Cache"] == "hit"
    assert served["ETag"] == drawn["ETag"]
    unchanged = get(client, url, HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=drawn["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == drawn["ETag"]


def test_a_new_minute_draws_the_page_again(client, desk, monkeypatch):
    hotline, ticket = desk
    client.force_login(hotline)
    url = reverse("tickets:ticket", args=[ticket.pk])
    now = [1_800_000_000.0]
    monkeypatch.setattr(page_cache.time, "time", lambda: now[0])
    assert get(client, url)["X-Page-Cache"] == "miss"
    assert get(client, url)["X-Page-Cache"] == "hit"
    now[0] += 60  # whichever second of its minute the page's minute starts at
    assert get(client, url)["X-Page-Cache"] == "miss"
    assert get(client, url)["X-Page-Cache"] == "hit"


def test_pending_messages_are_drawn_never_served(rf: RequestFactory, desk):
    request = rf.get("/tickets/")
    request.user = desk[0]
    request.session = {}
    request._messages = FallbackStorage(request)
    request._messages.add(20, "已保存")
    middleware = page_cache.PageCacheMiddleware(lambda r: None)
    from tickets.views.tickets import queue

    assert middleware.process_view(request, queue, (), {}) is None
    assert not hasattr(request, "_page_cache_key")


def test_a_cache_outage_draws_the_page(client, desk, monkeypatch):
    hotline, ticket = desk
    client.force_login(hotline)

    class Down:
        def __getattr__(self, name):
            def down(*args, **kwargs):
                raise ConnectionError("redis is down")

            return down

    monkeypatch.setattr(page_cache, "cache", Down())
    response = get(client, reverse("tickets:ticket", args=[ticket.pk]))
    assert ticket.number in response.content.decode()
    assert "X-Page-Cache" not in response
    Ticket.objects.filter(pk=ticket.pk).update(description="照常保存")  # the write still works


def test_unmarked_views_and_token_requests_are_always_drawn(client, desk):
    hotline, _ticket = desk
    client.force_login(hotline)
    # The knowledge suggestions count their use: not marked.
    suggest = get(client, reverse("tickets:suggest") + "?description=凭证")
    assert "X-Page-Cache" not in suggest
    api = "/api/v1/tickets/"
    assert get(client, api, HTTP_ACCEPT="application/json")["X-Page-Cache"] == "miss"
    assert get(client, api, HTTP_ACCEPT="application/json")["X-Page-Cache"] == "hit"
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=hotline)
    anonymous = Client()
    answer = anonymous.get(
        api, HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert answer.status_code == 200 and "X-Page-Cache" not in answer


WORKER_WRITE = """
import sys, django
django.setup()
from tickets.models import Ticket
Ticket.objects.filter(pk=int(sys.argv[1])).update(description=sys.argv[2])
"""


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_write_in_another_process_draws_the_page_again(settings, make_user):
    """The web process's stored page and a worker's write meet in Redis: the worker (here a
    process of its own with the settings ``make run`` uses, CACHE_URL set) moves the
    version the web process reads."""
    import os
    import subprocess
    import sys

    import redis

    from tests.conftest import redis_url

    prefix = f"page-cache-test-{os.getpid()}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": prefix,
        }
    }
    try:
        hotline = make_user(Role.HOTLINE_ENGINEER)
        ticket = take_call(hotline, make_contract(make_user(Role.SALES_MANAGER)).customer)
        client = Client()
        client.force_login(hotline)
        url = reverse("tickets:ticket", args=[ticket.pk])
        assert get(client, url)["X-Page-Cache"] == "miss"
        assert get(client, url)["X-Page-Cache"] == "hit"

        db = connection.settings_dict
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "DJANGO_SETTINGS_MODULE": "servicedesk.settings.local",
            "DATABASE_URL": (
                f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CACHE_URL": redis_url(),
            "CACHE_KEY_PREFIX": prefix,
        }
        if db.get("PASSWORD"):
            env["DATABASE_URL"] = env["DATABASE_URL"].replace("@", f":{db['PASSWORD']}@", 1)
        done = subprocess.run(
            [sys.executable, "-c", WORKER_WRITE, str(ticket.pk), "工作进程改写的描述"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]

        again = get(client, url)
        assert again["X-Page-Cache"] == "miss"
        assert "工作进程改写的描述" in again.content.decode()
    finally:
        store = redis.Redis.from_url(redis_url())
        keys = list(store.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            store.delete(*keys)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "page-cache-tests",
            }
        }
