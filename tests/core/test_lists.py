"""Declared lists (docs/architecture.md §lists): filters shared with the API, sorting by
every column, paging, Excel export with the page's columns, saved filters and bulk
actions, in the user's scope, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from servicedesk.core.choices import Role
from servicedesk.core.lists import list_get, list_specs
from servicedesk.core.models import SavedFilter
from tests.tickets.factories import in_state, make_contract, make_customer, sh, take_call
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-table"}
RESOLVED = {"problem": "凭证", "cause": "锁定", "solution": "清除", "steps": "系统管理"}


@pytest.fixture
def desk(make_user):
    sales = make_user(Role.SALES_MANAGER)
    hotline = make_user(Role.HOTLINE_ENGINEER, last_name="冯", first_name="磊")
    east = make_customer(sales, name="苏州精工机械制造有限公司", region="苏南")
    north = make_customer(sales, name="徐州重工有限公司", region="苏北")
    make_contract(sales, east)
    make_contract(sales, north)
    tickets = [
        take_call(hotline, east, received_at=sh(2026, 11, 2, 9, 0)),
        take_call(hotline, east, received_at=sh(2026, 11, 20, 9, 0)),
        take_call(hotline, north, received_at=sh(2026, 11, 21, 9, 0)),
    ]
    tickets[0] = in_state(tickets[0], "closed", closed_at=sh(2026, 11, 3, 9, 0), **RESOLVED)
    tickets[1] = in_state(tickets[1], "answered", **RESOLVED)
    tickets[2] = in_state(tickets[2], "answered")
    return {"hotline": hotline, "sales": sales, "tickets": tickets, "east": east}


def numbers(response) -> list[str]:
    text = response.content.decode()
    return [t.number for t in Ticket.objects.order_by("pk") if t.number in text]


def test_every_declared_list_opens_and_sorts_by_every_column(client, make_user):
    boss = make_user(username="boss", is_superuser=True)
    client.force_login(boss)
    assert {s.code for s in list_specs()} >= {
        "tickets",
        "dispatches",
        "defects",
        "requirements",
        "customers",
        "contracts",
    }
    for spec in list_specs():
        url = f"/lists/{spec.code}/"
        assert client.get(url).status_code == 200, url
        for column in spec.columns:
            assert column.order, f"{spec.code}.{column.key} does not sort"
            for sort in (column.key, f"-{column.key}"):
                assert client.get(url, {"sort": sort}, **HTMX).status_code == 200, (url, sort)


def test_filters_by_state_region_and_dates(client, desk):
    client.force_login(desk["hotline"])
    first, second, third = desk["tickets"]
    assert numbers(client.get("/tickets/all/", {"state": "closed"})) == [first.number]
    assert numbers(client.get("/tickets/all/", {"region": "苏北"})) == [third.number]
    dated = client.get(
        "/tickets/all/", {"received_on_after": "2026-11-20", "received_on_before": "2026-11-20"}
    )
    assert numbers(dated) == [second.number]
    assert numbers(client.get("/tickets/all/", {"customer_name": "精工"})) == [
        first.number,
        second.number,
    ]
    # a bad date is a form error on the page, not a 500
    assert client.get("/tickets/all/", {"received_on_after": "昨天"}).status_code == 200


def test_the_api_filters_with_the_same_filterset(client, desk):
    client.force_login(desk["hotline"])
    body = client.get("/api/v1/tickets/", {"region": "苏北"}).json()
    assert [row["number"] for row in body["results"]] == [desk["tickets"][2].number]


def test_sort_and_pages(client, desk):
    client.force_login(desk["hotline"])
    newest = client.get("/tickets/all/", {"sort": "-received"})
    assert numbers(newest) == sorted(numbers(newest))  # all three are there
    text = newest.content.decode()
    order = [text.index(t.number) for t in reversed(desk["tickets"])]
    assert order == sorted(order)
    text = client.get("/tickets/all/", {"sort": "received"}).content.decode()
    order = [text.index(t.number) for t in desk["tickets"]]
    assert order == sorted(order)


def test_export_has_the_page_columns_and_the_filtered_rows(client, desk):
    client.force_login(desk["hotline"])
    response = client.get("/lists/tickets/export.xlsx", {"region": "苏南", "sort": "received"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    spec = list_get("tickets")
    with translation.override("zh-hans"):
        assert list(rows[0]) == [str(c.label) for c in spec.columns]
    assert rows[0][0] == "编号"
    assert len(rows[0]) == len(spec.columns)
    first, second, _third = desk["tickets"]
    assert [r[0] for r in rows[1:]] == [first.number, second.number]
    assert rows[1][1] == dt.datetime(2026, 11, 2, 9, 0)  # local time, typed
    assert rows[1][2] == "苏州精工机械制造有限公司"
    with translation.override("zh-hans"):
        assert rows[1][5] == first.get_state_display()
    assert rows[1][8] == "苏南"


def test_saved_filters_own_and_shared(client, desk, make_user):
    client.force_login(desk["hotline"])
    response = client.post(
        "/lists/tickets/saved/",
        {"name": "苏北的单", "query": "region=苏北", "sort": "-received", "shared": "1"},
    )
    saved = SavedFilter.objects.get(name="苏北的单")
    assert response.url == f"/tickets/all/?saved={saved.pk}"
    assert numbers(client.get(response.url)) == [desk["tickets"][2].number]
    # the same name twice is refused in words
    again = client.post("/lists/tickets/saved/", {"name": "苏北的单", "query": ""}, follow=True)
    assert "同名" in again.content.decode()
    colleague = make_user(Role.HOTLINE_ENGINEER)
    client.force_login(colleague)
    assert "苏北的单" in client.get("/tickets/all/").content.decode()
    assert client.post(f"/lists/saved/{saved.pk}/delete/").status_code == 404
    client.force_login(desk["hotline"])
    client.post(f"/lists/saved/{saved.pk}/delete/")
    assert not SavedFilter.objects.exists()


def test_bulk_close_runs_each_ticket_through_its_service(client, desk):
    client.force_login(desk["hotline"])
    _first, ready, missing = desk["tickets"]
    response = client.post(
        "/lists/tickets/bulk/",
        {"action": "close", "ids": [ready.pk, missing.pk], "query": ""},
        follow=True,
    )
    ready.refresh_from_db()
    missing.refresh_from_db()
    assert ready.state == "closed"
    assert missing.state == "answered"
    text = response.content.decode()
    assert "已完成 1 条" in text
    assert missing.number in text  # refused, with the reason


def test_field_engineer_sees_only_their_work(client, desk, make_user):
    client.force_login(make_user(Role.FIELD_ENGINEER))
    response = client.get("/tickets/all/")
    assert response.status_code == 200
    assert numbers(response) == []
    sheet = load_workbook(BytesIO(client.get("/lists/tickets/export.xlsx").content)).active
    assert sheet.max_row == 1


def test_no_permission_is_403(client, make_user):
    client.force_login(make_user())
    assert client.get("/tickets/all/").status_code == 403
    assert client.get("/lists/tickets/export.xlsx").status_code == 403
    assert client.get("/lists/nothing/").status_code == 404


def test_constant_queries(client, desk):
    client.force_login(desk["hotline"])
    client.get("/tickets/all/")
    with CaptureQueriesContext(connection) as few:
        client.get("/tickets/all/")
    for _i in range(6):
        take_call(desk["hotline"], desk["east"])
    with CaptureQueriesContext(connection) as more:
        client.get("/tickets/all/")
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_filter_named_after_its_model_field_speaks_the_page_language(
    client, make_user, monkeypatch
):
    """A filter declared without a label is named by django-filter from its model field,
    as plain text in the language active when that happened: a label made so in English
    once showed as "Service level" on the Chinese contracts list (CI, after other tests
    in the same process). The page names such filters in its own language."""
    from contracts.filters import ContractFilter

    made_in_english = ContractFilter.base_filters["service_level"]
    monkeypatch.setattr(made_in_english, "_label", "Service level")
    client.force_login(make_user(username="boss", is_superuser=True))
    html = client.get("/contracts/list/").content.decode()
    assert "服务级别" in html
    assert "Service level" not in html
