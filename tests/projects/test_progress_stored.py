"""The progress figures stored on each project (docs/domain.md §project.progress) follow
every change of stages and logs made through the services, so the list sorts by days
behind and shows person-days from the project row alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.choices import ProjectState, StageState
from projects.models import STAGE_FORM, Project, Stage
from projects.selectors import decorate, project_list
from projects.services import (
    progress_refresh,
    stage_deliver,
    stage_return,
    stage_review,
    stage_start,
)
from tests.projects.factories import (
    customer_signs,
    deliverable,
    make_team,
    project_in,
    sign_plan,
    write_log,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    return make_team(make_user)


def _stored(project: Project) -> tuple[dt.date | None, float]:
    row = Project.objects.values_list("behind_since", "hours_confirmed").get(pk=project.pk)
    return row[0], float(row[1])


def _earliest_open(project: Project) -> dt.date | None:
    stage = (
        Stage.objects.filter(
            project=project,
            state__in=[StageState.PLANNED, StageState.IN_PROGRESS, StageState.DELIVERED],
        )
        .order_by("planned_end")
        .first()
    )
    return stage.planned_end if stage else None


def test_stage_changes_move_the_stored_earliest_unfinished_stage(team):
    project = project_in(ProjectState.PLANNING, team)
    assert _stored(project) == (None, 0.0)
    sign_plan(project, team)  # the stages follow the signed plan
    first, second = Project.objects.get(pk=project.pk).stages.order_by("order")
    assert _stored(project)[0] == first.planned_end == dt.date(2026, 3, 6)
    stage = stage_start(first, by=team.consultant)
    stage = stage_deliver(stage, by=team.consultant, deliverable=deliverable())
    stage = stage_return(stage, by=team.pm, note="缺少调研签字页")
    assert _stored(project)[0] == first.planned_end  # still unfinished
    stage = stage_deliver(stage, by=team.consultant, deliverable=deliverable())
    stage = stage_review(stage, by=team.pm)
    assert _stored(project)[0] == second.planned_end == _earliest_open(project)
    customer_signs(stage, STAGE_FORM, team.pm)  # signed off: the subscriber signs the stage
    assert Stage.objects.get(pk=first.pk).state == StageState.SIGNED
    assert _stored(project)[0] == second.planned_end


def test_only_confirmed_logs_add_to_the_stored_hours(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    write_log(project, team, dt.date(2026, 11, 30), hours="8", confirm=True)
    write_log(project, team, dt.date(2026, 12, 1), hours="8")
    assert _stored(project)[1] == 8.0
    write_log(project, team, dt.date(2026, 12, 2), hours="4", confirm=True)
    assert _stored(project)[1] == 12.0


def test_the_list_reads_no_stage_and_no_log(team):
    project_in(ProjectState.IN_PROGRESS, team)
    with CaptureQueriesContext(connection) as ctx:
        rows = decorate(project_list(team.im, sort="-slip")[:50])
    assert rows and rows[0].slip_days > 0
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "projects_stage" not in sql and "projects_dailylog" not in sql


def test_refresh_recomputes_from_the_rows(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    write_log(project, team, dt.date(2026, 11, 30), hours="8", confirm=True)
    Project.objects.filter(pk=project.pk).update(behind_since=None, hours_confirmed=0)
    assert progress_refresh(Project.objects.filter(pk=project.pk)) == 1
    assert _stored(project) == (_earliest_open(project), 8.0)
