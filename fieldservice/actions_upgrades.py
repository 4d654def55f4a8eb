"""What users can do to upgrades and restore requests, declared once
(docs/architecture.md §action-layer): the portal's panels, the admin's buttons and the
API's transitions come from these sets. Each gate of an upgrade is offered disabled with
the reason until its evidence is added (docs/domain.md §upgrade.gates)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import upgrade_forms as f
from .models.backups import (
    RestoreRequest,
    RestoreState,
    restore_outcome_recorded,
    restore_plan_complete,
)
from .models.upgrades import (
    UPGRADE_PLAN_FORM,
    Upgrade,
    UpgradeState,
    may_work_upgrade,
    upgrade_backup_complete,
    upgrade_rehearsal_passed,
    upgrade_report_written,
)
from .services import backups as rs
from .services import upgrades as us

_UNDER_WAY = {
    UpgradeState.REHEARSED,
    UpgradeState.BACKED_UP,
    UpgradeState.EXECUTED,
    UpgradeState.REPORTED,
    UpgradeState.ROLLED_BACK,
}
_NOTICE_STATES = {
    UpgradeState.APPROVED,
    UpgradeState.REHEARSED,
    UpgradeState.BACKED_UP,
    UpgradeState.EXECUTED,
    UpgradeState.ROLLED_BACK,
}


def _planning(upgrade: Upgrade, user: Any) -> bool:
    return upgrade.state == UpgradeState.PLANNED and may_work_upgrade(upgrade, user)


def _plan_initial(upgrade: Upgrade, user: Any) -> dict[str, Any]:
    start = upgrade.planned_start
    return {
        "planned_start": start and timezone.localtime(start),
        "planned_minutes": upgrade.planned_minutes,
        "in_hours_reason": upgrade.in_hours_reason,
        "content": upgrade.content,
        "risks": upgrade.risks,
        "contingency_plan": upgrade.contingency_plan,
    }


def _notice_initial(upgrade: Upgrade, user: Any) -> dict[str, Any]:
    after = upgrade.state in (UpgradeState.EXECUTED, UpgradeState.ROLLED_BACK)
    return {"when": "after" if after else "before"}


UPGRADE_ACTIONS = ActionSet(
    Upgrade,
    [
        Action(
            "edit_plan",
            _("Write the plan"),
            us.upgrade_edit_plan,
            form=f.UpgradePlanForm,
            permission="fieldservice.work_dispatch",
            when=_planning,
            initial=_plan_initial,
            icon="pencil-square",
            help=_(
                "Time, content, risks and contingency plan: what the customer agrees to. "
                "A change after the customer signed needs their signature again."
            ),
        ),
        Action(
            "attach_manual",
            _("Attach the upgrade manual"),
            us.upgrade_attach_manual,
            form=f.ManualForm,
            permission="fieldservice.work_dispatch",
            when=_planning,
            icon="paperclip",
            help=_("No upgrade manual, no upgrade."),
        ),
        Action(
            "approve",
            _("Approve"),
            us.upgrade_approve,
            icon="patch-check",
            primary=True,
            sign_form=UPGRADE_PLAN_FORM,
            help=_("Needs the manual, the plan and the customer's signed agreement."),
            summary="Approve (manual, plan and the customer's agreement)",
        ),
        Action(
            "notify_customer",
            _("Tell the customer"),
            us.upgrade_notify_customer,
            form=f.NoticeForm,
            initial=_notice_initial,
            permission="fieldservice.work_dispatch",
            when=lambda u, user: u.state in _NOTICE_STATES and may_work_upgrade(u, user),
            icon="megaphone",
            help=_("Before the upgrade and after it, by phone, e-mail or the printed notice."),
        ),
        Action(
            "rehearse",
            _("Record the rehearsal"),
            us.upgrade_rehearse,
            form=f.RehearseForm,
            input_conditions=(upgrade_rehearsal_passed,),
            icon="clipboard-check",
            primary=True,
            summary="Rehearsal in a simulated environment passed",
        ),
        Action(
            "back_up",
            _("Record the backup"),
            us.upgrade_back_up,
            form=f.BackUpForm,
            input_conditions=(upgrade_backup_complete,),
            icon="hdd-stack",
            primary=True,
            summary="Programs, database and attachments backed up",
        ),
        Action(
            "execute",
            _("Record the upgrade as run"),
            us.upgrade_execute,
            form=f.ExecuteForm,
            icon="play-circle",
            primary=True,
            summary="The upgrade ran (outside office hours unless a reason is given)",
        ),
        Action(
            "record_problem",
            _("Record a problem"),
            us.upgrade_record_problem,
            form=f.ProblemForm,
            permission="fieldservice.work_dispatch",
            when=lambda u, user: u.state in _UNDER_WAY and may_work_upgrade(u, user),
            icon="exclamation-triangle",
        ),
        Action(
            "submit_report",
            _("Send the upgrade report"),
            us.upgrade_submit_report,
            form=f.ReportForm,
            input_conditions=(upgrade_report_written,),
            icon="send",
            primary=True,
            help=_("The upgrade report (升级情况说明) goes to the region lead."),
            summary="Upgrade report to the region lead",
        ),
        Action(
            "roll_back",
            _("Roll back"),
            us.upgrade_roll_back,
            form=f.ReasonForm,
            input_name="UpgradeReasonInput",
            icon="arrow-counterclockwise",
            summary="Rolled back from the backup",
        ),
        Action(
            "cancel",
            _("Cancel"),
            us.upgrade_cancel,
            form=f.ReasonForm,
            input_name="UpgradeReasonInput",
            icon="x-circle",
            summary="Cancel (before it runs)",
        ),
    ],
)


RESTORE_ACTIONS = ActionSet(
    RestoreRequest,
    [
        Action(
            "plan",
            _("Write the restore plan"),
            rs.restore_plan,
            form=f.RestorePlanForm,
            initial=lambda r, u: {
                "scope": r.scope,
                "expected_minutes": r.expected_minutes,
                "impact": r.impact,
                "backup_used": r.backup_used,
            },
            input_conditions=(restore_plan_complete,),
            icon="clipboard",
            primary=True,
            summary="Restore plan: scope, duration, impact, backup used",
        ),
        Action(
            "notify_region_lead",
            _("Tell the region lead"),
            rs.restore_notify_region_lead,
            permission="fieldservice.manage_dispatch",
            when=lambda r, u: r.state == RestoreState.PLANNED and r.region_lead_told_at is None,
            icon="megaphone",
            help=_("Before the restore runs, the region lead is told of the plan."),
        ),
        Action(
            "execute",
            _("Record the restore"),
            rs.restore_execute,
            form=f.RestoreOutcomeForm,
            input_conditions=(restore_outcome_recorded,),
            icon="arrow-repeat",
            primary=True,
            summary="Restore run and its outcome",
        ),
        Action(
            "cancel",
            _("Cancel"),
            rs.restore_cancel,
            form=f.ReasonForm,
            input_name="UpgradeReasonInput",
            icon="x-circle",
            summary="Cancel the restore request",
        ),
    ],
)
