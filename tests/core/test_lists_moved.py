"""Dispatches, defects, contracts, customers and revisits on the declared lists
(docs/architecture.md §lists): the old pages' addresses redirect with their query string
in the declared list's terms (the old defaults and tabs included), the filters the old
pages offered are on the lists, the menu points at the lists, and the export and saved
filters work on them. The customers' own tests: tests/contracts/test_portal_customers.py."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from contracts.models import Revisit
from defects.models import Defect
from fieldservice.services import dispatch_cancel
from servicedesk.core.choices import Role
from servicedesk.core.models import SavedFilter
from servicedesk.core.navigation import nav_for
from tests.defects.factories import record_defect
from tests.fieldservice.factories import make_contact, make_customer, new_dispatch
from tests.tickets.factories import make_contract

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _moved(client, url: str, params: dict | None = None) -> tuple[str, list[tuple[str, str]]]:
    response = client.get(url, params or {})
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response["Location"])
    return parts.path, parse_qsl(parts.query)


def _rows(response) -> list[list]:
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _menu(user) -> set[str]:
    return {entry["url"] for entry in nav_for(user)}


def test_dispatches_old_page_defaults_to_the_open_ones(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER, last_name="郑", first_name="伟")
    north = make_customer(
        manager,
        name="徐州重工有限公司",
        short_name="徐工",
        region="苏北",
        address="徐州市铜山区 1 号",
    )
    make_contact(north, name="韩经理", mobile="13900002222", is_primary=True)
    running = new_dispatch(manager, north)
    cancelled = dispatch_cancel(new_dispatch(manager), by=manager, reason="客户取消")
    client.force_login(manager)
    # No state on the old page meant the unfinished ones: the list's ``open``.
    assert _moved(client, "/dispatches/") == ("/dispatches/list/", [("open", "true")])
    assert _moved(client, "/dispatches/", {"state": "", "q": "徐工", "sort": "-customer"}) == (
        "/dispatches/list/",
        [("q", "徐工"), ("sort", "-customer")],
    )
    assert _moved(client, "/dispatches/", {"state": "cancelled"})[1] == [("state", "cancelled")]
    page = client.get("/dispatches/list/", {"open": "true"}).content.decode()
    assert running.number in page and cancelled.number not in page
    assert 'name="open"' in page  # the filter is on the page
    # The old search also found short names and contacts.
    for term in ("徐工", "韩经理"):
        found = client.get("/dispatches/list/", {"q": term}).content.decode()
        assert running.number in found and cancelled.number not in found, term
    rows = _rows(client.get("/lists/dispatches/export.xlsx", {"open": "false"}))
    assert [r[0] for r in rows[1:]] == [cancelled.number]
    saved = client.post("/lists/dispatches/saved/", {"name": "未结的", "query": "open=true"})
    pk = SavedFilter.objects.get(name="未结的").pk
    assert saved["Location"] == f"/dispatches/list/?saved={pk}"
    mine = client.get(saved["Location"]).content.decode()
    assert running.number in mine and cancelled.number not in mine
    assert "/dispatches/list/" in _menu(manager) and "/dispatches/" not in _menu(manager)


def test_defects_old_page_keeps_its_filters(client, make_user):
    engineer = make_user(Role.FIELD_ENGINEER, last_name="王", first_name="工")
    manager = make_user(Role.TECH_MANAGER)
    sales = make_user(Role.SALES_MANAGER)
    customer = make_customer(sales, name="苏州信达精密电子有限公司", region="苏南")
    make_contract(sales, customer)
    serious = record_defect(engineer, customer=customer, severity="serious", product="T6")
    general = record_defect(engineer, customer=customer, severity="general", product="U8")
    fatal = record_defect(engineer, severity="fatal", product="U8")
    client.force_login(manager)
    # The board's customer pick (a key) arrives named; ``overdue=1`` is the list's ``true``.
    path, params = _moved(
        client,
        "/defects/all/",
        {"customer": customer.pk, "overdue": "1", "product": "T6", "sort": "severity"},
    )
    assert path == "/defects/list/"
    assert params == [
        ("customer_name", "苏州信达精密电子有限公司"),
        ("overdue", "true"),
        ("product", "T6"),
        ("sort", "severity"),
    ]
    assert _moved(client, "/defects/all/", {"customer": "999999"})[1] == []
    page = client.get("/defects/list/", {"customer_name": "信达", "product": "T6"})
    html = page.content.decode()
    assert serious.number in html and general.number not in html and fatal.number not in html
    assert 'name="product"' in html
    # By seriousness, as the old page sorted, not by the name of the severity.
    ranked = client.get("/defects/list/", {"sort": "severity"}).context["page"].object_list
    assert [d.severity for d in ranked] == ["fatal", "serious", "general"]
    rows = _rows(client.get("/lists/defects/export.xlsx", {"sort": "-severity"}))
    assert [r[0] for r in rows[1:]] == [general.number, serious.number, fatal.number]
    assert Defect.objects.count() == 3
    board = client.get("/defects/").content.decode()
    assert 'href="/defects/list/"' in board


def test_contracts_old_page_search_is_on_the_list_and_the_api(client, make_user):
    sales = make_user(Role.SALES_MANAGER, last_name="钱", first_name="军")
    xinda = make_contract(
        sales, make_customer(sales, name="苏州信达精密电子有限公司", short_name="信达")
    )
    other = make_contract(sales, make_customer(sales, name="徐州重工有限公司"))
    client.force_login(sales)
    assert _moved(client, "/contracts/", {"q": "信达", "state": "signed", "sort": "-signed"}) == (
        "/contracts/list/",
        [("q", "信达"), ("state", "signed"), ("sort", "-signed")],
    )
    for term in ("信达", xinda.number):
        page = client.get("/contracts/list/", {"q": term}).content.decode()
        assert xinda.number in page and other.number not in page, term
    api = client.get("/api/v1/contracts/", {"q": "信达"}).json()
    assert [c["number"] for c in api["results"]] == [xinda.number]
    assert "/contracts/list/" in _menu(sales) and "/customers/list/" in _menu(sales)
    assert 'href="/contracts/list/"' in client.get(xinda.get_absolute_url()).content.decode()


def test_revisit_worklist_tabs_become_filters(client, make_user):
    agent = make_user(Role.HOTLINE_ENGINEER, last_name="吴", first_name="芳")
    other = make_user(Role.HOTLINE_ENGINEER)
    manager = make_user(Role.SERVICE_MANAGER)
    sales = make_user(Role.SALES_MANAGER)
    customer = make_customer(sales, name="台州汽配有限公司")
    today = timezone.localdate()
    due = Revisit.objects.create(customer=customer, due_on=today, assignee=agent)
    soon = Revisit.objects.create(
        customer=customer, due_on=today + dt.timedelta(days=3), assignee=agent
    )
    elsewhere = make_customer(sales, name="丽水茶业有限公司")
    theirs = Revisit.objects.create(customer=elsewhere, due_on=today, assignee=other)
    client.force_login(agent)
    day = today.isoformat
    # "Due now" (the default): scheduled, due by today, the agent's own.
    assert _moved(client, "/revisits/", {"reason": "periodic"}) == (
        "/revisits/list/",
        [
            ("reason", "periodic"),
            ("state", "scheduled"),
            ("due_before", day()),
            ("assignee", str(agent.pk)),
        ],
    )
    upcoming = _moved(client, "/revisits/", {"tab": "upcoming"})[1]
    assert ("due_after", (today + dt.timedelta(days=1)).isoformat()) in upcoming
    assert ("due_before", (today + dt.timedelta(days=14)).isoformat()) in upcoming
    assert _moved(client, "/revisits/", {"tab": "done"})[1] == [
        ("state", "done"),
        ("sort", "-due"),
        ("assignee", str(agent.pk)),
    ]
    listed = client.get("/revisits/", follow=True).context["page"].object_list
    assert list(listed) == [due]
    listed = client.get("/revisits/", {"tab": "upcoming"}, follow=True).context["page"]
    assert list(listed.object_list) == [soon]
    # The service manager plans everybody's.
    client.force_login(manager)
    assert ("assignee", str(manager.pk)) not in _moved(client, "/revisits/")[1]
    listed = client.get("/revisits/", follow=True).context["page"].object_list
    assert set(listed) == {due, theirs}
    assert "/revisits/list/" in _menu(agent) and "/revisits/" not in _menu(agent)


def test_old_addresses_ask_for_a_login(client):
    for url in ("/dispatches/", "/defects/all/", "/customers/", "/contracts/", "/revisits/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/"), url
