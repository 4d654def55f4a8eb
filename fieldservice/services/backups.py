"""Writes of backup policies and restore requests (docs/domain.md §restore): the plan
and the restore are timed by SLA policies (``restore_plan``, ``restore``); the region
lead is told before the restore runs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import TransitionConflict, raise_field_errors
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.timers import timer_meet, timer_start, timers_cancel_all
from servicedesk.core.services.transitions import lock

from ..models.backups import (
    RESTORE_PLAN_TARGET,
    RESTORE_TARGET,
    BackupFrequency,
    BackupPolicy,
    RestoreOutcome,
    RestoreRequest,
    RestoreState,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _text(value: Any) -> str:
    return (value or "").strip()


def backup_policy_save(
    *,
    by: User,
    customer: Any,
    system: str,
    what: str,
    frequency: str,
    location: str,
    retention_days: int,
    at_time: dt.time | None = None,
    responsible: str = "",
    policy: BackupPolicy | None = None,
) -> BackupPolicy:
    """Record (or change) a customer's backup policy: what, how often, where, how long."""
    errors: dict[str, list[str]] = {}
    if customer is None:
        errors["customer"] = [_("Which customer's backup?")]
    for name, value, message in (
        ("system", system, _("Which system is backed up?")),
        ("what", what, _("What is backed up?")),
        ("location", location, _("Where is the backup kept?")),
    ):
        if not _text(value):
            errors[name] = [message]
    if frequency not in BackupFrequency.values:
        errors["frequency"] = [_("How often is it backed up?")]
    if not retention_days or retention_days < 1:
        errors["retention_days"] = [_("How many days is a backup kept?")]
    raise_field_errors(errors)
    with transaction.atomic():
        policy = policy or BackupPolicy(recorded_by=by)
        policy.customer = customer
        policy.system = _text(system)[:100]
        policy.what = _text(what)[:300]
        policy.frequency = frequency
        policy.at_time = at_time
        policy.location = _text(location)[:300]
        policy.retention_days = retention_days
        policy.responsible = _text(responsible)[:100]
        save_with_history(policy, by=by, reason="backup policy")
    return policy


def restore_request_create(
    *,
    by: User,
    customer: Any,
    reason: str,
    requested_by_name: str,
    policy: BackupPolicy | None = None,
    contract: Any = None,
) -> RestoreRequest:
    """A customer asks for a restore; the ``restore_plan`` deadline starts."""
    errors: dict[str, list[str]] = {}
    if customer is None:
        errors["customer"] = [_("Which customer asks for the restore?")]
    if not _text(reason):
        errors["reason"] = [_("What happened?")]
    if not _text(requested_by_name):
        errors["requested_by_name"] = [_("Who at the customer asked?")]
    if policy is not None and customer is not None and policy.customer_id != customer.pk:
        errors["policy"] = [_("This backup policy belongs to another customer.")]
    raise_field_errors(errors)
    with transaction.atomic():
        now = timezone.now()
        restore = RestoreRequest(
            number=uuid.uuid4().hex[:20],
            customer=customer,
            contract=contract,
            policy=policy,
            reason=_text(reason),
            requested_by_name=_text(requested_by_name)[:100],
            created_by=by,
            created_at=now,
        )
        save_with_history(restore, by=by, reason="restore requested")
        restore.number = f"HF{timezone.localtime(now):%Y%m%d}-{restore.pk:05d}"
        restore.save(update_fields=["number"])
        event_record(kind="restorerequest.requested", target=restore, actor=by, data={})
        timer_start(
            subject=restore,
            target=RESTORE_PLAN_TARGET,
            started_at=now,
            owner_role=Role.SERVICE_MANAGER,
        )
        notifications_create(
            recipients=users_in_roles(Role.SERVICE_MANAGER),
            kind="restore_requested",
            title=_("Restore requested: %(number)s %(customer)s")
            % {"number": restore.number, "customer": customer},
            body=restore.reason[:500],
            url=restore.get_absolute_url(),
            target=restore,
        )
    return restore


def _stage(restore: RestoreRequest, **fields: Any) -> RestoreRequest:
    """Input the gate reads, written on the locked row before the transition (docs/
    architecture.md §transitions.staging)."""
    locked = lock(restore)
    if locked.state != restore.state:
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


def restore_plan(
    restore: RestoreRequest,
    *,
    by: User,
    scope: str,
    expected_minutes: int | None,
    impact: str,
    backup_used: str,
) -> RestoreRequest:
    """The plan: scope, expected duration, impact and the backup it uses. Meets
    ``restore_plan`` and starts ``restore``."""
    errors: dict[str, list[str]] = {}
    for name, value, message in (
        ("scope", scope, _("What is restored?")),
        ("impact", impact, _("What does the restore affect?")),
        ("backup_used", backup_used, _("Which backup is used?")),
    ):
        if not _text(value):
            errors[name] = [message]
    if not expected_minutes or expected_minutes < 1:
        errors["expected_minutes"] = [_("How long will it take?")]
    raise_field_errors(errors)
    with transaction.atomic():
        restore = _stage(
            restore,
            scope=_text(scope),
            expected_minutes=expected_minutes,
            impact=_text(impact),
            backup_used=_text(backup_used)[:300],
        )
        now = timezone.now()
        restore = transition_run(
            instance=restore,
            name="plan",
            by=by,
            kwargs={"at": now},
            update_fields=["planned_at", "scope", "expected_minutes", "impact", "backup_used"],
        )
        timer_meet(subject=restore, target=RESTORE_PLAN_TARGET, at=now)
        timer_start(
            subject=restore, target=RESTORE_TARGET, started_at=now, owner_role=Role.SERVICE_MANAGER
        )
    return restore


def restore_notify_region_lead(restore: RestoreRequest, *, by: User) -> RestoreRequest:
    """Tell the region leads of the plan before the restore runs (docs/domain.md §restore)."""
    if not by.has_perm("fieldservice.manage_dispatch"):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("Only a service manager tells the region lead."))
    with transaction.atomic():
        restore = lock(restore)
        if restore.state != RestoreState.PLANNED:
            raise TransitionConflict(_("The region lead is told of a planned restore."))
        if restore.region_lead_told_at is not None:
            return restore
        leads = list(users_in_roles(Role.REGION_LEAD))
        if not leads:
            raise TransitionConflict(_("Nobody holds the region lead role: name one first."))
        notifications_create(
            recipients=leads,
            kind="restore_planned",
            title=_("Restore planned: %(number)s %(customer)s")
            % {"number": restore.number, "customer": restore.customer},
            body=_("Scope: %(scope)s\nImpact: %(impact)s\nBackup: %(backup)s")
            % {"scope": restore.scope, "impact": restore.impact, "backup": restore.backup_used},
            url=restore.get_absolute_url(),
            target=restore,
        )
        restore.region_lead_told_at = timezone.now()
        save_with_history(restore, by=by, reason="region lead told")
        event_record(
            kind="restorerequest.region_lead_told",
            target=restore,
            actor=by,
            data={"leads": [u.pk for u in leads]},
        )
    return restore


def restore_execute(
    restore: RestoreRequest, *, by: User, outcome: str, outcome_notes: str = ""
) -> RestoreRequest:
    """The restore ran: its outcome is recorded; only after the region lead was told."""
    if outcome not in RestoreOutcome.values:
        raise_field_errors({"outcome": [_("Record the outcome of the restore.")]})
    if outcome != RestoreOutcome.RESTORED and not _text(outcome_notes):
        raise_field_errors({"outcome_notes": [_("What was not restored, and why?")]})
    with transaction.atomic():
        restore = _stage(restore, outcome=outcome, outcome_notes=_text(outcome_notes))
        now = timezone.now()
        restore = transition_run(
            instance=restore,
            name="execute",
            by=by,
            kwargs={"at": now},
            update_fields=["executed_at", "outcome", "outcome_notes"],
        )
        timer_meet(subject=restore, target=RESTORE_TARGET, at=now)
    return restore


def restore_cancel(restore: RestoreRequest, *, by: User, reason: str) -> RestoreRequest:
    if not _text(reason):
        raise_field_errors({"reason": [_("Why is the restore cancelled?")]})
    with transaction.atomic():
        restore = transition_run(
            instance=restore,
            name="cancel",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)},
            update_fields=["cancelled_at", "cancel_reason"],
        )
        timers_cancel_all(subject=restore)
    return restore
