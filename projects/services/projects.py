"""Writes of implementation projects: one service per transition, each through
``transition_run`` (docs/architecture.md §transitions.run), audited in words
(``projects/history.py``). docs/domain.md §project."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role, TimeUnit
from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.people import display_name
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.files import file_attach_after_commit
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.timers import timer_cancel, timer_meet, timer_start
from servicedesk.core.services.transitions import lock

from ..choices import (
    DocumentKind,
    EvaluationOutcome,
    IncidentState,
    LogState,
    ProjectSource,
    ProjectState,
    StageState,
)
from ..models import (
    AcceptanceEvaluation,
    DailyLog,
    DataImportTask,
    Incident,
    PlanRevision,
    Project,
    ProjectDocument,
    Stage,
    is_member,
    pm_or_manager,
)

#: deadlines (docs/domain.md §project.deadlines): reminders, never blocks
STAGE_REVIEW = "stage_review"
LOG_CONFIRMATION = "log_confirmation"
STAGE_REVIEW_DAYS = 2
LOG_CONFIRMATION_DAYS = 1

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _notify(project: Project, recipients: Any, kind: str, title: str, body: str = "") -> None:
    notifications_create(
        recipients=list(recipients),
        kind=kind,
        title=title,
        body=body,
        url=project.get_absolute_url(),
        target=project,
    )


def _sales_manager(project: Project) -> Any:
    contract = project.contract
    if contract is not None and contract.sales_manager_id:
        return contract.sales_manager
    return project.customer.sales_manager


def _sales_people(project: Project) -> list[Any]:
    """The deal's sales manager, else every sales manager (someone must hear of it)."""
    manager = _sales_manager(project)
    return [manager] if manager is not None else list(users_in_roles(Role.SALES_MANAGER))


# -- application and allocation (docs/domain.md §project.application) --------------------------


def project_apply(
    *,
    by: User,
    customer: Any,
    title: str,
    contract: Any = None,
    source: str = ProjectSource.MANUAL,
    description: str = "",
    first_visit_need: Any = None,
) -> Project:
    """Open a project application; the implementation managers are told to allocate it."""
    errors: dict[str, list[str]] = {}
    if customer is None:
        errors["customer"] = [_("Which customer is the project for?")]
    if not (title or "").strip():
        errors["title"] = [_("Give the project a title.")]
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    raise_field_errors(errors)
    with transaction.atomic():
        now = timezone.now()
        project = Project(
            number=uuid.uuid4().hex[:20],
            title=title.strip()[:200],
            customer=customer,
            contract=contract,
            source=source,
            description=(description or "").strip(),
            first_visit_need=first_visit_need,
            created_at=now,
        )
        save_with_history(project, by=by, reason="applied")
        project.number = f"PJ{timezone.localtime(now):%Y%m%d}-{project.pk:05d}"
        project.save(update_fields=["number"])
        if contract is not None:
            _file_redacted_copy(project, contract, by=by)
        event_record(
            kind="project.applied",
            target=project,
            actor=by,
            data={"source": source, "contract": contract.pk if contract else None},
        )
        _notify(
            project,
            users_in_roles(Role.IMPLEMENTATION_MANAGER),
            "project_applied",
            _("Project to allocate: %(number)s %(customer)s")
            % {"number": project.number, "customer": customer},
            project.title,
        )
    return project


def _file_redacted_copy(project: Project, contract: Any, *, by: User) -> ProjectDocument | None:
    """The contract's redacted copy goes to the project; the full copy never does (it stays
    with management and sales, docs/domain.md §contract.copies)."""
    from contracts.choices import DocumentKind as ContractDocumentKind

    copy = (
        contract.documents.filter(kind=ContractDocumentKind.REDACTED)
        .order_by("-uploaded_at")
        .first()
    )
    if copy is None:
        return None
    document = ProjectDocument(
        project=project,
        kind=DocumentKind.REDACTED_CONTRACT,
        title=_("Contract %(number)s (redacted copy)") % {"number": contract.number},
        file=copy.file.name,
        contract_document=copy,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    save_with_history(document, by=by, reason="filed from the contract")
    return document


def project_allocate(
    project: Project,
    *,
    by: User,
    project_manager: Any,
    consultants: Any = (),
) -> Project:
    """The implementation manager names the PM and the consultants."""
    errors: dict[str, list[str]] = {}
    if (
        project_manager is None
        or not project_manager.groups.filter(name=Role.PROJECT_MANAGER).exists()
    ):
        errors["project_manager"] = [_("Choose a project manager.")]
    consultants = list(consultants or [])
    if not consultants:
        errors["consultants"] = [_("Choose at least one consultant.")]
    raise_field_errors(errors)
    with transaction.atomic():
        project = transition_run(
            instance=project,
            name="allocate",
            by=by,
            kwargs={"project_manager": project_manager, "implementation_manager": by},
            update_fields=["project_manager", "implementation_manager"],
            event_data={
                "project_manager": display_name(project_manager),
                "consultants": [display_name(c) for c in consultants],
            },
        )
        project.consultants.set(consultants)
        _notify(
            project,
            [project_manager, *consultants],
            "project_allocated",
            _("You are on project %(number)s %(customer)s")
            % {"number": project.number, "customer": project.customer},
            project.title,
        )
    return project


def project_start_planning(project: Project, *, by: User) -> Project:
    with transaction.atomic():
        return transition_run(instance=project, name="start_planning", by=by)


def project_confirm_ready(project: Project, *, by: User) -> Project:
    with transaction.atomic():
        return transition_run(instance=project, name="confirm_ready", by=by)


def project_record_kickoff(
    project: Project, *, by: User, kickoff_on: dt.date, attendees: str, executives: str
) -> Project:
    """The kickoff meeting (启动会): date, attendees, the customer's executives present."""
    errors: dict[str, list[str]] = {}
    if kickoff_on is None:
        errors["kickoff_on"] = [_("When was the kickoff meeting?")]
    if not (attendees or "").strip():
        errors["attendees"] = [_("Who attended?")]
    if not (executives or "").strip():
        errors["executives"] = [_("Which of the customer's executives attended?")]
    raise_field_errors(errors)
    with transaction.atomic():
        project = lock(project)
        if project.state != ProjectState.READY:
            raise ApplicationError(_("The kickoff is recorded once the project is ready."))
        project.kickoff_on = kickoff_on
        project.kickoff_attendees = attendees.strip()
        project.kickoff_executives = executives.strip()
        save_with_history(
            project,
            by=by,
            reason="kickoff recorded",
            fields=["kickoff_on", "kickoff_attendees", "kickoff_executives"],
        )
        event_record(kind="project.kickoff_recorded", target=project, actor=by)
    return project


def project_kick_off(project: Project, *, by: User) -> Project:
    with transaction.atomic():
        return transition_run(instance=project, name="kick_off", by=by)


def project_pause(
    project: Project, *, by: User, category: str, reason: str, requested_by: Any = None
) -> Project:
    """Pause on a consultant's request, approved by the PM or the implementation manager
    (the user running it)."""
    with transaction.atomic():
        return transition_run(
            instance=project,
            name="pause",
            by=by,
            kwargs={
                "category": category,
                "reason": reason or "",
                "requested_by": requested_by or by,
                "approved_by": by,
            },
            update_fields=[
                "pause_category",
                "pause_reason",
                "pause_requested_by",
                "pause_approved_by",
            ],
            event_data={"category": category, "reason": (reason or "").strip()},
        )


def project_resume(project: Project, *, by: User) -> Project:
    with transaction.atomic():
        return transition_run(instance=project, name="resume", by=by)


def project_terminate(project: Project, *, by: User, category: str, reason: str) -> Project:
    """Only from paused or acceptance review, with a sufficient reason, approved by the
    implementation manager (the user running it)."""
    with transaction.atomic():
        project = transition_run(
            instance=project,
            name="terminate",
            by=by,
            kwargs={"category": category, "reason": reason or "", "approved_by": by},
            update_fields=["terminate_category", "terminate_reason", "terminate_approved_by"],
            event_data={"category": category, "reason": (reason or "").strip()},
        )
        for stage in project.stages.all():
            timer_cancel(subject=stage, target=STAGE_REVIEW)
        _notify(
            project,
            [_sales_manager(project), project.project_manager],
            "project_terminated",
            _("Project terminated: %(number)s %(customer)s")
            % {"number": project.number, "customer": project.customer},
            project.terminate_reason,
        )
    return project


def project_request_acceptance(project: Project, *, by: User) -> Project:
    with transaction.atomic():
        return transition_run(instance=project, name="request_acceptance", by=by)


def project_evaluate(
    project: Project, *, by: User, items: str, outcome: str, note: str = ""
) -> AcceptanceEvaluation:
    """Record the acceptance evaluation (items and results) during acceptance review."""
    errors: dict[str, list[str]] = {}
    if not (items or "").strip():
        errors["items"] = [_("List the items checked and their results.")]
    if outcome not in EvaluationOutcome.values:
        errors["outcome"] = [_("Choose the outcome.")]
    raise_field_errors(errors)
    with transaction.atomic():
        project = lock(project)
        if project.state != ProjectState.ACCEPTANCE_REVIEW:
            raise ApplicationError(_("The evaluation is made during the acceptance review."))
        if not pm_or_manager(project, by):
            raise NotPermitted(_("You may not perform this action."))
        evaluation = AcceptanceEvaluation(
            project=project,
            items=items.strip(),
            outcome=outcome,
            note=(note or "").strip(),
            evaluated_by=by,
        )
        save_with_history(evaluation, by=by, reason="evaluated")
        event_record(
            kind="project.evaluated",
            target=project,
            actor=by,
            data={"outcome": outcome},
        )
    return evaluation


def project_rework(project: Project, *, by: User, stages: Any = (), note: str = "") -> Project:
    """A failed evaluation for incomplete stage work sends the project back to work; the
    stages named are reopened."""
    with transaction.atomic():
        project = transition_run(instance=project, name="rework", by=by)
        last = project.last_evaluation
        reason = (note or "").strip() or (last.items if last else "")
        for stage in stages or ():
            transition_run(
                instance=stage,
                name="reopen",
                by=by,
                kwargs={"note": reason},
                update_fields=["review_note", "actual_end", "signed_at"],
            )
    return project


def project_write_acceptance(project: Project, *, by: User, summary: str) -> Project:
    """The acceptance report (项目验收报告) the PM fills; the customer and the sales manager
    sign its printed form."""
    if not (summary or "").strip():
        raise_field_errors({"summary": [_("Write the acceptance report.")]})
    with transaction.atomic():
        project = lock(project)
        if project.state != ProjectState.ACCEPTANCE_REVIEW:
            raise ApplicationError(_("The acceptance report is written during the review."))
        project.acceptance_summary = summary.strip()
        save_with_history(project, by=by, reason="acceptance report", fields=["acceptance_summary"])
    return project


def project_accept(project: Project, *, by: User, on: dt.date | None = None) -> Project:
    """Accept; when the contract's free service period starts at acceptance, it starts now
    (its dates follow, through the contracts app's service)."""
    on = on or timezone.localdate()
    with transaction.atomic():
        project = transition_run(
            instance=project,
            name="accept",
            by=by,
            kwargs={"on": on},
            update_fields=["accepted_on"],
        )
        contract = project.contract
        if contract is not None and getattr(contract, "free_period_from_acceptance", False):
            from contracts.services import contract_start_free_period

            contract_start_free_period(contract, by=by, starts_on=on)
        _notify(
            project,
            [_sales_manager(project), project.implementation_manager],
            "project_accepted",
            _("Project accepted: %(number)s %(customer)s")
            % {"number": project.number, "customer": project.customer},
        )
    return project


def project_archive(project: Project, *, by: User) -> Project:
    with transaction.atomic():
        return transition_run(instance=project, name="archive", by=by)


# -- plan revisions (docs/domain.md §project.plan) -------------------------------------------------


def _clean_stages(rows: Any) -> list[dict[str, str]]:
    """``name | start | end | deliverables`` per line, or a list of dicts."""
    if isinstance(rows, str):
        parsed = []
        for line in rows.splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            parts += [""] * (4 - len(parts))
            parsed.append(
                {
                    "name": parts[0],
                    "planned_start": parts[1],
                    "planned_end": parts[2],
                    "deliverables": parts[3],
                }
            )
        rows = parsed
    cleaned = []
    for index, row in enumerate(rows or [], start=1):
        try:
            start = dt.date.fromisoformat(str(row.get("planned_start", "")))
            end = dt.date.fromisoformat(str(row.get("planned_end", "")))
        except ValueError:
            raise_field_errors(
                {"stages": [_("Line %(n)s: give the dates as 2026-03-01.") % {"n": index}]}
            )
        if not str(row.get("name", "")).strip():
            raise_field_errors({"stages": [_("Line %(n)s: name the stage.") % {"n": index}]})
        if end < start:
            raise_field_errors(
                {"stages": [_("Line %(n)s: the stage ends before it starts.") % {"n": index}]}
            )
        cleaned.append(
            {
                "name": str(row["name"]).strip()[:120],
                "planned_start": start.isoformat(),
                "planned_end": end.isoformat(),
                "deliverables": str(row.get("deliverables", "")).strip(),
            }
        )
    if not cleaned:
        raise_field_errors({"stages": [_("The plan needs at least one stage.")]})
    return cleaned


def plan_revise(
    project: Project, *, by: User, scope: str, stages: Any, summary: str = "", change_note: str = ""
) -> PlanRevision:
    """Write a new plan revision; it takes effect only once the customer signs it."""
    if not (scope or "").strip():
        raise_field_errors({"scope": [_("State the scope.")]})
    rows = _clean_stages(stages)
    with transaction.atomic():
        project = lock(project)
        if project.state in (ProjectState.APPLIED, ProjectState.ALLOCATED) or project.state in (
            ProjectState.ACCEPTED,
            ProjectState.ARCHIVED,
            ProjectState.TERMINATED,
        ):
            raise ApplicationError(_("The plan is written from planning until acceptance."))
        if not pm_or_manager(project, by):
            raise NotPermitted(_("You may not perform this action."))
        last = project.plan_revisions.order_by("-number").first()
        revision = PlanRevision(
            project=project,
            number=(last.number + 1) if last else 1,
            scope=scope.strip(),
            summary=(summary or "").strip(),
            change_note=(change_note or "").strip(),
            stages=rows,
            created_by=by,
        )
        save_with_history(revision, by=by, reason="written")
        event_record(
            kind="project.plan_revised",
            target=project,
            actor=by,
            data={"revision": revision.number},
        )
        _notify(
            project,
            users_in_roles(Role.IMPLEMENTATION_MANAGER),
            "plan_to_review",
            _("Plan revision %(n)s to review: %(number)s")
            % {"n": revision.number, "number": project.number},
        )
    return revision


def plan_review(revision: PlanRevision, *, by: User) -> PlanRevision:
    """The implementation manager reviewed the revision; when the customer has signed it
    already, it is in force at once."""
    from ..models import revision_customer_signed

    with transaction.atomic():
        revision = transition_run(
            instance=revision,
            name="review",
            by=by,
            kwargs={"by": by},
            update_fields=["reviewed_by", "reviewed_at"],
        )
        if revision_customer_signed(revision):
            revision = plan_sign(revision, by=by)
    return revision


def plan_sign(revision: PlanRevision, *, by: User) -> PlanRevision:
    """The customer signed the revision: it is now the plan in force, and the project's
    stages follow its schedule (actual dates and states are kept)."""
    with transaction.atomic():
        revision = transition_run(
            instance=revision, name="sign", by=by, update_fields=["signed_at"]
        )
        project = revision.project
        _stages_follow(project, revision, by=by)
        event_record(
            kind="project.plan_in_force",
            target=project,
            actor=by,
            data={"revision": revision.number},
        )
    return revision


def _stages_follow(project: Project, revision: PlanRevision, *, by: User) -> None:
    existing = {s.order: s for s in project.stages.all()}
    for order, row in enumerate(revision.stages, start=1):
        stage = existing.get(order) or Stage(project=project, order=order)
        stage.name = row["name"]
        stage.deliverables = row.get("deliverables", "")
        stage.planned_start = dt.date.fromisoformat(row["planned_start"])
        stage.planned_end = dt.date.fromisoformat(row["planned_end"])
        save_with_history(stage, by=by, reason="planned")
    for order, stage in existing.items():
        if order > len(revision.stages) and stage.state == StageState.PLANNED:
            stage.delete()


def plan_compare(old: PlanRevision | None, new: PlanRevision) -> list[dict[str, Any]]:
    """The two revisions side by side, stage by stage, with what changed."""
    rows = []
    before = old.stages if old else []
    after = new.stages
    for index in range(max(len(before), len(after))):
        a = before[index] if index < len(before) else None
        b = after[index] if index < len(after) else None
        rows.append({"old": a, "new": b, "changed": a != b})
    return rows


# -- stages (docs/domain.md §project.stages) ------------------------------------------------------


def stage_start(stage: Stage, *, by: User, on: dt.date | None = None) -> Stage:
    with transaction.atomic():
        return transition_run(
            instance=stage,
            name="start",
            by=by,
            kwargs={"on": on or timezone.localdate()},
            update_fields=["actual_start"],
        )


def stage_deliver(stage: Stage, *, by: User, deliverable: Any = None) -> Stage:
    """Upload the deliverable and submit it; the PM has 2 working days to review it."""
    if deliverable is None and not stage.deliverable:
        raise_field_errors({"deliverable": [_("Upload the stage's deliverable.")]})
    with transaction.atomic():
        stage = transition_run(
            instance=stage, name="deliver", by=by, update_fields=["delivered_at"]
        )
        if deliverable is not None:
            file_attach_after_commit(stage, "deliverable", deliverable)
        project = stage.project
        timer_start(
            subject=stage,
            target=STAGE_REVIEW,
            amount=STAGE_REVIEW_DAYS,
            unit=TimeUnit.WORKING_DAYS,
            assignee=project.project_manager,
            owner_role=Role.PROJECT_MANAGER,
        )
        _notify(
            project,
            [project.project_manager],
            "stage_delivered",
            _("Stage result to review: %(stage)s (%(number)s)")
            % {"stage": stage.name, "number": project.number},
        )
    return stage


def stage_review(stage: Stage, *, by: User, note: str = "") -> Stage:
    with transaction.atomic():
        stage = transition_run(
            instance=stage,
            name="review",
            by=by,
            kwargs={"by": by, "note": (note or "").strip()},
            update_fields=["reviewed_by", "reviewed_at", "review_note"],
        )
        timer_meet(subject=stage, target=STAGE_REVIEW)
    return stage


def stage_return(stage: Stage, *, by: User, note: str) -> Stage:
    if not (note or "").strip():
        raise_field_errors({"note": [_("Say what is missing.")]})
    with transaction.atomic():
        stage = transition_run(
            instance=stage,
            name="return_for_rework",
            by=by,
            kwargs={"note": note.strip()},
            update_fields=["review_note"],
        )
        timer_meet(subject=stage, target=STAGE_REVIEW)
    return stage


def stage_sign(stage: Stage, *, by: User) -> Stage:
    with transaction.atomic():
        return transition_run(
            instance=stage,
            name="sign",
            by=by,
            kwargs={"on": timezone.localdate()},
            update_fields=["signed_at", "actual_end"],
        )


# -- daily logs (docs/domain.md §project.logs) ----------------------------------------------------


def _log_input_check(*, day: dt.date, work_done: str, hours: Decimal) -> None:
    errors: dict[str, list[str]] = {}
    if not (work_done or "").strip():
        errors["work_done"] = [_("Describe the work done.")]
    if hours is None or not (Decimal("0.5") <= Decimal(hours) <= Decimal(24)):
        errors["hours"] = [_("Hours are between 0.5 and 24.")]
    if day is None or day > timezone.localdate():
        errors["day"] = [_("A log is written for today or an earlier day.")]
    raise_field_errors(errors)


def _log_writer_check(project: Project, by: User) -> None:
    if project.state not in (ProjectState.IN_PROGRESS, ProjectState.READY):
        raise ApplicationError(_("Logs are written while the project is in progress."))
    if not (by.has_perm("projects.work_project") and is_member(project, by)):
        raise NotPermitted(_("Only the project's consultants write its logs."))


def log_write(
    project: Project,
    *,
    by: User,
    day: dt.date,
    work_done: str,
    hours: Decimal,
    issues: str = "",
    next_steps: str = "",
    stage: Stage | None = None,
    submit: bool = True,
) -> DailyLog:
    """A consultant's log of one day (one per consultant and day); submitted at once unless
    kept as a draft."""
    _log_input_check(day=day, work_done=work_done, hours=hours)
    with transaction.atomic():
        project = lock(project)
        _log_writer_check(project, by)
        log = DailyLog.objects.filter(project=project, consultant=by, day=day).first()
        if log is not None and log.state != LogState.DRAFT:
            raise_field_errors({"day": [_("Your log of this day is already submitted.")]})
        log = log or DailyLog(project=project, consultant=by, day=day)
        log.work_done = work_done.strip()
        log.hours = Decimal(hours)
        log.issues = (issues or "").strip()
        log.next_steps = (next_steps or "").strip()
        log.stage = stage
        save_with_history(log, by=by, reason="written")
        if submit:
            log = log_submit(log, by=by)
    return log


def log_submit(log: DailyLog, *, by: User) -> DailyLog:
    """Submitted: the customer confirms it by the end of the next working day (a reminder)."""
    with transaction.atomic():
        log = transition_run(instance=log, name="submit", by=by, update_fields=["submitted_at"])
        timer_start(
            subject=log,
            target=LOG_CONFIRMATION,
            amount=LOG_CONFIRMATION_DAYS,
            unit=TimeUnit.WORKING_DAYS,
            assignee=log.consultant,
        )
    return log


def log_confirm(log: DailyLog, *, by: User) -> DailyLog:
    with transaction.atomic():
        log = transition_run(instance=log, name="confirm", by=by, update_fields=["confirmed_at"])
        timer_meet(subject=log, target=LOG_CONFIRMATION)
    return log


# -- documents -------------------------------------------------------------------------------------


def document_file(
    project: Project, *, by: User, kind: str, title: str, file: Any
) -> ProjectDocument:
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose the kind of document.")]
    if file is None:
        errors["file"] = [_("Choose the file.")]
    raise_field_errors(errors)
    with transaction.atomic():
        project = lock(project)
        if not (is_member(project, by)):
            raise NotPermitted(_("Only the project's members file its documents."))
        document = ProjectDocument(
            project=project,
            kind=kind,
            title=(title or "").strip()[:200] or str(DocumentKind(kind).label),
            uploaded_by=by,
        )
        save_with_history(document, by=by, reason="filed")
        file_attach_after_commit(document, "file", file)
        event_record(
            kind="project.document_filed",
            target=project,
            actor=by,
            data={"document": document.pk, "kind": kind, "title": document.title},
        )
    return document


def documents_review(project: Project, *, by: User, documents: Any) -> int:
    """The PM reviews filed documents (archiving needs every one reviewed)."""
    with transaction.atomic():
        project = lock(project)
        if not pm_or_manager(project, by):
            raise NotPermitted(_("You may not perform this action."))
        count = 0
        for document in documents:
            if document.project_id != project.pk or document.reviewed_at is not None:
                continue
            document.reviewed_by = by
            document.reviewed_at = timezone.now()
            save_with_history(
                document, by=by, reason="reviewed", fields=["reviewed_by", "reviewed_at"]
            )
            count += 1
        event_record(
            kind="project.documents_reviewed", target=project, actor=by, data={"count": count}
        )
    return count


# -- incidents and data import (docs/domain.md §project.incidents, §project.data-import) ----------


def incident_record(
    project: Project, *, by: User, description: str, impact: str = "", occurred_at: Any = None
) -> Incident:
    """Recorded and escalated at once to the implementation manager and the sales manager."""
    if not (description or "").strip():
        raise_field_errors({"description": [_("Describe what happened.")]})
    with transaction.atomic():
        project = lock(project)
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members record its incidents."))
        incident = Incident(
            project=project,
            description=description.strip(),
            impact=(impact or "").strip(),
            occurred_at=occurred_at or timezone.now(),
            reported_by=by,
        )
        save_with_history(incident, by=by, reason="recorded")
        recipients = [
            *users_in_roles(Role.IMPLEMENTATION_MANAGER),
            project.implementation_manager,
            *_sales_people(project),
        ]
        _notify(
            project,
            recipients,
            "project_incident",
            _("Incident on site: %(number)s %(customer)s")
            % {"number": project.number, "customer": project.customer},
            incident.description,
        )
        event_record(
            kind="project.incident_recorded",
            target=project,
            actor=by,
            data={"incident": incident.pk, "description": incident.description[:200]},
        )
    return incident


def incident_close(project: Project, *, by: User, incident: Incident, resolution: str) -> Incident:
    if not (resolution or "").strip():
        raise_field_errors({"resolution": [_("How was it resolved?")]})
    if incident.project_id != project.pk or incident.state != IncidentState.OPEN:
        raise_field_errors({"incident": [_("Choose an open incident of this project.")]})
    with transaction.atomic():
        if not pm_or_manager(project, by):
            raise NotPermitted(_("You may not perform this action."))
        incident = transition_run(
            instance=incident,
            name="close",
            by=by,
            kwargs={"resolution": resolution.strip()},
            update_fields=["resolution", "closed_at"],
        )
    return incident


def data_import_create(project: Project, *, by: User, description: str) -> DataImportTask:
    """Free when the contract says we import the customer's data; otherwise out-of-scope
    work, routed to the sales manager like any other (docs/domain.md §project.data-import)."""
    if not (description or "").strip():
        raise_field_errors({"description": [_("Describe the data to import.")]})
    contract = project.contract
    free = bool(contract is not None and contract.free_data_import)
    charge_note = ""
    if not free:
        charge_note = _charge_note(project)
    with transaction.atomic():
        project = lock(project)
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members create its tasks."))
        task = DataImportTask(
            project=project,
            description=description.strip(),
            free=free,
            charge_note=charge_note,
            created_by=by,
        )
        save_with_history(task, by=by, reason="created")
        if not free:
            _notify(
                project,
                _sales_people(project),
                "data_import_charged",
                _("Charged data import to agree with the customer: %(number)s %(customer)s")
                % {"number": project.number, "customer": project.customer},
                f"{task.description}\n{charge_note}",
            )
        event_record(
            kind="project.data_import_created",
            target=project,
            actor=by,
            data={"task": task.pk, "free": free},
        )
    return task


def _charge_note(project: Project) -> str:
    from contracts.choices import ServiceType
    from contracts.entitlement import _charge

    charge = _charge(project.contract, ServiceType.DATA_SERVICE, None)
    if charge is not None:
        return _("Charged per the charging standard: ¥%(price)s %(unit)s") % {
            "price": charge.price,
            "unit": charge.unit_display,
        }
    return _("Charged: the sales manager agrees the price with the customer.")


def data_import_finish(project: Project, *, by: User, task: DataImportTask) -> DataImportTask:
    if task.project_id != project.pk:
        raise_field_errors({"task": [_("Choose an open task of this project.")]})
    with transaction.atomic():
        if not is_member(project, by):
            raise NotPermitted(_("You may not perform this action."))
        return transition_run(instance=task, name="finish", by=by, update_fields=["done_at"])


# -- requirements raised during implementation (docs/domain.md §project.requirements) ------------


def project_raise_requirement(
    project: Project, *, by: User, title: str, description: str, intent: str, product: str = ""
) -> Any:
    """The customer's new requirement goes to the requirements pipeline (defects app) with
    the project linked; the project page lists it with its state."""
    from defects.services import requirement_record

    with transaction.atomic():
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members raise its requirements."))
        requirement = requirement_record(
            by=by,
            customer=project.customer,
            contract=project.contract,
            title=title,
            description=description,
            intent=intent,
            product=product or "",
        )
        requirement.project = project
        save_with_history(
            requirement, by=by, reason="raised during implementation", fields=["project"]
        )
        event_record(
            kind="project.requirement_raised",
            target=project,
            actor=by,
            data={"requirement": requirement.pk, "number": requirement.number},
        )
    return requirement


def project_readiness_confirmed(project: Project, *, by: User) -> Project:
    """The customer signed the readiness confirmation (项目实施前准备事项确认书)."""
    with transaction.atomic():
        project = lock(project)
        if project.readiness_confirmed_at is None:
            project.readiness_confirmed_at = timezone.now()
            save_with_history(
                project, by=by, reason="readiness confirmed", fields=["readiness_confirmed_at"]
            )
            event_record(kind="project.readiness_confirmed", target=project, actor=by)
    return project


# -- survey issues (docs/domain.md §project.survey) -----------------------------------------------


def survey_issue_record(project: Project, *, by: User, description: str) -> Any:
    from ..models import SurveyIssue

    if not (description or "").strip():
        raise_field_errors({"description": [_("Describe the issue the survey found.")]})
    with transaction.atomic():
        project = lock(project)
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members record its survey issues."))
        issue = SurveyIssue(project=project, description=description.strip(), raised_by=by)
        save_with_history(issue, by=by, reason="recorded")
        event_record(
            kind="project.survey_issue_recorded",
            target=project,
            actor=by,
            data={"issue": issue.pk, "description": issue.description[:200]},
        )
    return issue


def survey_issue_opinion(project: Project, *, by: User, issue: Any, opinion: str) -> Any:
    """One of the two reviewers' opinions (问题处理意见书); the same person gives one."""
    from ..models import SurveyIssue

    if not (opinion or "").strip():
        raise_field_errors({"opinion": [_("Write your opinion.")]})
    with transaction.atomic():
        issue = SurveyIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.project_id != project.pk or issue.state != SurveyIssue.State.OPEN:
            raise_field_errors({"issue": [_("Choose an open issue of this project.")]})
        if not pm_or_manager(project, by):
            raise NotPermitted(_("You may not perform this action."))
        if by.pk in (issue.reviewer_1_id, issue.reviewer_2_id):
            raise_field_errors({"issue": [_("You have given your opinion on this issue.")]})
        if not issue.opinion_1:
            issue.opinion_1, issue.reviewer_1 = opinion.strip(), by
        elif not issue.opinion_2:
            issue.opinion_2, issue.reviewer_2 = opinion.strip(), by
        else:
            raise_field_errors({"issue": [_("Two reviewers have given their opinions.")]})
        save_with_history(issue, by=by, reason="opinion given")
    return issue


def survey_issue_decide(project: Project, *, by: User, issue: Any, decision: str) -> Any:
    """The director decides the issue on the two opinions."""
    if not (decision or "").strip():
        raise_field_errors({"decision": [_("Write the decision.")]})
    if issue.project_id != project.pk:
        raise_field_errors({"issue": [_("Choose an open issue of this project.")]})
    with transaction.atomic():
        return transition_run(
            instance=issue,
            name="decide",
            by=by,
            kwargs={"decision": decision.strip(), "by": by},
            update_fields=["decision", "decided_by", "decided_at"],
        )
