"""Helpers for project tests: the people, and a project driven to any state through the
same services users call (docs/domain.md §project)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from projects.choices import EvaluationOutcome, PauseCategory, ProjectState
from projects.models import (
    ACCEPTANCE_FORM,
    LOG_FORM,
    PLAN_FORM,
    READINESS_FORM,
    STAGE_FORM,
    Project,
)
from projects.services import (
    documents_review,
    log_write,
    plan_review,
    plan_revise,
    project_accept,
    project_allocate,
    project_apply,
    project_confirm_ready,
    project_evaluate,
    project_kick_off,
    project_record_kickoff,
    project_request_acceptance,
    project_start_planning,
    project_write_acceptance,
    stage_deliver,
    stage_review,
    stage_start,
)
from servicedesk.core.choices import Role
from servicedesk.core.services import signature_record
from tests.fieldservice.factories import signature_png
from tests.tickets.factories import make_customer

STAGES = "调研 | 2026-03-02 | 2026-03-06 | 调研报告\n上线 | 2026-03-09 | 2026-03-20 | 上线确认单"


@dataclass
class Team:
    im: Any
    pm: Any
    consultant: Any
    sales: Any
    outsider: Any


def make_team(make_user: Any) -> Team:
    return Team(
        im=make_user(Role.IMPLEMENTATION_MANAGER, last_name="孙", first_name="丽"),
        pm=make_user(Role.PROJECT_MANAGER, last_name="李", first_name="华"),
        consultant=make_user(Role.CONSULTANT, last_name="周", first_name="强"),
        sales=make_user(Role.SALES_MANAGER, last_name="钱", first_name="军"),
        outsider=make_user(Role.CONSULTANT, last_name="外", first_name="人"),
    )


def customer_signs(obj: Any, form: str, witness: Any) -> None:
    signature_record(
        target=obj,
        form=form,
        signer_role="customer",
        signer_name="王总",
        image=signature_png(),
        by=witness,
    )


def deliverable() -> SimpleUploadedFile:
    return SimpleUploadedFile("result.pdf", b"%PDF-1.4 deliverable\n%%EOF\n", "application/pdf")


def project_in(
    state: str,
    team: Team,
    *,
    customer: Any = None,
    contract: Any = None,
    project: Project | None = None,
) -> Project:
    """A project driven to ``state`` through the services (from ``project`` when given)."""
    customer = customer or (contract.customer if contract else make_customer(team.sales))
    p = project or project_apply(by=team.im, customer=customer, contract=contract, title="U8 实施")
    if state == ProjectState.APPLIED:
        return p
    p = project_allocate(p, by=team.im, project_manager=team.pm, consultants=[team.consultant])
    if state == ProjectState.ALLOCATED:
        return p
    p = project_start_planning(p, by=team.pm)
    if state == ProjectState.PLANNING:
        return p
    sign_plan(p, team)
    customer_signs(p, READINESS_FORM, team.pm)
    p = project_confirm_ready(Project.objects.get(pk=p.pk), by=team.pm)
    if state == ProjectState.READY:
        return p
    p = project_record_kickoff(
        p,
        by=team.pm,
        kickoff_on=dt.date(2026, 3, 2),
        attendees="李华、周强、王总",
        executives="王总（总经理）",
    )
    p = project_kick_off(p, by=team.pm)
    if state == ProjectState.IN_PROGRESS:
        return p
    if state == ProjectState.PAUSED:
        from projects.services import project_pause

        return project_pause(
            p,
            by=team.pm,
            category=PauseCategory.CUSTOMER_NOT_READY,
            reason="客户服务器未到货，暂停两周",
            requested_by=team.consultant,
        )
    finish_stages(p, team)
    p = project_request_acceptance(Project.objects.get(pk=p.pk), by=team.pm)
    if state == ProjectState.ACCEPTANCE_REVIEW:
        return p
    project_evaluate(p, by=team.pm, items="总账、报表：通过", outcome=EvaluationOutcome.PASSED)
    project_write_acceptance(p, by=team.pm, summary="系统上线运行正常，同意验收。")
    customer_signs(p, ACCEPTANCE_FORM, team.pm)
    signature_record(
        target=p,
        form=ACCEPTANCE_FORM,
        signer_role="sales_manager",
        by=team.sales,
        image=signature_png(),
    )
    p = project_accept(Project.objects.get(pk=p.pk), by=team.pm, on=timezone.localdate())
    if state == ProjectState.ACCEPTED:
        return p
    documents_review(p, by=team.pm, documents=list(p.documents.all()))
    from projects.services import project_archive

    return project_archive(p, by=team.pm)


def sign_plan(project: Project, team: Team, stages: str = STAGES, note: str = "") -> Any:
    revision = plan_revise(
        project, by=team.pm, scope="总账、报表、供应链", stages=stages, change_note=note
    )
    revision = plan_review(revision, by=team.im)
    customer_signs(revision, PLAN_FORM, team.pm)
    revision.refresh_from_db()
    return revision


def finish_stages(project: Project, team: Team) -> None:
    for stage in project.stages.exclude(state="signed"):
        if stage.state == "planned":
            stage = stage_start(stage, by=team.consultant)
        stage = stage_deliver(stage, by=team.consultant, deliverable=deliverable())
        stage = stage_review(stage, by=team.pm)
        customer_signs(stage, STAGE_FORM, team.pm)


def write_log(project: Project, team: Team, day: dt.date, hours: str = "8", confirm=False):
    log = log_write(
        project,
        by=team.consultant,
        day=day,
        work_done="总账初始化",
        hours=Decimal(hours),
        issues="",
        next_steps="报表",
    )
    if confirm:
        customer_signs(log, LOG_FORM, team.consultant)
        log.refresh_from_db()
    return log
