"""Project pages by role and the reminders (docs/domain.md §project.pages,
§project.deadlines): the implementation manager's list by state with slippage, the PM's
projects, the consultant's log of today, the timeline; the PM reviews a submitted stage
result within 2 working days and the customer confirms a log by the next working day —
reminders, never blocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from projects.choices import LogState, ProjectState, StageState
from projects.models import LOG_FORM, DailyLog
from projects.services import LOG_CONFIRMATION, STAGE_REVIEW, stage_deliver, stage_start
from servicedesk.core.choices import TimerState
from servicedesk.core.models import SlaTimer
from servicedesk.core.selectors import timers_for
from tests.projects.factories import customer_signs, deliverable, make_team, project_in, write_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    return make_team(make_user)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_stage_review_reminder_runs_two_working_days_and_is_met_by_the_review(team):
    from projects.services import stage_review

    project = project_in(ProjectState.IN_PROGRESS, team)
    stage = stage_start(project.stages.first(), by=team.consultant)
    stage = stage_deliver(stage, by=team.consultant, deliverable=deliverable())
    timer = timers_for(stage).get(target=STAGE_REVIEW)
    assert timer.state == TimerState.RUNNING and timer.assignee == team.pm
    assert timer.unit == "working_days" and timer.amount == 2
    stage = stage_review(stage, by=team.pm)
    timer.refresh_from_db()
    assert timer.state == TimerState.MET
    assert stage.state == StageState.REVIEWED


def test_log_confirmation_reminder_is_met_when_the_customer_signs(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    log = write_log(project, team, dt.date(2026, 12, 1))
    timer = timers_for(log).get(target=LOG_CONFIRMATION)
    assert timer.state == TimerState.RUNNING and timer.amount == 1
    customer_signs(log, LOG_FORM, team.consultant)
    log.refresh_from_db()
    timer.refresh_from_db()
    assert log.state == LogState.CONFIRMED and timer.state == TimerState.MET


def test_a_missed_reminder_blocks_nothing(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    log = write_log(project, team, dt.date(2026, 12, 1))
    SlaTimer.objects.filter(pk=timers_for(log).get().pk).update(state=TimerState.BREACHED)
    customer_signs(log, LOG_FORM, team.consultant)
    assert DailyLog.objects.get(pk=log.pk).state == LogState.CONFIRMED


def test_the_managers_list_by_state_with_slippage_sortable_and_filterable(team):
    behind = project_in(ProjectState.IN_PROGRESS, team)  # stages planned in March: behind
    fresh = project_in(ProjectState.APPLIED, team)
    client = _client(team.im)
    # The old page's address and parameters lead to the declared list (projects/lists.py).
    moved = client.get("/projects/?sort=-slip&behind=1")
    assert moved.status_code == 302
    assert moved["Location"] == "/projects/list/?sort=behind&behind=true"
    page = client.get("/projects/?sort=-slip", follow=True).content.decode()
    assert page.index(behind.number) < page.index(fresh.number)
    only = client.get(f"/projects/?state={ProjectState.APPLIED}", follow=True).content.decode()
    assert fresh.number in only and behind.number not in only
    late = client.get("/projects/?behind=1", follow=True).content.decode()
    assert behind.number in late and fresh.number not in late
    assert client.get("/projects/list/?state=nonsense&sort=bogus").status_code == 200


def test_the_pm_sees_their_projects_and_results_to_review(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    stage = stage_start(project.stages.first(), by=team.consultant)
    stage_deliver(stage, by=team.consultant, deliverable=deliverable())
    page = _client(team.pm).get("/projects/mine/").content.decode()
    assert project.number in page and 'data-testid="to-review"' in page
    assert _client(team.consultant).get("/projects/mine/").status_code == 403


def test_the_consultant_writes_todays_log_on_a_phone(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    client = _client(team.consultant)
    page = client.get("/projects/today/").content.decode()
    assert "btn-lg" in page and project.customer.name in page
    bad = client.post("/projects/today/", {"project": project.pk, "day": "", "hours": "30"})
    assert bad.status_code == 400
    ok = client.post(
        "/projects/today/",
        {
            "project": project.pk,
            "day": dt.date(2026, 12, 1).isoformat(),
            "hours": "7.5",
            "work_done": "应收模块培训",
            "issues": "客户财务人员缺席",
            "next_steps": "补培训",
        },
    )
    assert ok.status_code == 302
    log = DailyLog.objects.get(project=project)
    assert (log.state, str(log.hours)) == (LogState.SUBMITTED, "7.5")


def test_the_project_page_shows_the_timeline_with_slippage_logs_and_open_issues(team):
    from projects.services import incident_record

    project = project_in(ProjectState.IN_PROGRESS, team)
    write_log(project, team, dt.date(2026, 12, 1))
    incident_record(project, by=team.consultant, description="机房断电")
    page = _client(team.pm).get(f"/projects/{project.pk}/").content.decode()
    assert page.count('data-testid="stage-row"') == 2
    assert "<svg" in page and "stage-slipped" in page
    assert "机房断电" in page and "2026-12-01" in page
    assert 'data-testid="action-pause"' in page


def test_a_portal_action_with_bad_input_gives_form_errors_not_a_500(team):
    project = project_in(ProjectState.IN_PROGRESS, team)
    client = _client(team.pm)
    response = client.post(
        f"/projects/{project.pk}/action/pause/", {"pause-category": "x", "pause-reason": ""}
    )
    assert response.status_code == 400
    refused = client.post(f"/projects/{project.pk}/action/archive/")
    assert refused.status_code == 409
