"""Writes of upgrades: one service per gate, each through ``transition_run``
(docs/architecture.md §transitions.run); the gates and why: docs/domain.md §upgrade."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import NotPermitted, TransitionConflict, raise_field_errors
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.transitions import lock

from ..models import Engineer
from ..models.upgrades import (
    UPGRADE_CANCELLABLE,
    NoticeChannel,
    NoticeWhen,
    ProblemPhase,
    Upgrade,
    UpgradeNotice,
    UpgradeProblem,
    UpgradeState,
    in_office_hours,
    may_work_upgrade,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User

PLAN_FIELDS = ("content", "risks", "contingency_plan", "planned_start", "planned_minutes")
MANUAL_MAX_BYTES = 30 * 1024 * 1024
MANUAL_EXTENSIONS = (".pdf", ".doc", ".docx", ".txt", ".md", ".zip")
_BEFORE_EXECUTION = [
    UpgradeState.PLANNED,
    UpgradeState.APPROVED,
    UpgradeState.REHEARSED,
    UpgradeState.BACKED_UP,
]


def _text(value: Any) -> str:
    return (value or "").strip()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _stage(upgrade: Upgrade, **fields: Any) -> Upgrade:
    """Write the input a gate reads on the locked row before the transition runs (docs/
    architecture.md §transitions.staging); the transition's history row records it and a
    refused transition rolls it back."""
    locked = lock(upgrade)
    if locked.state != upgrade.state:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    setattr(locked, "skip_history_when_saving", True)  # noqa: B010 - simple-history's flag
    try:
        locked.save(update_fields=list(fields))
    finally:
        delattr(locked, "skip_history_when_saving")
    return locked


def _notify(upgrade: Upgrade, recipients: Any, kind: str, title: str, body: str = "") -> None:
    notifications_create(
        recipients=list(recipients),
        kind=kind,
        title=title,
        body=body,
        url=upgrade.get_absolute_url(),
        target=upgrade,
    )


def _engineer_errors(engineer: Engineer | None, on: dt.date | None) -> dict[str, list[str]]:
    """The engineer of an upgrade is certified like any visit's (docs/domain.md
    §partners.certification): an uncertified partner engineer is refused."""
    if engineer is None or engineer.can_work(on):
        return {}
    if not engineer.is_certified(on):
        return {
            "engineer": [
                _("%(name)s has not passed the certification exam and cannot be assigned.")
                % {"name": engineer}
            ]
        }
    return {"engineer": [_("%(name)s is not active.") % {"name": engineer}]}


def _plan_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    minutes = values.get("planned_minutes")
    if minutes is not None and not 15 <= minutes <= 7 * 24 * 60:
        errors["planned_minutes"] = [_("Between 15 minutes and 7 days.")]
    return errors


def upgrade_create(
    *,
    by: User,
    customer: Any,
    product: str,
    to_version: str,
    from_version: str = "",
    contract: Any = None,
    engineer: Engineer | None = None,
    self_service: bool = False,
    dispatch: Any = None,
    content: str = "",
    risks: str = "",
    contingency_plan: str = "",
    planned_start: dt.datetime | None = None,
    planned_minutes: int | None = None,
    in_hours_reason: str = "",
) -> Upgrade:
    """Plan an upgrade; the service managers are told to approve it once its evidence is in."""
    planned_start = _aware(planned_start)
    errors: dict[str, list[str]] = {}
    if customer is None:
        errors["customer"] = [_("Which customer is upgraded?")]
    if not _text(product):
        errors["product"] = [_("Which product is upgraded?")]
    if not _text(to_version):
        errors["to_version"] = [_("To which version?")]
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    if self_service and engineer is None:
        errors["engineer"] = [_("Name the engineer who trains the customer.")]
    day = timezone.localdate(planned_start) if planned_start else None
    errors.update(_engineer_errors(engineer, day))
    errors.update(_plan_errors({"planned_minutes": planned_minutes}))
    raise_field_errors(errors)
    with transaction.atomic():
        now = timezone.now()
        upgrade = Upgrade(
            number=uuid.uuid4().hex[:20],
            customer=customer,
            contract=contract,
            engineer=engineer,
            self_service=bool(self_service),
            dispatch=dispatch,
            product=_text(product)[:100],
            from_version=_text(from_version)[:40],
            to_version=_text(to_version)[:40],
            content=_text(content),
            risks=_text(risks),
            contingency_plan=_text(contingency_plan),
            planned_start=planned_start,
            planned_minutes=planned_minutes or 240,
            in_hours_reason=_text(in_hours_reason)[:300],
            created_by=by,
            created_at=now,
        )
        save_with_history(upgrade, by=by, reason="planned")
        upgrade.number = f"SJ{timezone.localtime(now):%Y%m%d}-{upgrade.pk:05d}"
        upgrade.save(update_fields=["number"])
        event_record(kind="upgrade.planned", target=upgrade, actor=by, data={})
        managers = users_in_roles(Role.SERVICE_MANAGER)
        _notify(
            upgrade,
            managers,
            "upgrade_planned",
            _("Upgrade planned: %(number)s %(customer)s")
            % {"number": upgrade.number, "customer": customer},
        )
    return upgrade


def _open_for_edit(upgrade: Upgrade, by: User) -> Upgrade:
    if upgrade.state != UpgradeState.PLANNED:
        raise TransitionConflict(_("The plan is fixed once the upgrade is approved."))
    if not may_work_upgrade(upgrade, by):
        raise NotPermitted(_("Only the upgrade's engineer or a service manager may do this."))
    return upgrade


def upgrade_edit_plan(
    upgrade: Upgrade,
    *,
    by: User,
    content: str,
    risks: str,
    contingency_plan: str,
    planned_start: dt.datetime | None,
    planned_minutes: int | None = None,
    in_hours_reason: str = "",
) -> Upgrade:
    """Write the plan the customer agrees to: time, content, risks, contingency plan. A
    change after the customer signed needs their signature again (docs/domain.md
    §signatures.content)."""
    _open_for_edit(upgrade, by)
    planned_start = _aware(planned_start)
    raise_field_errors(_plan_errors({"planned_minutes": planned_minutes}))
    with transaction.atomic():
        upgrade = lock(upgrade)
        _open_for_edit(upgrade, by)
        upgrade.content = _text(content)
        upgrade.risks = _text(risks)
        upgrade.contingency_plan = _text(contingency_plan)
        upgrade.planned_start = planned_start
        upgrade.planned_minutes = planned_minutes or upgrade.planned_minutes
        upgrade.in_hours_reason = _text(in_hours_reason)[:300]
        save_with_history(upgrade, by=by, reason="plan written")
    return upgrade


def upgrade_attach_manual(upgrade: Upgrade, *, by: User, manual: Any) -> Upgrade:
    """Attach the upgrade manual (no manual, no upgrade)."""
    _open_for_edit(upgrade, by)
    if manual is None:
        raise_field_errors({"manual": [_("Choose the manual's file.")]})
    if manual.size > MANUAL_MAX_BYTES:
        raise_field_errors({"manual": [_("The manual is larger than 30 MB.")]})
    name = (manual.name or "").lower()
    if not name.endswith(MANUAL_EXTENSIONS):
        raise_field_errors(
            {"manual": [_("Upload the manual as PDF, Word, text or a ZIP archive.")]}
        )
    manual.seek(0)
    head = manual.read(8)
    manual.seek(0)
    if name.endswith(".pdf") and not head.startswith(b"%PDF"):
        raise_field_errors({"manual": [_("This file is not a PDF.")]})
    with transaction.atomic():
        upgrade = lock(upgrade)
        _open_for_edit(upgrade, by)
        upgrade.manual.save(manual.name[-120:], manual, save=False)
        # named without its extension (the title people read; the file keeps it)
        upgrade.manual_name = manual.name.rsplit(".", 1)[0][-200:]
        save_with_history(upgrade, by=by, reason="manual attached")
    return upgrade


def upgrade_approve(upgrade: Upgrade, *, by: User) -> Upgrade:
    """Approve: the manual, the plan, the time outside office hours (or why not) and the
    customer's signed agreement are all there (the transition's conditions)."""
    with transaction.atomic():
        upgrade = transition_run(
            instance=upgrade,
            name="approve",
            by=by,
            kwargs={"at": timezone.now(), "by": by},
            update_fields=["approved_at", "approved_by"],
        )
        if upgrade.engineer is not None:
            _notify(
                upgrade,
                [upgrade.engineer.user],
                "upgrade_approved",
                _("Upgrade approved: %(number)s %(customer)s")
                % {"number": upgrade.number, "customer": upgrade.customer},
            )
    return upgrade


def upgrade_rehearse(
    upgrade: Upgrade,
    *,
    by: User,
    rehearsal_environment: str,
    rehearsal_passed: bool,
    rehearsal_notes: str = "",
) -> Upgrade:
    """Record the rehearsal in a simulated environment; only a passed one opens the gate."""
    errors: dict[str, list[str]] = {}
    if not _text(rehearsal_environment):
        errors["rehearsal_environment"] = [_("In which simulated environment was it rehearsed?")]
    if not rehearsal_passed:
        errors["rehearsal_passed"] = [
            _("A rehearsal that did not pass does not open the gate: fix it and rehearse again.")
        ]
    raise_field_errors(errors)
    with transaction.atomic():
        upgrade = _stage(
            upgrade,
            rehearsal_environment=_text(rehearsal_environment)[:200],
            rehearsal_passed=True,
            rehearsal_notes=_text(rehearsal_notes),
        )
        upgrade = transition_run(
            instance=upgrade,
            name="rehearse",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=[
                "rehearsed_at",
                "rehearsal_environment",
                "rehearsal_passed",
                "rehearsal_notes",
            ],
        )
    return upgrade


def upgrade_back_up(
    upgrade: Upgrade,
    *,
    by: User,
    backup_programs: bool,
    backup_database: bool,
    backup_attachments: bool,
    backup_location: str,
) -> Upgrade:
    """Record the backup of programs, database and attachments, and where it is kept."""
    errors: dict[str, list[str]] = {}
    for name, done, label in (
        ("backup_programs", backup_programs, _("Back up the programs.")),
        ("backup_database", backup_database, _("Back up the database.")),
        ("backup_attachments", backup_attachments, _("Back up the attachments.")),
    ):
        if not done:
            errors[name] = [label]
    if not _text(backup_location):
        errors["backup_location"] = [_("Record where the backup is stored.")]
    raise_field_errors(errors)
    with transaction.atomic():
        upgrade = _stage(
            upgrade,
            backup_programs=True,
            backup_database=True,
            backup_attachments=True,
            backup_location=_text(backup_location)[:300],
        )
        upgrade = transition_run(
            instance=upgrade,
            name="back_up",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=[
                "backed_up_at",
                "backup_programs",
                "backup_database",
                "backup_attachments",
                "backup_location",
            ],
        )
    return upgrade


def upgrade_notify_customer(
    upgrade: Upgrade, *, by: User, when: str, channel: str, contact: str, content: str = ""
) -> UpgradeNotice:
    """Record that the customer was told before or after the upgrade (docs/domain.md
    §upgrade.notices)."""
    errors: dict[str, list[str]] = {}
    if when not in NoticeWhen.values:
        errors["when"] = [_("Before or after the upgrade?")]
    if channel not in NoticeChannel.values:
        errors["channel"] = [_("How was the customer told?")]
    if not _text(contact):
        errors["contact"] = [_("Who at the customer was told?")]
    raise_field_errors(errors)
    if not may_work_upgrade(upgrade, by):
        raise NotPermitted(_("Only the upgrade's engineer or a service manager may do this."))
    with transaction.atomic():
        upgrade = lock(upgrade)
        _check_notice_time(upgrade, when)
        now = timezone.now()
        notice = UpgradeNotice(
            upgrade=upgrade,
            when=when,
            channel=channel,
            contact=_text(contact)[:100],
            content=_text(content),
            by=by,
            at=now,
        )
        save_with_history(notice, by=by, reason="customer told")
        field = "customer_told_before_at" if when == NoticeWhen.BEFORE else "customer_told_after_at"
        if getattr(upgrade, field) is None:
            setattr(upgrade, field, now)
            save_with_history(upgrade, by=by, reason="customer told")
        event_record(
            kind="upgrade.customer_told",
            target=upgrade,
            actor=by,
            data={"when": when, "channel": channel, "contact": notice.contact},
        )
    return notice


def _check_notice_time(upgrade: Upgrade, when: str) -> None:
    if when == NoticeWhen.BEFORE and upgrade.state not in _BEFORE_EXECUTION:
        raise TransitionConflict(_("The upgrade has run: the customer is told after it now."))
    if when == NoticeWhen.AFTER and upgrade.state not in (
        UpgradeState.EXECUTED,
        UpgradeState.REPORTED,
        UpgradeState.ROLLED_BACK,
    ):
        raise TransitionConflict(_("The upgrade has not run yet."))


def upgrade_execute(
    upgrade: Upgrade,
    *,
    by: User,
    executed_at: dt.datetime | None = None,
    execution_in_hours_reason: str = "",
    execution_notes: str = "",
    problems: str = "",
) -> Upgrade:
    """Record the upgrade as run; a time inside office hours needs its reason (docs/domain.md
    §upgrade.gates). Problems found during it are recorded with it."""
    at = _aware(executed_at) or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise_field_errors({"executed_at": [_("The upgrade cannot have run in the future.")]})
    reason = _text(execution_in_hours_reason)
    if in_office_hours(upgrade, at) and not reason and not _text(upgrade.in_hours_reason):
        raise_field_errors(
            {
                "execution_in_hours_reason": [
                    _("The upgrade ran inside office hours: give the reason.")
                ]
            }
        )
    with transaction.atomic():
        upgrade = _stage(
            upgrade,
            execution_in_hours_reason=reason[:300],
            execution_notes=_text(execution_notes),
        )
        upgrade = transition_run(
            instance=upgrade,
            name="execute",
            by=by,
            kwargs={"at": at},
            update_fields=["executed_at", "execution_in_hours_reason", "execution_notes"],
        )
        if _text(problems):
            _problem_save(upgrade, by=by, phase=ProblemPhase.DURING, description=problems)
    return upgrade


def _problem_save(
    upgrade: Upgrade, *, by: User, phase: str, description: str, resolution: str = ""
) -> UpgradeProblem:
    problem = UpgradeProblem(
        upgrade=upgrade,
        phase=phase,
        description=_text(description),
        resolution=_text(resolution),
        recorded_by=by,
    )
    save_with_history(problem, by=by, reason="problem recorded")
    event_record(
        kind="upgrade.problem_recorded",
        target=upgrade,
        actor=by,
        data={"phase": phase, "problem": problem.description[:200]},
    )
    return problem


def upgrade_record_problem(
    upgrade: Upgrade, *, by: User, phase: str, description: str, resolution: str = ""
) -> UpgradeProblem:
    """A problem found during or after the upgrade (docs/domain.md §upgrade.gates)."""
    errors: dict[str, list[str]] = {}
    if phase not in ProblemPhase.values:
        errors["phase"] = [_("During or after the upgrade?")]
    if not _text(description):
        errors["description"] = [_("Describe the problem.")]
    raise_field_errors(errors)
    if not may_work_upgrade(upgrade, by):
        raise NotPermitted(_("Only the upgrade's engineer or a service manager may do this."))
    if upgrade.state in (UpgradeState.PLANNED, UpgradeState.APPROVED, UpgradeState.CANCELLED):
        raise TransitionConflict(_("Problems are recorded once the upgrade is under way."))
    with transaction.atomic():
        return _problem_save(
            lock(upgrade), by=by, phase=phase, description=description, resolution=resolution
        )


def upgrade_submit_report(upgrade: Upgrade, *, by: User, report: str) -> Upgrade:
    """The upgrade report (升级情况说明) goes to the region lead (docs/domain.md §upgrade)."""
    if not _text(report):
        raise_field_errors({"report": [_("Write the upgrade report (升级情况说明).")]})
    with transaction.atomic():
        upgrade = _stage(upgrade, report=_text(report))
        upgrade = transition_run(
            instance=upgrade,
            name="submit_report",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["reported_at", "report"],
        )
        _notify(
            upgrade,
            users_in_roles(Role.REGION_LEAD),
            "upgrade_reported",
            _("Upgrade report: %(number)s %(customer)s")
            % {"number": upgrade.number, "customer": upgrade.customer},
            upgrade.report[:500],
        )
    return upgrade


def upgrade_cancel(upgrade: Upgrade, *, by: User, reason: str) -> Upgrade:
    if not _text(reason):
        raise_field_errors({"reason": [_("Why is the upgrade cancelled?")]})
    if upgrade.state not in UPGRADE_CANCELLABLE:
        raise TransitionConflict(_("An upgrade that has run is rolled back, not cancelled."))
    with transaction.atomic():
        upgrade = transition_run(
            instance=upgrade,
            name="cancel",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)},
            update_fields=["cancelled_at", "cancel_reason"],
        )
        if upgrade.engineer is not None:
            _notify(
                upgrade,
                [upgrade.engineer.user],
                "upgrade_cancelled",
                _("Upgrade cancelled: %(number)s") % {"number": upgrade.number},
                upgrade.cancel_reason,
            )
    return upgrade


def upgrade_roll_back(upgrade: Upgrade, *, by: User, reason: str) -> Upgrade:
    """Restore the backup: the region lead and the service managers are told."""
    if not _text(reason):
        raise_field_errors({"reason": [_("Why was the upgrade rolled back?")]})
    with transaction.atomic():
        upgrade = transition_run(
            instance=upgrade,
            name="roll_back",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)},
            update_fields=["rolled_back_at", "rollback_reason"],
        )
        _notify(
            upgrade,
            [*users_in_roles(Role.REGION_LEAD), *users_in_roles(Role.SERVICE_MANAGER)],
            "upgrade_rolled_back",
            _("Upgrade rolled back: %(number)s %(customer)s")
            % {"number": upgrade.number, "customer": upgrade.customer},
            upgrade.rollback_reason,
        )
    return upgrade
