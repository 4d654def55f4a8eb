"""Projects and first visits on the declared lists (docs/architecture.md §lists): filters,
sorting, the Excel export opened by openpyxl, and the old pages' addresses redirecting
with their query string."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from contracts.models import FirstVisit
from projects.choices import ProjectState
from projects.models import Project
from servicedesk.core.choices import Role
from tests.projects.factories import make_team, project_in
from tests.tickets.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _rows(response) -> list[list]:
    sheet = load_workbook(BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_projects_filter_sort_export_and_the_old_address(client, make_user):
    team = make_team(make_user)
    behind = project_in(ProjectState.IN_PROGRESS, team)  # its stages were planned in March
    north = make_customer(team.sales, name="徐州重工有限公司", region="苏北")
    fresh = project_in(ProjectState.APPLIED, team, customer=north)
    client.force_login(team.im)
    page = client.get("/projects/list/", {"sort": "behind"}).content.decode()
    assert page.index(behind.number) < page.index(fresh.number)
    only = client.get("/projects/list/", {"region": "苏北"}).content.decode()
    assert fresh.number in only and behind.number not in only
    late = client.get("/projects/list/", {"behind": "true"}).content.decode()
    assert behind.number in late and fresh.number not in late
    # The export: the page's headings and the filtered, sorted rows.
    rows = _rows(client.get("/lists/projects/export.xlsx", {"sort": "number"}))
    assert rows[0][:5] == ["编号", "标题", "客户", "片区", "状态"]
    assert [r[0] for r in rows[1:]] == sorted([behind.number, fresh.number])
    north_rows = _rows(client.get("/lists/projects/export.xlsx", {"customer_name": "徐州"}))
    assert [r[0] for r in north_rows[1:]] == [fresh.number]
    with translation.override("zh-hans"):
        assert north_rows[1][4] == str(ProjectState.APPLIED.label)
    # The API filters alike (one FilterSet).
    api = client.get("/api/v1/projects/", {"region": "苏北"}).json()
    assert [p["number"] for p in api["results"]] == [fresh.number]
    # The old page's address and spelling.
    moved = client.get("/projects/", {"sort": "-slip", "behind": "1", "state": "in_progress"})
    assert moved.status_code == 302
    assert moved["Location"] == "/projects/list/?sort=behind&behind=true&state=in_progress"
    assert Project.objects.count() == 2


def test_first_visits_filter_sort_export_and_the_old_address(client, make_user):
    agent = make_user(Role.FIRST_VISIT_AGENT, last_name="吴", first_name="芳")
    other = make_user(Role.FIRST_VISIT_AGENT, last_name="钱", first_name="军")
    manager = make_user(Role.SERVICE_MANAGER)
    sales = make_user(Role.SALES_MANAGER)
    south = make_customer(sales, name="苏州精工机械制造有限公司", region="苏南")
    north = make_customer(sales, name="徐州重工有限公司", region="苏北")
    FirstVisit.objects.create(customer=south, agent=agent)
    second = FirstVisit.objects.create(customer=north, agent=other)
    later = timezone.now() + dt.timedelta(hours=1)
    FirstVisit.objects.filter(pk=second.pk).update(created_at=later)
    client.force_login(manager)
    newest = client.get("/first-visits/list/", {"sort": "-created"}).content.decode()
    assert newest.index("徐州重工") < newest.index("苏州精工")
    oldest = client.get("/first-visits/list/", {"sort": "created"}).content.decode()
    assert oldest.index("苏州精工") < oldest.index("徐州重工")
    by_agent = client.get("/first-visits/list/", {"agent": agent.pk}).content.decode()
    assert "苏州精工" in by_agent and "徐州重工" not in by_agent
    by_region = client.get("/first-visits/list/", {"region": "苏北"}).content.decode()
    assert "徐州重工" in by_region and "苏州精工" not in by_region
    found = client.get("/first-visits/list/", {"search": "精工"}).content.decode()
    assert "苏州精工" in found and "徐州重工" not in found
    rows = _rows(client.get("/lists/first-visits/export.xlsx", {"sort": "-created"}))
    assert rows[0][:2] == ["客户", "合同"]
    assert [r[0] for r in rows[1:]] == ["徐州重工有限公司", "苏州精工机械制造有限公司"]
    assert rows[1][2] == "苏北"
    mine = _rows(client.get("/lists/first-visits/export.xlsx", {"agent": agent.pk}))
    assert [r[0] for r in mine[1:]] == ["苏州精工机械制造有限公司"]
    # The old page's address: ``q`` is the list's ``search``; the menu points at the list.
    moved = client.get("/first-visits/", {"q": "精工", "state": "pending"})
    assert moved["Location"] == "/first-visits/list/?search=%E7%B2%BE%E5%B7%A5&state=pending"
    assert 'href="/first-visits/list/"' in client.get("/first-visits/list/").content.decode()
