"""Implementation projects (docs/domain.md §project): the transition matrix with every
guard, only confirmed logs count, the plan in force, and the three channels agreeing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from projects.actions import PROJECT_ACTIONS
from projects.choices import (
    EvaluationOutcome,
    LogState,
    PauseCategory,
    ProjectState,
    StageState,
    TerminateCategory,
)
from projects.models import (
    ACCEPTANCE_FORM,
    PLAN_FORM,
    READINESS_FORM,
    Project,
)
from projects.services import (
    document_file,
    documents_review,
    plan_review,
    plan_revise,
    project_accept,
    project_allocate,
    project_archive,
    project_confirm_ready,
    project_evaluate,
    project_kick_off,
    project_pause,
    project_record_kickoff,
    project_request_acceptance,
    project_resume,
    project_rework,
    project_terminate,
    project_write_acceptance,
)
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.services import signature_record
from tests.action_parity import assert_channels_agree
from tests.fieldservice.factories import signature_png
from tests.projects.factories import (
    STAGES,
    customer_signs,
    deliverable,
    make_team,
    project_in,
    sign_plan,
    write_log,
)

pytestmark = pytest.mark.django_db

S = ProjectState

#: every transition and the states it leaves from (docs/domain.md §project.states)
MATRIX = {
    "allocate": {S.APPLIED},
    "start_planning": {S.ALLOCATED},
    "confirm_ready": {S.PLANNING},
    "kick_off": {S.READY},
    "pause": {S.IN_PROGRESS},
    "resume": {S.PAUSED},
    "request_acceptance": {S.IN_PROGRESS},
    "rework": {S.ACCEPTANCE_REVIEW},
    "terminate": {S.PAUSED, S.ACCEPTANCE_REVIEW},
    "accept": {S.ACCEPTANCE_REVIEW},
    "archive": {S.ACCEPTED},
}
TARGETS = {
    "allocate": S.ALLOCATED,
    "start_planning": S.PLANNING,
    "confirm_ready": S.READY,
    "kick_off": S.IN_PROGRESS,
    "pause": S.PAUSED,
    "resume": S.IN_PROGRESS,
    "request_acceptance": S.ACCEPTANCE_REVIEW,
    "rework": S.IN_PROGRESS,
    "terminate": S.TERMINATED,
    "accept": S.ACCEPTED,
    "archive": S.ARCHIVED,
}


@pytest.fixture
def team(make_user):
    return make_team(make_user)


def test_the_state_machine_is_exactly_the_documented_one():
    found: dict[str, set[str]] = {}
    targets: dict[str, str] = {}
    for t in Project(state=S.APPLIED).get_all_state_transitions():
        found.setdefault(t.name, set()).add(t.source)
        targets[t.name] = t.target
    assert found == MATRIX
    assert targets == TARGETS


def test_application_to_archive(team):
    project = project_in(S.ARCHIVED, team)
    assert project.state == S.ARCHIVED
    assert project.accepted_on is not None
    assert project.archived_at is not None
    assert all(s.state == StageState.SIGNED for s in project.stages.all())


# -- guards, one by one -----------------------------------------------------------------------


def test_allocate_needs_the_manager_a_pm_and_consultants(team):
    project = project_in(S.APPLIED, team)
    with pytest.raises(NotPermitted):
        project_allocate(
            project, by=team.pm, project_manager=team.pm, consultants=[team.consultant]
        )
    with pytest.raises(ApplicationError) as exc:
        project_allocate(project, by=team.im, project_manager=team.consultant, consultants=[])
    assert set(exc.value.extra) == {"project_manager", "consultants"}
    project = project_allocate(
        project, by=team.im, project_manager=team.pm, consultants=[team.consultant]
    )
    assert project.state == S.ALLOCATED
    assert project.implementation_manager == team.im


def test_ready_needs_a_customer_signed_plan_and_the_readiness_confirmation(team):
    project = project_in(S.PLANNING, team)
    with pytest.raises(TransitionConflict, match="No plan revision has been signed"):
        project_confirm_ready(project, by=team.pm)
    revision = plan_revise(project, by=team.pm, scope="总账", stages=STAGES)
    revision = plan_review(revision, by=team.im)
    with pytest.raises(TransitionConflict, match="No plan revision has been signed"):
        project_confirm_ready(Project.objects.get(pk=project.pk), by=team.pm)
    customer_signs(revision, PLAN_FORM, team.pm)
    with pytest.raises(TransitionConflict, match="readiness confirmation"):
        project_confirm_ready(Project.objects.get(pk=project.pk), by=team.pm)
    customer_signs(Project.objects.get(pk=project.pk), READINESS_FORM, team.pm)
    project = project_confirm_ready(Project.objects.get(pk=project.pk), by=team.pm)
    assert project.state == S.READY


def test_in_progress_needs_the_kickoff_with_the_customers_executives(team):
    project = project_in(S.READY, team)
    with pytest.raises(TransitionConflict, match="kickoff meeting is not recorded"):
        project_kick_off(project, by=team.pm)
    with pytest.raises(ApplicationError) as exc:
        project_record_kickoff(
            project, by=team.pm, kickoff_on=dt.date(2026, 3, 2), attendees="李华", executives=""
        )
    assert "executives" in exc.value.extra
    project = project_record_kickoff(
        project, by=team.pm, kickoff_on=dt.date(2026, 3, 2), attendees="李华", executives="王总"
    )
    assert project_kick_off(project, by=team.pm).state == S.IN_PROGRESS


def test_pause_needs_a_reason_and_the_pm_or_manager_approves(team):
    project = project_in(S.IN_PROGRESS, team)
    with pytest.raises(NotPermitted):
        project_pause(project, by=team.consultant, category="problem", reason="服务器坏了很久了啊")
    with pytest.raises(ApplicationError) as exc:
        project_pause(project, by=team.pm, category="", reason="短")
    assert set(exc.value.extra) == {"category", "reason"}
    project = project_pause(
        project,
        by=team.pm,
        category=PauseCategory.CUSTOMER_NOT_READY,
        reason="客户服务器未到货，暂停两周",
        requested_by=team.consultant,
    )
    assert (project.state, project.pause_requested_by, project.pause_approved_by) == (
        S.PAUSED,
        team.consultant,
        team.pm,
    )
    assert project_resume(project, by=team.im).state == S.IN_PROGRESS


def test_terminate_only_from_paused_or_review_with_a_sufficient_reason_by_the_manager(team):
    project = project_in(S.IN_PROGRESS, team)
    reason = "客户业务调整，项目无法继续实施"
    with pytest.raises(TransitionConflict):
        project_terminate(project, by=team.im, category="unsolvable", reason=reason)
    project = project_pause(
        project, by=team.pm, category="problem", reason="接口问题无法解决，暂停评估"
    )
    with pytest.raises(NotPermitted):
        project_terminate(project, by=team.pm, category="unsolvable", reason=reason)
    with pytest.raises(ApplicationError) as exc:
        project_terminate(project, by=team.im, category="unsolvable", reason="不做了")
    assert "reason" in exc.value.extra
    project = project_terminate(
        project, by=team.im, category=TerminateCategory.UNSOLVABLE, reason=reason
    )
    assert (project.state, project.terminate_approved_by) == (S.TERMINATED, team.im)


def test_terminate_from_review_only_after_a_presales_or_product_failure(team):
    project = project_in(S.ACCEPTANCE_REVIEW, team)
    reason = "售前承诺的移动审批产品不支持"
    project_evaluate(
        project, by=team.pm, items="移动审批：不通过", outcome=EvaluationOutcome.INCOMPLETE
    )
    with pytest.raises(TransitionConflict, match="pre-sales"):
        project_terminate(
            Project.objects.get(pk=project.pk),
            by=team.im,
            category="presales_promise",
            reason=reason,
        )
    project_evaluate(
        project, by=team.pm, items="移动审批：不通过", outcome=EvaluationOutcome.PRESALES_PROMISE
    )
    project = project_terminate(
        Project.objects.get(pk=project.pk), by=team.im, category="presales_promise", reason=reason
    )
    assert project.state == S.TERMINATED


def test_acceptance_review_needs_every_stage_delivered_and_signed(team):
    project = project_in(S.IN_PROGRESS, team)
    with pytest.raises(TransitionConflict, match="Not every stage"):
        project_request_acceptance(project, by=team.pm)
    from tests.projects.factories import finish_stages

    finish_stages(project, team)
    assert project_request_acceptance(project, by=team.pm).state == S.ACCEPTANCE_REVIEW


def test_failed_evaluation_sends_incomplete_work_back_and_stages_reopen(team):
    project = project_in(S.ACCEPTANCE_REVIEW, team)
    with pytest.raises(TransitionConflict, match="did not find the stage work incomplete"):
        project_rework(project, by=team.pm)
    project_evaluate(
        project, by=team.pm, items="报表：未完成", outcome=EvaluationOutcome.INCOMPLETE
    )
    stage = project.stages.order_by("order").last()
    project = project_rework(Project.objects.get(pk=project.pk), by=team.pm, stages=[stage])
    assert project.state == S.IN_PROGRESS
    stage.refresh_from_db()
    assert stage.state == StageState.IN_PROGRESS and stage.actual_end is None
    with pytest.raises(TransitionConflict, match="Not every stage"):
        project_request_acceptance(project, by=team.pm)


def test_accept_needs_a_passed_evaluation_and_the_report_signed_by_customer_and_sales(team):
    project = project_in(S.ACCEPTANCE_REVIEW, team)
    with pytest.raises(TransitionConflict, match="evaluation has not passed"):
        project_accept(project, by=team.pm)
    project_evaluate(project, by=team.pm, items="全部通过", outcome=EvaluationOutcome.PASSED)
    project_write_acceptance(project, by=team.pm, summary="同意验收")
    customer_signs(project, ACCEPTANCE_FORM, team.pm)
    with pytest.raises(TransitionConflict, match="sales manager"):
        project_accept(Project.objects.get(pk=project.pk), by=team.pm)
    signature_record(
        target=project,
        form=ACCEPTANCE_FORM,
        signer_role="sales_manager",
        by=team.sales,
        image=signature_png(),
    )
    project = project_accept(Project.objects.get(pk=project.pk), by=team.pm)
    assert project.state == S.ACCEPTED


def test_archive_needs_every_document_reviewed_by_the_pm(team):
    project = project_in(S.ACCEPTED, team)
    doc = document_file(
        project, by=team.consultant, kind="other", title="培训签到表", file=deliverable()
    )
    with pytest.raises(TransitionConflict, match="not been reviewed"):
        project_archive(project, by=team.pm)
    documents_review(project, by=team.pm, documents=[doc])
    assert project_archive(Project.objects.get(pk=project.pk), by=team.pm).state == S.ARCHIVED


def test_transitions_are_audited_in_words(team):
    from servicedesk.core.history import panel_entries

    project = project_in(S.IN_PROGRESS, team)
    titles = [str(e["title"]) for e in panel_entries(project, limit=50)]
    assert "Implementation started" in titles
    assert "Project manager and consultants allocated" in titles
    assert not [t for t in titles if re.fullmatch(r"[a-z_.]+", t)]


# -- logs and plans ---------------------------------------------------------------------------


def test_only_confirmed_logs_count(team):
    project = project_in(S.IN_PROGRESS, team)
    write_log(project, team, dt.date(2026, 11, 30), hours="8", confirm=True)
    write_log(project, team, dt.date(2026, 12, 1), hours="4", confirm=True)
    pending = write_log(project, team, dt.date(2026, 12, 2), hours="8")
    assert pending.state == LogState.SUBMITTED
    project.refresh_from_db()
    assert project.confirmed_hours() == 12
    assert str(project.person_days()) == "1.5"
    from projects.selectors import decorate, project_list

    listed = decorate(project_list(team.im))[0]
    assert listed.hours_confirmed == 12
    assert str(listed.person_days_confirmed) == "1.5"


def test_the_plan_in_force_is_the_last_customer_signed_revision(team):
    project = project_in(S.PLANNING, team)
    first = sign_plan(project, team)
    assert project.plan_in_force == first
    second = plan_revise(
        project,
        by=team.pm,
        scope="总账、报表、供应链",
        stages=STAGES.replace("2026-03-20", "2026-03-27"),
        change_note="上线推迟一周",
    )
    project = Project.objects.get(pk=project.pk)
    assert project.plan_in_force == first  # written, not signed: not in force
    assert project.stages.get(order=2).planned_end == dt.date(2026, 3, 20)
    second = plan_review(second, by=team.im)
    customer_signs(second, PLAN_FORM, team.pm)
    project = Project.objects.get(pk=project.pk)
    assert project.plan_in_force.pk == second.pk
    assert project.stages.get(order=2).planned_end == dt.date(2026, 3, 27)
    first.refresh_from_db()
    assert first.stages[1]["planned_end"] == "2026-03-20"  # earlier ones stay readable


def test_plan_page_shows_the_change_side_by_side(team):
    project = project_in(S.PLANNING, team)
    sign_plan(project, team)
    second = plan_revise(
        project, by=team.pm, scope="总账", stages=STAGES.replace("2026-03-20", "2026-03-27")
    )
    client = Client()
    client.force_login(team.pm)
    page = client.get(f"/projects/plans/{second.pk}/").content.decode()
    assert page.count('data-changed="1"') == 1
    assert "2026-03-27" in page and "2026-03-20" in page


# -- one declaration, three channels -------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [S.APPLIED, S.PLANNING, S.READY, S.IN_PROGRESS, S.PAUSED, S.ACCEPTANCE_REVIEW, S.ACCEPTED],
)
def test_portal_admin_and_api_offer_the_same_actions(team, state):
    project = project_in(state, team)
    users = [team.im, team.pm, team.consultant, team.sales, team.outsider]
    seen = assert_channels_agree(
        PROJECT_ACTIONS,
        project,
        users,
        portal_url=f"/projects/{project.pk}/",
        api_url=f"/api/v1/projects/{project.pk}/",
    )
    assert seen[team.outsider.username] == set()


def test_stage_and_log_channels_agree(team):
    from projects.actions import LOG_ACTIONS, STAGE_ACTIONS
    from projects.services import stage_deliver, stage_start

    project = project_in(S.IN_PROGRESS, team)
    stage = stage_start(project.stages.first(), by=team.consultant)
    stage = stage_deliver(stage, by=team.consultant, deliverable=deliverable())
    users = [team.im, team.pm, team.consultant, team.outsider]
    seen = assert_channels_agree(
        STAGE_ACTIONS,
        stage,
        users,
        portal_url=f"/projects/stages/{stage.pk}/",
        api_url=f"/api/v1/project-stages/{stage.pk}/",
    )
    assert seen[team.pm.username] == {"review", "return_for_rework"}
    log = write_log(project, team, dt.date(2026, 12, 1))
    assert_channels_agree(
        LOG_ACTIONS,
        log,
        users,
        portal_url=f"/projects/logs/{log.pk}/",
        api_url=f"/api/v1/project-logs/{log.pk}/",
    )


def test_api_runs_a_declared_transition_with_the_forms_rules(team):
    project = project_in(S.IN_PROGRESS, team)
    api = APIClient()
    api.force_authenticate(team.pm)
    bad = api.post(
        f"/api/v1/projects/{project.pk}/transitions/pause/",
        {"category": "problem", "reason": "短"},
        format="json",
    )
    assert bad.status_code == 400
    ok = api.post(
        f"/api/v1/projects/{project.pk}/transitions/pause/",
        {
            "category": "problem",
            "reason": "接口问题无法解决，暂停评估",
            "requested_by": team.consultant.pk,
        },
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert Project.objects.get(pk=project.pk).state == S.PAUSED
    refused = api.post(f"/api/v1/projects/{project.pk}/transitions/archive/", {}, format="json")
    assert refused.status_code in (403, 409)


def test_a_consultant_sees_only_their_projects(team, make_user):
    mine = project_in(S.IN_PROGRESS, team)
    other = project_in(S.APPLIED, team)
    api = APIClient()
    api.force_authenticate(team.consultant)
    ids = [p["id"] for p in api.get("/api/v1/projects/").json()["results"]]
    assert ids == [mine.pk]
    assert api.get(f"/api/v1/projects/{other.pk}/").status_code == 404
