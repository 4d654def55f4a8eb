"""Printed forms of implementation projects (docs/domain.md §forms, §project.forms), on the
core printing framework (QR code, content fingerprint, signature boxes, seal box):

- 项目实施前准备事项确认书 readiness confirmation (customer signs and stamps),
- 实施计划 implementation plan (one revision; customer signs: it comes into force),
- 实施日志 daily log (consultant and customer),
- 阶段签收单 stage sign-off (PM and customer),
- 项目验收报告 acceptance report (PM, customer with seal, sales manager),
- 工作交接书 hand-over book (giver and receiver; credentials never printed).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models import (
    ACCEPTANCE_FORM,
    HANDOVER_FORM,
    LOG_FORM,
    PLAN_FORM,
    READINESS_FORM,
    STAGE_FORM,
    DailyLog,
    HandoverVersion,
    PlanRevision,
    Project,
    Stage,
)

CUSTOMER_SLOT = SignatureSlot("customer", gettext_lazy("Customer"), customer=True)


def _pm(obj) -> list:
    project = obj if isinstance(obj, Project) else obj.project
    return [project.project_manager] if project.project_manager_id else []


def _sales(project: Project) -> list:
    contract = project.contract
    if contract is not None and contract.sales_manager_id:
        return [contract.sales_manager]
    return [project.customer.sales_manager] if project.customer.sales_manager_id else []


PM_SLOT = SignatureSlot("project_manager", gettext_lazy("Project manager"), holders=_pm)


def _date(value) -> str:
    return value.isoformat() if value else "—"


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _project_grid(project: Project, extra: list | None = None) -> list[printing.Block]:
    return [
        printing.Heading(_("Project")),
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), project.customer.name, True),
                (_("Project"), project.title, True),
                (_("Contract"), project.contract.number if project.contract_id else "—"),
                (_("Project manager"), display_name(project.project_manager) or "—"),
                (
                    _("Consultants"),
                    "、".join(display_name(c) for c in project.consultants.all()) or "—",
                ),
                (_("State"), project.get_state_display()),
                *(extra or []),
            ],
            columns=2,
        ),
    ]


def _doc(title: str, number: str, project: Project, blocks: list, meta=None):
    return printing.FormDocument(
        title=title,
        number=number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=meta or [(_("Customer"), project.customer.short_name or project.customer.name)],
        blocks=blocks,
    )


def _stage_rows(rows: list[dict]) -> list[list[str]]:
    return [
        [i, r["name"], r["planned_start"], r["planned_end"], r.get("deliverables", "") or "—"]
        for i, r in enumerate(rows, start=1)
    ] or [["—", _("No stages."), "", "", ""]]


@register_form(
    Project,
    READINESS_FORM,
    gettext_lazy("Readiness confirmation"),
    slots=[PM_SLOT, CUSTOMER_SLOT],
    seal=True,
)
def readiness_confirmation(project: Project) -> printing.FormDocument:
    plan = project.plan_in_force
    templates = _handed_templates(project)
    items = [
        (_("Implementation plan and schedule signed (plan in force)"), plan is not None, ""),
        (_("Scope agreed"), bool(plan and plan.scope), plan.scope[:80] if plan else ""),
        (_("Customer's project team and contact named"), None, ""),
        (_("Hardware, network and server environment ready"), None, ""),
        _template_item(templates),
        (_("Base data prepared in the data-import template"), None, ""),
        (_("Training rooms and users' time arranged"), None, ""),
        (_("Executives' support for the kickoff meeting"), None, ""),
    ]
    blocks = [
        *_project_grid(project),
        printing.Heading(_("Before implementation starts, the customer confirms")),
        printing.Checklist(items=items),
    ]
    if templates:
        blocks += [
            printing.Heading(_("Data-import template handed to the customer")),
            printing.Table(
                header=[_("Template file"), _("Handed to"), _("Handed over by"), _("Handed over")],
                rows=[
                    [
                        t.file_name,
                        t.contact.name,
                        display_name(t.handed_by),
                        _local(t.handed_at),
                    ]
                    for t in templates
                ],
                col_widths=[4, 2.5, 2.5, 2.5],
            ),
        ]
    return _doc(_("Readiness confirmation"), project.number, project, blocks)


def _handed_templates(project: Project) -> list:
    """The templates handed before the customer signed the readiness confirmation (all of
    them until then), so a signed confirmation keeps saying what it said
    (docs/domain.md §project.import-template)."""
    templates = project.import_templates.select_related("contact", "handed_by").order_by(
        "handed_at", "pk"
    )
    if project.readiness_confirmed_at is not None:
        templates = templates.filter(recorded_at__lte=project.readiness_confirmed_at)
    return list(templates)


def _template_item(templates: list) -> tuple[str, bool | None, str]:
    label = _("Data-import template handed to the customer")
    if not templates:
        return (label, None, "")
    last = templates[-1]
    note = _("%(contact)s, %(when)s") % {
        "contact": last.contact.name,
        "when": _date(timezone.localtime(last.handed_at).date()),
    }
    return (label, True, note)


@register_form(
    PlanRevision, PLAN_FORM, gettext_lazy("Implementation plan"), slots=[PM_SLOT, CUSTOMER_SLOT]
)
def implementation_plan(revision: PlanRevision) -> printing.FormDocument:
    project = revision.project
    blocks = [
        *_project_grid(project),
        printing.Heading(_("Scope")),
        printing.Paragraph(revision.scope),
    ]
    if revision.summary:
        blocks += [printing.Heading(_("Plan")), printing.Paragraph(revision.summary)]
    if revision.change_note:
        blocks += [printing.Heading(_("What changed")), printing.Paragraph(revision.change_note)]
    blocks += [
        printing.Heading(_("Schedule")),
        printing.Table(
            header=[_("No."), _("Stage"), _("Planned start"), _("Planned end"), _("Deliverables")],
            rows=_stage_rows(revision.stages),
            col_widths=[0.8, 3, 2, 2, 4],
            align=["center", "left", "center", "center", "left"],
        ),
        printing.KeyValueGrid(
            rows=[
                (_("Reviewed by"), display_name(revision.reviewed_by) or "—"),
                (_("Reviewed"), _local(revision.reviewed_at)),
            ]
        ),
    ]
    return _doc(
        _("Implementation plan"),
        f"{project.number}-R{revision.number}",
        project,
        blocks,
        meta=[
            (_("Customer"), project.customer.short_name or project.customer.name),
            (_("Revision"), revision.number),
        ],
    )


def _consultant(log: DailyLog) -> list:
    return [log.consultant]


@register_form(
    DailyLog,
    LOG_FORM,
    gettext_lazy("Daily implementation log"),
    slots=[
        SignatureSlot("consultant", gettext_lazy("Consultant"), holders=_consultant),
        CUSTOMER_SLOT,
    ],
)
def daily_log(log: DailyLog) -> printing.FormDocument:
    project = log.project
    blocks = [
        *_project_grid(project),
        printing.Heading(_("Work of the day")),
        printing.KeyValueGrid(
            rows=[
                (_("Day"), _date(log.day)),
                (_("Consultant"), display_name(log.consultant)),
                (_("Hours"), log.hours),
                (_("Stage"), log.stage.name if log.stage_id else "—"),
                (_("Work done"), log.work_done, True),
                (_("Issues"), log.issues or "—", True),
                (_("Next steps"), log.next_steps or "—", True),
            ],
            columns=2,
        ),
    ]
    return _doc(
        _("Daily implementation log"),
        f"{project.number}-{log.day:%Y%m%d}-{log.consultant_id}",
        project,
        blocks,
    )


@register_form(
    Stage,
    STAGE_FORM,
    gettext_lazy("Stage sign-off"),
    slots=[PM_SLOT, CUSTOMER_SLOT],
    seal=True,
)
def stage_signoff(stage: Stage) -> printing.FormDocument:
    project = stage.project
    blocks = [
        *_project_grid(project),
        printing.Heading(_("Stage")),
        printing.KeyValueGrid(
            rows=[
                (_("Stage"), stage.name, True),
                (_("Planned"), f"{_date(stage.planned_start)} – {_date(stage.planned_end)}"),
                (_("Actual"), f"{_date(stage.actual_start)} – {_date(stage.actual_end)}"),
                (_("Deliverables"), stage.deliverables or "—", True),
                (_("Delivered"), _local(stage.delivered_at)),
                (_("Reviewed by the PM"), _local(stage.reviewed_at)),
                (_("PM review"), stage.review_note or "—", True),
            ],
            columns=2,
        ),
    ]
    return _doc(_("Stage sign-off"), f"{project.number}-S{stage.order}", project, blocks)


@register_form(
    Project,
    ACCEPTANCE_FORM,
    gettext_lazy("Acceptance report"),
    slots=[
        PM_SLOT,
        CUSTOMER_SLOT,
        SignatureSlot(
            "sales_manager", gettext_lazy("Sales manager"), holders=_sales, group=Role.SALES_MANAGER
        ),
    ],
    seal=True,
)
def acceptance_report(project: Project) -> printing.FormDocument:
    stages = list(project.stages.all())
    evaluation = project.last_evaluation
    facts = [
        (_("Kickoff meeting"), _date(project.kickoff_on)),
        (_("Person-days (confirmed logs)"), project.person_days()),
    ]
    blocks = [
        *_project_grid(project, facts),
        printing.Heading(_("Stages")),
        printing.Table(
            header=[_("Stage"), _("Planned end"), _("Actual end"), _("State")],
            rows=[
                [s.name, _date(s.planned_end), _date(s.actual_end), s.get_state_display()]
                for s in stages
            ]
            or [[_("No stages."), "", "", ""]],
            col_widths=[4, 2, 2, 2.5],
        ),
        printing.Heading(_("Acceptance evaluation")),
        printing.Paragraph(
            f"{evaluation.get_outcome_display()}：{evaluation.items}" if evaluation else "—"
        ),
        printing.Heading(_("Acceptance report")),
        printing.Paragraph(project.acceptance_summary or "—"),
    ]
    return _doc(_("Acceptance report"), project.number, project, blocks)


def _problems(problems: list[dict]) -> printing.Block:
    """The open problems as a table, or a line when there is none (an empty table's header
    would push the signatures onto a page of their own)."""
    if not problems:
        return printing.Paragraph(_("None."))
    return printing.Table(
        header=[_("Number"), _("Title"), _("State"), _("Deadline")],
        rows=[[p["number"], p["title"], p["state"], p.get("deadline") or "—"] for p in problems],
        col_widths=[2.2, 5, 2, 2.3],
    )


def _accounts(credentials: list) -> printing.Block:
    if not credentials:
        return printing.Paragraph("—")
    return printing.Table(
        header=[_("System"), _("Account"), _("Note")],
        rows=[[c.system, c.username, c.note or ""] for c in credentials],
        col_widths=[3, 3, 5],
    )


def _giver(version: HandoverVersion) -> list:
    return [version.giver]


def _receiver(version: HandoverVersion) -> list:
    return [version.receiver]


@register_form(
    HandoverVersion,
    HANDOVER_FORM,
    gettext_lazy("Hand-over book"),
    slots=[
        SignatureSlot("giver", gettext_lazy("Handed over by"), holders=_giver),
        SignatureSlot("receiver", gettext_lazy("Received by"), holders=_receiver),
    ],
)
def handover_book(version: HandoverVersion) -> printing.FormDocument:
    """Credentials are never printed: the accounts are listed, the passwords are not."""
    book = version.book
    project = book.project
    credentials = list(book.credentials.all())
    blocks = [
        *(_project_grid(project) if project is not None else []),
        printing.Heading(pgettext("handover book", "Hand-over")),
        printing.KeyValueGrid(
            rows=[
                (_("Handed over by"), display_name(version.giver)),
                (_("Received by"), display_name(version.receiver)),
                (_("Giver acknowledged"), _local(version.given_at)),
                (_("Receiver acknowledged"), _local(version.received_at)),
                (_("Why"), version.reason),
                (
                    _("Network diagram"),
                    _("kept in the system, not printed") if version.network_diagram else "—",
                ),
            ]
        ),
        printing.Heading(_("Customer information")),
        printing.Paragraph(version.customer_info or "—"),
        printing.Heading(_("System configuration")),
        printing.Paragraph(version.system_config or "—"),
        printing.Heading(_("Implementation records")),
        printing.Paragraph(version.implementation_records or "—"),
        printing.Heading(_("Open problems")),
        _problems(version.open_problems),
        printing.Heading(_("Accounts (passwords kept encrypted in the system)")),
        _accounts(credentials),
    ]
    number = f"{project.number if project else book.pk}-H{version.number}"
    return printing.FormDocument(
        title=_("Hand-over book"),
        number=number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), book.customer.short_name or book.customer.name),
            (_("Version"), version.number),
        ],
        blocks=blocks,
    )
