"""What the walk through the project pages as each role found (issue 13): the history
reads each step once, the PM's list sorts as its headings say, phones get stacked rows
and a sort menu."""

from __future__ import annotations

import pytest
from django.test import Client

from projects.choices import ProjectState
from projects.services import project_apply
from servicedesk.core.history import panel_entries
from tests.projects.factories import make_team, project_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    return make_team(make_user)


def test_the_history_reads_the_readiness_and_the_kickoff_once(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    titles = [str(e["title"]) for e in panel_entries(project, limit=50)]
    assert titles.count("Readiness confirmation signed by the customer") == 1
    assert titles.count("Kickoff meeting recorded") == 1


def test_my_projects_sort_as_the_headings_say(team):
    first = project_in(ProjectState.IN_PROGRESS, team)
    second = project_in(ProjectState.IN_PROGRESS, team)
    client = Client()
    client.force_login(team.pm)
    page = client.get("/projects/mine/?sort=-number").content.decode()
    assert page.index(second.number) < page.index(first.number)
    page = client.get("/projects/mine/?sort=number").content.decode()
    assert page.index(first.number) < page.index(second.number)


def test_the_list_stacks_on_phones_and_offers_its_orders(team):
    project_apply(by=team.im, customer=project_in(ProjectState.APPLIED, team).customer, title="X")
    client = Client()
    client.force_login(team.im)
    page = client.get("/projects/?sort=number", follow=True).content.decode()
    assert "table-stack" in page
    # the declared list's headings sort (core/partials/list_table.html)
    assert "sort=-number" in page
