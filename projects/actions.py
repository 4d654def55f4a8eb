"""What users can do to projects, stages, daily logs and plan revisions, declared once
(servicedesk/core/actions.py; docs/architecture.md §action-layer): the portal's panels,
the admin's buttons and the API's transitions are built from these sets.

Customer signatures (plan revision, readiness, stage sign-off, daily log, acceptance
report) are given on the printed form's signing page; the ``form.signed`` subscriber then
runs the transition (docs/domain.md §project.signatures)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import forms as f
from . import services as s
from .choices import ACTIVE_STATES, ImportState, IncidentState, ProjectState
from .models import (
    DailyLog,
    HandoverVersion,
    PlanRevision,
    Project,
    Stage,
    is_member,
    pm_or_manager,
)
from .services.import_template import TEMPLATE_STATES

_PLANNING_ON = {
    ProjectState.PLANNING,
    ProjectState.READY,
    ProjectState.IN_PROGRESS,
    ProjectState.PAUSED,
    ProjectState.ACCEPTANCE_REVIEW,
}


def _project(obj: Any) -> dict[str, Any]:
    return {"project": obj}


def _runs(project: Project, user: Any) -> bool:
    return pm_or_manager(project, user)


def _member_active(project: Project, user: Any) -> bool:
    return project.state in ACTIVE_STATES and is_member(project, user)


PROJECT_ACTIONS = ActionSet(
    Project,
    [
        Action(
            "allocate",
            _("Allocate"),
            s.project_allocate,
            form=f.AllocateForm,
            icon="people",
            primary=True,
            help=_("Name the project manager and the consultants."),
        ),
        Action("start_planning", _("Start planning"), s.project_start_planning, icon="map"),
        Action(
            "revise_plan",
            _("Write a plan revision"),
            s.plan_revise,
            form=f.PlanForm,
            permission="projects.run_project",
            when=lambda p, u: p.state in _PLANNING_ON and _runs(p, u),
            icon="calendar-range",
            help=_(
                "A revision takes effect only once the implementation manager reviewed it "
                "and the customer signed it."
            ),
            initial=lambda p, u: _plan_initial(p),
        ),
        Action(
            "file_document",
            _("File a document"),
            s.document_file,
            form=f.DocumentForm,
            permission="projects.add_projectdocument",
            when=lambda p, u: p.state != ProjectState.ARCHIVED and is_member(p, u),
            icon="paperclip",
        ),
        Action(
            "review_documents",
            _("Review documents"),
            s.documents_review,
            form=f.ReviewDocumentsForm,
            permission="projects.run_project",
            when=lambda p, u: _runs(p, u) and any(d.reviewed_at is None for d in p.documents.all()),
            form_kwargs=lambda p, u: _project(p),
            icon="check2-square",
        ),
        Action(
            "record_survey_issue",
            _("Record a survey issue"),
            s.survey_issue_record,
            form=f.SurveyIssueForm,
            permission="projects.work_project",
            when=lambda p, u: p.state in _PLANNING_ON and is_member(p, u),
            icon="search",
            help=_(
                "An issue the survey report found; two reviewers give opinions, the "
                "director decides."
            ),
        ),
        Action(
            "give_opinion",
            _("Give an opinion on a survey issue"),
            s.survey_issue_opinion,
            form=f.OpinionForm,
            permission="projects.run_project",
            when=lambda p, u: _runs(p, u) and any(i.state == "open" for i in p.survey_issues.all()),
            form_kwargs=lambda p, u: _project(p),
            icon="chat-left-text",
        ),
        Action(
            "decide_issue",
            _("Decide a survey issue"),
            s.survey_issue_decide,
            form=f.DecideForm,
            permission="projects.decide_surveyissue",
            when=lambda p, u: any(i.state == "open" and i.opinion_2 for i in p.survey_issues.all()),
            form_kwargs=lambda p, u: _project(p),
            icon="hammer",
        ),
        Action(
            "confirm_ready",
            _("Confirm ready"),
            s.project_confirm_ready,
            icon="flag",
            primary=True,
        ),
        Action(
            "record_kickoff",
            _("Record the kickoff meeting"),
            s.project_record_kickoff,
            form=f.KickoffForm,
            permission="projects.run_project",
            when=lambda p, u: p.state == ProjectState.READY and _runs(p, u),
            icon="megaphone",
        ),
        Action(
            "kick_off", _("Start implementation"), s.project_kick_off, icon="play", primary=True
        ),
        Action(
            "pause",
            _("Pause"),
            s.project_pause,
            form=f.PauseForm,
            form_kwargs=lambda p, u: _project(p),
            icon="pause",
            help=_("A consultant asks; you approve by pausing."),
        ),
        Action("resume", _("Resume"), s.project_resume, icon="play", primary=True),
        Action(
            "record_incident",
            _("Record an incident"),
            s.incident_record,
            form=f.IncidentForm,
            permission="projects.add_incident",
            when=_member_active,
            icon="exclamation-octagon",
            help=_("Escalated at once to the implementation manager and the sales manager."),
        ),
        Action(
            "close_incident",
            _("Close an incident"),
            s.incident_close,
            form=f.IncidentCloseForm,
            permission="projects.run_project",
            when=lambda p, u: (
                _runs(p, u) and any(i.state == IncidentState.OPEN for i in p.incidents.all())
            ),
            form_kwargs=lambda p, u: _project(p),
            icon="check-circle",
        ),
        Action(
            "create_import",
            _("Data-import task"),
            s.data_import_create,
            form=f.ImportForm,
            permission="projects.add_dataimporttask",
            when=_member_active,
            icon="database-add",
            help=_("Free when the contract says so; otherwise the sales manager agrees a charge."),
        ),
        Action(
            "finish_import",
            _("Data import done"),
            s.data_import_finish,
            form=f.ImportFinishForm,
            permission="projects.add_dataimporttask",
            when=lambda p, u: (
                is_member(p, u) and any(t.state == ImportState.OPEN for t in p.imports.all())
            ),
            form_kwargs=lambda p, u: _project(p),
            icon="database-check",
        ),
        Action(
            "raise_requirement",
            _("Raise a customer requirement"),
            s.project_raise_requirement,
            form=f.RequirementForm,
            permission="projects.work_project",
            when=_member_active,
            icon="lightbulb",
            help=_("Goes to the requirements pipeline with this project linked."),
        ),
        Action(
            "request_acceptance",
            _("Request acceptance"),
            s.project_request_acceptance,
            icon="clipboard-check",
            primary=True,
        ),
        Action(
            "evaluate",
            _("Record the acceptance evaluation"),
            s.project_evaluate,
            form=f.EvaluateForm,
            permission="projects.run_project",
            when=lambda p, u: p.state == ProjectState.ACCEPTANCE_REVIEW and _runs(p, u),
            icon="list-check",
        ),
        Action(
            "write_acceptance",
            _("Write the acceptance report"),
            s.project_write_acceptance,
            form=f.AcceptanceReportForm,
            permission="projects.run_project",
            when=lambda p, u: p.state == ProjectState.ACCEPTANCE_REVIEW and _runs(p, u),
            initial=lambda p, u: {"summary": p.acceptance_summary},
            icon="file-earmark-check",
        ),
        Action(
            "rework",
            _("Back to work (rework)"),
            s.project_rework,
            form=f.ReworkForm,
            form_kwargs=lambda p, u: _project(p),
            icon="arrow-counterclockwise",
        ),
        Action(
            "accept", _("Accept"), s.project_accept, form=f.AcceptForm, icon="award", primary=True
        ),
        Action(
            "terminate",
            _("Terminate"),
            s.project_terminate,
            form=f.TerminateForm,
            icon="x-octagon",
            confirm=_("Terminate the project? This cannot be undone."),
        ),
        Action("archive", _("Archive"), s.project_archive, icon="archive"),
        Action(
            "write_handover",
            _("Hand the work over"),
            s.handover_write,
            form=f.HandoverForm,
            permission="projects.add_handoverversion",
            when=lambda p, u: p.state != ProjectState.ARCHIVED and is_member(p, u),
            icon="journal-arrow-up",
            help=_(
                "A new version of the hand-over book; open defects and requirements are listed "
                "automatically, and the receiver inherits your running deadlines."
            ),
        ),
        Action(
            "save_credential",
            _("Save a credential"),
            s.credential_save,
            form=f.CredentialForm,
            permission="projects.reveal_credential",
            when=lambda p, u: p.state != ProjectState.ARCHIVED and is_member(p, u),
            icon="key",
            help=_("Stored encrypted; members see it after re-entering their password."),
        ),
        Action(
            "hand_import_template",
            _("Hand over the data-import template"),
            s.import_template_hand,
            form=f.ImportTemplateForm,
            permission="projects.add_importtemplatehandover",
            when=lambda p, u: p.state in TEMPLATE_STATES and is_member(p, u),
            form_kwargs=lambda p, u: _project(p),
            icon="file-earmark-spreadsheet",
            help=_(
                "Record which template file was handed to which of the customer's contacts, "
                "and when; it is listed on the readiness confirmation."
            ),
        ),
    ],
)


def _plan_initial(project: Project) -> dict[str, Any]:
    revisions = getattr(project, "revisions", None)  # prefetched by the project page
    if revisions is not None:
        plan = max(revisions, key=lambda r: r.number, default=None)
    else:
        plan = project.plan_revisions.order_by("-number").first()
    if plan is None:
        return {}
    lines = [
        " | ".join([r["name"], r["planned_start"], r["planned_end"], r.get("deliverables", "")])
        for r in plan.stages
    ]
    return {"scope": plan.scope, "summary": plan.summary, "stages": "\n".join(lines)}


PLAN_ACTIONS = ActionSet(
    PlanRevision,
    [Action("review", _("Review the plan"), s.plan_review, icon="check2", primary=True)],
)

STAGE_ACTIONS = ActionSet(
    Stage,
    [
        Action("start", _("Start the stage"), s.stage_start, icon="play", primary=True),
        Action(
            "deliver",
            _("Submit the result"),
            s.stage_deliver,
            form=f.DeliverForm,
            transitions=("deliver",),
            icon="upload",
            primary=True,
            help=_("Upload the deliverable; the PM reviews it within 2 working days."),
        ),
        Action(
            "review",
            _("Review (accept the result)"),
            s.stage_review,
            form=f.NoteForm,
            icon="check2",
            primary=True,
        ),
        Action(
            "return_for_rework",
            _("Return for rework"),
            s.stage_return,
            form=f.ReturnForm,
            icon="arrow-counterclockwise",
        ),
    ],
)

LOG_ACTIONS = ActionSet(
    DailyLog,
    [Action("submit", _("Submit"), s.log_submit, icon="send", primary=True)],
)

HANDOVER_ACTIONS = ActionSet(
    HandoverVersion,
    [
        Action(
            "give",
            _("Acknowledge: handed over"),
            s.handover_give,
            icon="box-arrow-right",
            primary=True,
        ),
        Action(
            "receive",
            _("Acknowledge: taken over"),
            s.handover_receive,
            icon="box-arrow-in-left",
            primary=True,
        ),
    ],
)
