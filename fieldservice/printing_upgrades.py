"""Printed forms of upgrades and restores (docs/domain.md §forms, §upgrade, §restore):

- 升级方案及客户确认书 the upgrade plan and customer agreement: time, content, risks,
  contingency plan, the manual, the checklist of gates; the customer signs and stamps;
  its signature is the approval's evidence, for the content as printed;
- 升级情况说明 the upgrade report: what ran, the rehearsal, the backup, the notices, the
  problems during and after; for the region lead;
- 数据恢复方案 the restore plan: scope, duration, impact, the backup used.

The partner monthly statement is rendered by ``fieldservice.settlement``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models.backups import RESTORE_PLAN_FORM, RestoreRequest
from .models.upgrades import UPGRADE_PLAN_FORM, UPGRADE_REPORT_FORM, Upgrade


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _engineer_user(upgrade: Upgrade) -> list:
    return [upgrade.engineer.user] if upgrade.engineer_id else []


CUSTOMER_SLOT = SignatureSlot("customer", gettext_lazy("Customer"), customer=True)
ENGINEER_SLOT = SignatureSlot("engineer", gettext_lazy("Engineer"), holders=_engineer_user)


def _doc(title: str, number: str, customer, blocks: list) -> printing.FormDocument:
    return printing.FormDocument(
        title=title,
        number=number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Customer"), customer.short_name or customer.name)],
        blocks=blocks,
    )


def _upgrade_grid(upgrade: Upgrade) -> printing.KeyValueGrid:
    engineer = upgrade.engineer
    who = "—"
    if engineer is not None:
        who = display_name(engineer.user) + (
            f" ({engineer.partner})" if engineer.partner_id else ""
        )
    return printing.KeyValueGrid(
        rows=[
            (_("Customer"), upgrade.customer.name, True),
            (_("Product"), upgrade.product),
            (
                _("Version"),
                f"{upgrade.from_version or '—'} → {upgrade.to_version}",
            ),
            (_("Contract"), upgrade.contract.number if upgrade.contract_id else "—"),
            (_("Engineer"), who),
            (
                _("Who upgrades"),
                _("The customer, guided by the engineer")
                if upgrade.self_service
                else _("Our engineer"),
            ),
        ],
        columns=2,
    )


def _gate_items(upgrade: Upgrade) -> list[tuple[str, bool | None, str]]:
    """The gates as a checklist: the same for a customer upgrading by themselves."""
    return [
        (_("Upgrade manual attached"), bool(upgrade.manual), upgrade.manual_name),
        (
            _("Plan agreed and signed by the customer"),
            upgrade.customer_agreement_current() or None,
            "",
        ),
        (
            _("Rehearsed in a simulated environment and passed"),
            upgrade.rehearsal_passed or None,
            upgrade.rehearsal_environment,
        ),
        (
            _("Programs, database and attachments backed up"),
            (upgrade.backup_programs and upgrade.backup_database and upgrade.backup_attachments)
            or None,
            upgrade.backup_location,
        ),
        (
            _("Customer told before the upgrade"),
            upgrade.customer_told_before_at is not None or None,
            "",
        ),
        (
            _("Customer told after the upgrade"),
            upgrade.customer_told_after_at is not None or None,
            "",
        ),
        (_("Upgrade report to the region lead"), upgrade.reported_at is not None or None, ""),
    ]


@register_form(
    Upgrade,
    UPGRADE_PLAN_FORM,
    gettext_lazy("Upgrade plan and customer agreement"),
    slots=[ENGINEER_SLOT, CUSTOMER_SLOT],
    seal=True,
)
def upgrade_plan(upgrade: Upgrade) -> printing.FormDocument:
    """Only the plan is printed (not the state or later evidence), so the customer's
    signature covers exactly what they agreed to (docs/domain.md §signatures.content)."""
    end = None
    if upgrade.planned_start is not None:
        end = upgrade.planned_start + dt.timedelta(minutes=upgrade.planned_minutes)
    blocks: list[printing.Block] = [
        _upgrade_grid(upgrade),
        printing.Heading(_("Time")),
        printing.KeyValueGrid(
            rows=[
                (_("Planned time"), f"{_local(upgrade.planned_start)} – {_local(end)}", True),
                (
                    _("Why inside office hours"),
                    upgrade.in_hours_reason or _("Outside office hours"),
                    True,
                ),
            ],
            columns=1,
        ),
        printing.Heading(_("Content of the upgrade")),
        printing.Paragraph(upgrade.content or "—"),
        printing.Heading(_("Risks")),
        printing.Paragraph(upgrade.risks or "—"),
        printing.Heading(_("Contingency plan")),
        printing.Paragraph(upgrade.contingency_plan or "—"),
        printing.Heading(_("Before the upgrade")),
        printing.Checklist(
            items=[
                (_("Upgrade manual"), None, upgrade.manual_name or ""),
                (_("Rehearsal in a simulated environment"), None, ""),
                (_("Backup of programs, database and attachments"), None, ""),
                (_("The customer is told before and after the upgrade"), None, ""),
            ]
        ),
        printing.Paragraph(
            _(
                "The customer agrees to the time, content, risks and contingency plan above. "
                "Any change to them is signed again."
            )
        ),
    ]
    return _doc(_("Upgrade plan and customer agreement"), upgrade.number, upgrade.customer, blocks)


@register_form(
    Upgrade,
    UPGRADE_REPORT_FORM,
    gettext_lazy("Upgrade report"),
    slots=[
        ENGINEER_SLOT,
        SignatureSlot("region_lead", gettext_lazy("Region lead"), group=Role.REGION_LEAD),
    ],
)
def upgrade_report(upgrade: Upgrade) -> printing.FormDocument:
    problems = list(upgrade.problems.all())
    notices = list(upgrade.notices.all())
    blocks: list[printing.Block] = [
        _upgrade_grid(upgrade),
        printing.Heading(_("How it went")),
        printing.KeyValueGrid(
            rows=[
                (_("State"), upgrade.get_state_display()),
                (_("Approved"), _local(upgrade.approved_at)),
                (_("Rehearsed"), f"{_local(upgrade.rehearsed_at)} {upgrade.rehearsal_environment}"),
                (_("Backed up"), f"{_local(upgrade.backed_up_at)} {upgrade.backup_location}"),
                (_("Executed"), _local(upgrade.executed_at)),
                (
                    _("Why inside office hours"),
                    upgrade.execution_in_hours_reason or upgrade.in_hours_reason or "—",
                ),
            ],
            columns=2,
        ),
        printing.Heading(_("Checklist")),
        printing.Checklist(items=_gate_items(upgrade)),
        printing.Heading(_("Customer told")),
        printing.Table(
            header=[_("When"), _("How"), _("Who was told"), _("Time")],
            rows=[
                [n.get_when_display(), n.get_channel_display(), n.contact, _local(n.at)]
                for n in notices
            ]
            or [["—", "", "", ""]],
        ),
        printing.Heading(_("Problems during and after the upgrade")),
        printing.Table(
            header=[_("When"), _("Problem"), _("What was done")],
            rows=[[p.get_phase_display(), p.description, p.resolution or "—"] for p in problems]
            or [["—", _("None recorded."), ""]],
        ),
        printing.Heading(_("Upgrade report (升级情况说明)")),
        printing.Paragraph(upgrade.report or "—"),
    ]
    if upgrade.rollback_reason:
        blocks += [printing.Heading(_("Rolled back")), printing.Paragraph(upgrade.rollback_reason)]
    return _doc(_("Upgrade report"), upgrade.number, upgrade.customer, blocks)


@register_form(
    RestoreRequest,
    RESTORE_PLAN_FORM,
    gettext_lazy("Restore plan"),
    slots=[
        SignatureSlot(
            "service_manager", gettext_lazy("Service manager"), group=Role.SERVICE_MANAGER
        ),
        CUSTOMER_SLOT,
    ],
)
def restore_plan(restore: RestoreRequest) -> printing.FormDocument:
    policy = restore.policy
    blocks: list[printing.Block] = [
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), restore.customer.name, True),
                (_("Asked by (customer)"), restore.requested_by_name),
                (_("Requested"), _local(restore.created_at)),
                (_("Backup policy"), str(policy) if policy else "—", True),
            ],
            columns=2,
        ),
        printing.Heading(_("What happened")),
        printing.Paragraph(restore.reason),
        printing.Heading(_("The plan")),
        printing.KeyValueGrid(
            rows=[
                (_("Scope of the restore"), restore.scope or "—", True),
                (
                    _("Expected duration"),
                    _("%(n)s minutes") % {"n": restore.expected_minutes}
                    if restore.expected_minutes
                    else "—",
                ),
                (_("Backup used"), restore.backup_used or "—"),
                (_("Impact"), restore.impact or "—", True),
                (_("Region lead told"), _local(restore.region_lead_told_at)),
            ],
            columns=2,
        ),
    ]
    if restore.outcome:
        blocks += [
            printing.Heading(_("Outcome")),
            printing.Paragraph(f"{restore.get_outcome_display()} {restore.outcome_notes}".strip()),
        ]
    return _doc(_("Restore plan"), restore.number, restore.customer, blocks)


# -- the on-site support plan (docs/domain.md §support-plan) ---------------------------------------

from .models.support import SUPPORT_PLAN_FORM, SupportPlan  # noqa: E402


@register_form(
    SupportPlan,
    SUPPORT_PLAN_FORM,
    gettext_lazy("On-site support plan"),
    slots=[
        SignatureSlot(
            "back_office", gettext_lazy("Back-office contact"), holders=lambda p: [p.back_office]
        ),
        CUSTOMER_SLOT,
    ],
)
def support_plan(plan: SupportPlan) -> printing.FormDocument:
    engineer = display_name(plan.engineer.user) if plan.engineer_id else "—"
    blocks: list[printing.Block] = [
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), plan.customer.name, True),
                (_("On-site engineer"), engineer),
                (_("Back-office contact"), display_name(plan.back_office)),
                (_("Agreed with (customer)"), plan.agreed_with),
                (_("From"), f"{plan.starts_on} – {plan.ends_on or '…'}"),
            ],
            columns=2,
        ),
        printing.Heading(_("Scope of the on-site work")),
        printing.Paragraph(plan.scope),
        printing.Heading(_("Content agreed with the customer")),
        printing.Paragraph(plan.content),
        printing.Heading(_("What is done when")),
        printing.Table(
            header=[_("When"), _("What is done"), _("Done")],
            rows=[
                [i.due_on.isoformat(), i.what, _local(i.done_at) if i.done_at else "—"]
                for i in plan.items.all()
            ]
            or [["—", _("None."), ""]],
        ),
    ]
    return _doc(_("On-site support plan"), f"ZC{plan.pk:05d}", plan.customer, blocks)
