"""Printed forms of defects and requirement requests (docs/domain.md §forms).

- 方案确定书 (solution confirmation): the agreed solution of a requirement request, with
  the evaluation, price and plan; signed by the sales manager and the director (docs/domain.md
  §requirement.solution). The customer may
  stamp it.
- 需求处理答复 (decision explanation): the customer-facing explanation of the decision.
- 需求评估报告 (evaluation report): every request evaluated in a period with its decision,
  sent to sales, implementation and management.
- 缺陷记录单 (defect record): environment, steps, deadlines and the course of the defect.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from servicedesk.core import printing
from servicedesk.core.choices import Role, timer_target_label
from servicedesk.core.durations import duration_text
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models import SOLUTION_FORM, Defect, EvaluationReport, Requirement
from .selectors import evaluated_in, timeline

ROWS = 60


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _yes_no(value) -> str:
    return "—" if value is None else (_("Yes") if value else _("No"))


def _money(value) -> str:
    return f"¥{value:,.2f}" if value is not None else "—"


def _customer(item) -> str:
    return item.customer.name if item.customer_id else "—"


def _evaluation_rows(item: Requirement) -> list[tuple]:
    return [
        (_("Within the contract's scope"), _yes_no(item.in_scope)),
        (_("Urgent"), _yes_no(item.urgent)),
        (_("Affects normal operation"), _yes_no(item.affects_operation)),
        (_("Effort (person-days)"), str(item.effort_days) if item.effort_days is not None else "—"),
        (_("Decision"), item.get_outcome_display() or "—"),
        (_("Evaluated"), _local(item.evaluated_at)),
        (
            _("Evaluated by"),
            "、".join(display_name(u) for u in item.evaluators.all()) or "—",
            True,
        ),
    ]


def _request_blocks(item: Requirement) -> list[printing.Block]:
    return [
        printing.Heading(_("Request")),
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), _customer(item), True),
                (_("Contract"), item.contract.number if item.contract_id else "—"),
                (_("Product"), f"{item.product} {item.module}".strip()),
                (_("Raised"), _local(item.recorded_at)),
                (_("Recorded by"), display_name(item.recorded_by)),
                (_("Title"), item.title, True),
            ],
            columns=2,
        ),
        printing.Heading(_("Description")),
        printing.Paragraph(item.description),
        printing.Heading(_("The customer's real intent and purpose")),
        printing.Paragraph(item.intent),
    ]


def requirement_sales_manager(item: Requirement) -> list:
    """The deal's sales manager: the contract's, else the customer's (any sales manager
    when neither names one)."""
    if item.contract_id and item.contract.sales_manager_id:
        return [item.contract.sales_manager]
    return [item.customer.sales_manager] if item.customer.sales_manager_id else []


@register_form(
    Requirement,
    SOLUTION_FORM,
    gettext_lazy("Solution confirmation"),
    slots=[
        SignatureSlot(
            "sales_manager",
            gettext_lazy("Sales manager"),
            holders=requirement_sales_manager,
            group=Role.SALES_MANAGER,
        ),
        SignatureSlot("director", gettext_lazy("Director"), group=Role.DIRECTOR),
    ],
    seal=True,
)
def solution_confirmation(item: Requirement) -> printing.FormDocument:
    blocks = _request_blocks(item)
    blocks += [
        printing.Heading(_("Evaluation")),
        printing.KeyValueGrid(rows=_evaluation_rows(item), columns=2),
        printing.Heading(_("Agreed solution")),
        printing.Paragraph(item.solution or _("(not written yet)")),
        printing.Heading(_("Charge")),
        printing.KeyValueGrid(
            rows=[
                (_("Person-day rate"), _money(item.person_day_rate)),
                (_("Quoted price"), _money(item.quote_amount)),
                (
                    _("Agreed price"),
                    _money(item.agreed_amount)
                    if item.agreed_amount is not None
                    else (_("Free of charge") if item.outcome == "accepted" else "—"),
                ),
                (_("Negotiation"), item.negotiation_note or "—", True),
            ],
            columns=2,
        ),
    ]
    return printing.FormDocument(
        title=_("Solution confirmation"),
        number=item.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        # No state here: the signatures cover this content, which must not move under them.
        meta=[(_("Customer"), _customer(item))],
        blocks=blocks,
    )


@register_form(Requirement, "decision_explanation", gettext_lazy("Decision on your request"))
def decision_explanation(item: Requirement) -> printing.FormDocument:
    """What the customer is told: the decision and why, the price, or the workaround."""
    blocks = _request_blocks(item)
    blocks.append(printing.Heading(_("Our decision")))
    blocks.append(
        printing.Paragraph(item.get_outcome_display() or _("The request is being evaluated."))
    )
    if item.outcome == "declined" or item.decline_explanation:
        blocks += [printing.Heading(_("Explanation")), printing.Paragraph(item.decline_explanation)]
    if item.outcome == "quoted" or item.quote_amount is not None:
        blocks += [
            printing.Heading(pgettext("quote", "Price (CNY)")),
            printing.KeyValueGrid(
                rows=[
                    (_("Effort (person-days)"), str(item.effort_days)),
                    (_("Person-day rate"), _money(item.person_day_rate)),
                    (_("Quoted price"), _money(item.quote_amount)),
                    (_("Agreed price"), _money(item.agreed_amount)),
                ],
                columns=2,
            ),
        ]
    if item.outcome == "workaround":
        blocks += [
            printing.Heading(_("How to achieve it without changing the system")),
            printing.Paragraph(item.workaround),
            printing.KeyValueGrid(
                rows=[
                    (_("Customer staff trained"), item.trained_people),
                    (_("Trained by"), display_name(item.trained_by) if item.trained_by else "—"),
                    (_("Trained"), _local(item.trained_at)),
                ],
                columns=2,
            ),
        ]
    if item.solution:
        blocks += [printing.Heading(_("Agreed solution")), printing.Paragraph(item.solution)]
    if item.planned_delivery:
        blocks += [
            printing.Heading(_("Plan")),
            printing.KeyValueGrid(
                rows=[
                    (_("Planned start"), str(item.planned_start or "—")),
                    (_("Planned delivery"), str(item.planned_delivery)),
                ],
                columns=2,
            ),
        ]
    return printing.FormDocument(
        title=_("Decision on your request"),
        number=item.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Customer"), _customer(item))],
        blocks=blocks,
    )


@register_form(EvaluationReport, "evaluation_report", gettext_lazy("Requirement evaluation report"))
def evaluation_report(report: EvaluationReport) -> printing.FormDocument:
    items = evaluated_in(report)
    rows = [
        [
            item.number,
            _customer(item),
            item.title,
            _yes_no(item.in_scope),
            _yes_no(item.urgent),
            _yes_no(item.affects_operation),
            str(item.effort_days if item.effort_days is not None else "—"),
            item.get_outcome_display(),
            _money(item.quote_amount) if item.quote_amount is not None else "",
        ]
        for item in items
    ][: ROWS * 5]
    counts: dict[str, int] = {}
    for item in items:
        counts[item.get_outcome_display()] = counts.get(item.get_outcome_display(), 0) + 1
    blocks: list[printing.Block] = [
        printing.Heading(_("Summary")),
        printing.KeyValueGrid(
            rows=[(_("Requests evaluated"), str(len(items)))]
            + [(label, str(n)) for label, n in sorted(counts.items())],
            columns=2,
        ),
        printing.Heading(_("Requests and decisions")),
        printing.Table(
            header=[
                _("Number"),
                _("Customer"),
                _("Title"),
                _("In scope"),
                _("Urgent"),
                _("Affects operation"),
                _("Person-days"),
                _("Decision"),
                pgettext("quote", "Price (CNY)"),
            ],
            rows=rows
            or [["—", _("Nothing evaluated in this period."), "", "", "", "", "", "", ""]],
            col_widths=[1.3, 1.3, 1.8, 0.55, 0.5, 0.55, 0.5, 1.0, 1.0],
            align=["left", "left", "left", "center", "center", "center", "center", "left", "right"],
        ),
    ]
    if report.note:
        blocks += [printing.Heading(_("Note")), printing.Paragraph(report.note)]
    return printing.FormDocument(
        title=_("Requirement evaluation report"),
        number=f"PG{report.period_end:%Y%m}-{report.pk:03d}",
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Period"), str(report)),
            (_("Sent to"), _("Sales, implementation, management")),
            (_("Prepared by"), display_name(report.created_by) or _("Monthly schedule")),
        ],
        blocks=blocks,
    )


def _state_text(timer: Any) -> str:
    """The deadline's state, with the time it was paused while waiting for the customer."""
    if not timer.paused_seconds:
        return str(timer.get_state_display())
    return _("%(state)s (paused %(time)s)") % {
        "state": timer.get_state_display(),
        "time": duration_text(timer.paused_seconds),
    }


@register_form(
    Defect,
    "defect_record",
    gettext_lazy("Defect record"),
    slots=[
        SignatureSlot("recorded_by", gettext_lazy("Recorded by"), holders=lambda d: [d.recorded_by])
    ],
)
def defect_record_form(defect: Defect) -> printing.FormDocument:
    from servicedesk.core.selectors import timers_for

    timers = [
        [
            timer_target_label(t.target),
            _local(t.started_at),
            _local(t.due_at),
            _state_text(t),
            _local(t.met_at) if t.met_at else "",
        ]
        for t in timers_for(defect)
    ]
    course = [
        [
            _local(e.when),
            e.title,
            display_name(e.actor) if hasattr(e.actor, "get_username") else (e.actor or ""),
            e.text,
        ]
        for e in timeline(defect)
        if e.kind == "event"
    ][:ROWS]
    blocks: list[printing.Block] = [
        printing.Heading(_("Environment")),
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), _customer(defect), True),
                (_("Customer site"), defect.site, True),
                (_("Product"), defect.product),
                (_("Version"), defect.version),
                (_("Module"), defect.module),
                (_("Severity"), defect.get_severity_display()),
                (_("Reported at"), _local(defect.reported_at)),
                (_("External tracker"), defect.tracker_key or "—"),
            ],
            columns=2,
        ),
        printing.Heading(_("What the customer sees")),
        printing.Paragraph(defect.customer_sees),
        printing.Heading(_("Steps to reproduce")),
        printing.Paragraph(defect.steps),
        printing.Heading(_("Emergency workaround")),
        printing.Paragraph(defect.workaround or "—"),
        printing.Heading(_("Deadlines")),
        printing.Table(
            header=[_("Deadline"), _("Started"), _("Due"), _("State"), _("Met")],
            rows=timers or [["—", "", "", "", ""]],
            col_widths=[1.8, 1.4, 1.4, 1.0, 1.4],
        ),
        printing.Heading(_("Course of the defect")),
        printing.Table(
            header=[_("Time"), _("What"), _("Who"), _("Details")],
            rows=course or [["—", "", "", ""]],
            col_widths=[1.5, 2.2, 1.0, 3.3],
        ),
    ]
    return printing.FormDocument(
        title=_("Defect record"),
        number=defect.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Title"), defect.title), (_("State"), defect.get_state_display())],
        blocks=blocks,
    )
