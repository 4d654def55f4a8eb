"""Boards that refresh themselves (docs/architecture.md §live-boards): each board's partial
answers 304 while nothing it draws changed, costs one query to say so, and answers the new
columns after a transition; an ended session gets 401 (never the login page's HTML)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fieldservice.choices import DispatchState
from servicedesk.core.choices import Role
from tests.defects.factories import record_defect
from tests.fieldservice.factories import advance, make_engineer, new_dispatch
from tests.tickets.factories import make_contract, make_customer, take_call
from tickets.services import ticket_shelve

pytestmark = pytest.mark.django_db


def poll(client, url: str, etag: str = ""):
    headers = {"HTTP_HX_REQUEST": "true"}
    if etag:
        headers["HTTP_IF_NONE_MATCH"] = etag
    return client.get(url, **headers)


def page_etag(html: str) -> str:
    import re

    match = re.search(r'data-live-etag="([^"]+)"', html)
    assert match, "the board carries its version"
    from html import unescape

    return unescape(match.group(1))


def test_ticket_board_answers_304_until_a_ticket_moves(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    hotline = make_user(Role.HOTLINE_ENGINEER)
    contract = make_contract(make_user(Role.SALES_MANAGER))  # in scope: the ticket is new
    ticket = take_call(hotline, contract.customer)
    client.force_login(manager)
    page = client.get(reverse("tickets:board")).content.decode()
    etag = page_etag(page)
    url = reverse("tickets:board-live")
    assert f'data-live-url="{url}"' in page

    with CaptureQueriesContext(connection) as queries:
        unchanged = poll(client, url, etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert "no-cache" in unchanged["Cache-Control"] and "private" in unchanged["Cache-Control"]
    # The session, the user and their rights, then the version: nothing of the board.
    sqls = [q["sql"] for q in queries]
    assert sum("MAX(history_id)" in sql for sql in sqls) == 1, sqls
    assert not any('FROM "tickets_ticket"' in sql for sql in sqls), sqls
    assert not any('FROM "core_slatimer"' in sql for sql in sqls), sqls

    ticket_shelve(ticket, by=hotline, reason="咨询开发")
    changed = poll(client, url, etag)
    assert changed.status_code == 200
    html = changed.content.decode()
    assert "<html" not in html  # a fragment, swapped into the page
    assert ticket.number in html
    assert 'data-state="shelved"' in html
    assert changed["ETag"] != etag
    assert poll(client, url, changed["ETag"]).status_code == 304


def test_ticket_board_partial_keeps_the_page_filter_and_its_rights(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    hotline = make_user(Role.HOTLINE_ENGINEER)
    take_call(hotline, make_customer(manager))
    client.force_login(manager)
    one = poll(client, reverse("tickets:board-live") + "?state=new")
    every = poll(client, reverse("tickets:board-live"))
    assert one.content.decode().count('data-testid="board-column"') == 1
    assert every.content.decode().count('data-testid="board-column"') > 1
    assert one["ETag"] != every["ETag"]  # the filter is part of the version
    client.force_login(hotline)
    assert poll(client, reverse("tickets:board-live")).status_code == 403


def test_an_ended_session_gets_401_not_the_login_page(client):
    for name in ("tickets:board-live", "defects:board-live", "fieldservice:board-live"):
        response = poll(client, reverse(name))
        assert response.status_code == 401, name
        assert response.content == b""
    assert poll(client, reverse("core:notification-count")).status_code == 401


def test_the_version_expires_after_the_refresh_time(client, make_user, settings, monkeypatch):
    """What history cannot see (a renamed person, a deadline's colour turning) is redrawn
    at the latest after LIVE_REFRESH_SECONDS."""
    import servicedesk.core.live as live

    manager = make_user(Role.SERVICE_MANAGER)
    client.force_login(manager)
    settings.LIVE_REFRESH_SECONDS = 60
    monkeypatch.setattr(live, "_clock", lambda: 6000.0)
    etag = poll(client, reverse("tickets:board-live"))["ETag"]
    monkeypatch.setattr(live, "_clock", lambda: 6059.0)
    assert poll(client, reverse("tickets:board-live"), etag).status_code == 304
    monkeypatch.setattr(live, "_clock", lambda: 6060.0)
    assert poll(client, reverse("tickets:board-live"), etag).status_code == 200


def test_defect_board_answers_304_until_a_defect_is_recorded(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    tester = make_user(Role.TESTER)
    record_defect(tester)
    client.force_login(manager)
    page = client.get(reverse("defects:board") + "?severity=").content.decode()
    etag = page_etag(page)
    url = reverse("defects:board-live") + "?severity="
    assert poll(client, url, etag).status_code == 304
    second = record_defect(tester, title="凭证打印时金额大写错误")
    changed = poll(client, url, etag)
    assert changed.status_code == 200
    assert second.number in changed.content.decode()


def test_dispatch_board_redraws_grid_and_side_list_after_an_assignment(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    engineer = make_engineer(make_user)
    dispatch = new_dispatch(manager)
    when = timezone.now() + dt.timedelta(hours=2)
    week = f"?start={timezone.localtime(when).date():%Y-%m-%d}"
    client.force_login(manager)
    page = client.get(reverse("fieldservice:board") + week).content.decode()
    etag = page_etag(page)
    url = reverse("fieldservice:board-live") + week
    assert poll(client, url, etag).status_code == 304

    advance(dispatch, DispatchState.ASSIGNED, manager=manager, engineer=engineer, appointment=when)
    changed = poll(client, url, etag)
    assert changed.status_code == 200
    html = changed.content.decode()
    assert 'data-testid="board"' in html
    # The side list comes along, swapped out of band into its own box.
    assert 'id="board-unassigned" hx-swap-oob="true"' in html
    grid, side = html.split('id="board-unassigned"')
    assert dispatch.number in grid
    assert dispatch.number not in side
    engineer_user = make_user(Role.FIELD_ENGINEER)
    client.force_login(engineer_user)
    assert poll(client, url).status_code == 403
