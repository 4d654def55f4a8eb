"""Backup policies and restore requests (docs/domain.md §restore): a customer's daily
backup recorded and shown on the archive; a restore needs a plan and the region lead
told before it runs, and both steps are timed by SLA policies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedManager, RestrictedQuerySet

User = settings.AUTH_USER_MODEL

RESTORE_PLAN_FORM = "restore_plan"
#: deadlines of a restore (docs/domain.md §restore): the plan, then the restore itself
RESTORE_PLAN_TARGET = "restore_plan"
RESTORE_TARGET = "restore"


class BackupFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    TWICE_DAILY = "twice_daily", _("Twice a day")
    WEEKLY = "weekly", _("Weekly")


class RestoreState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("restore", "Requested")
    PLANNED = "planned", pgettext_lazy("restore", "Planned")
    DONE = "done", pgettext_lazy("restore", "Done")
    CANCELLED = "cancelled", pgettext_lazy("restore", "Cancelled")


class RestoreOutcome(models.TextChoices):
    RESTORED = "restored", _("Restored completely")
    PARTIAL = "partial", _("Partly restored")
    FAILED = "failed", _("Not restored")


class BackupPolicy(models.Model):
    """What of a customer's system is backed up, how often, where, kept how long."""

    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="backup_policies",
    )
    system = models.CharField(_("system"), max_length=100)
    what = models.CharField(
        _("what is backed up"), max_length=300, help_text=_("Programs, database, attachments…")
    )
    frequency = models.CharField(
        _("how often"), max_length=15, choices=BackupFrequency.choices, default="daily"
    )
    at_time = models.TimeField(_("at"), null=True, blank=True)
    location = models.CharField(_("where"), max_length=300)
    retention_days = models.PositiveSmallIntegerField(
        _("kept for (days)"), validators=[MinValueValidator(1)]
    )
    responsible = models.CharField(_("responsible at the customer"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("backup policy")
        verbose_name_plural = _("backup policies")
        ordering = ["customer", "system"]

    def __str__(self) -> str:
        return f"{self.system} · {self.get_frequency_display()} · {self.location}"


@condition(
    _("Write the restore plan first: scope, expected duration, impact and the backup used."),
    field="scope",
)
def restore_plan_complete(restore: RestoreRequest) -> bool:
    return bool(
        restore.scope.strip()
        and restore.expected_minutes
        and restore.impact.strip()
        and restore.backup_used.strip()
    )


@condition(_("Tell the region lead before the restore runs."))
def restore_region_lead_told(restore: RestoreRequest) -> bool:
    return restore.region_lead_told_at is not None


@condition(_("Record the outcome of the restore."), field="outcome")
def restore_outcome_recorded(restore: RestoreRequest) -> bool:
    return bool(restore.outcome)


class RestoreRequest(ConcurrentTransitionMixin, models.Model):
    """A customer asks for data to be restored from a backup."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="restore_requests",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restore_requests",
    )
    policy = models.ForeignKey(
        BackupPolicy,
        verbose_name=_("backup policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="restores",
    )
    reason = models.TextField(_("what happened"))
    requested_by_name = models.CharField(_("asked by (customer)"), max_length=100)
    # The plan
    scope = models.TextField(_("scope"), blank=True)
    expected_minutes = models.PositiveIntegerField(
        _("expected duration (minutes)"), null=True, blank=True
    )
    impact = models.TextField(_("impact"), blank=True)
    backup_used = models.CharField(_("backup used"), max_length=300, blank=True)
    # Life cycle
    state = FSMField(
        _("state"), default=RestoreState.REQUESTED, choices=RestoreState.choices, protected=True
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    planned_at = models.DateTimeField(_("planned"), null=True, blank=True)
    region_lead_told_at = models.DateTimeField(_("region lead told"), null=True, blank=True)
    executed_at = models.DateTimeField(_("restored"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=RestoreOutcome.choices, blank=True
    )
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    sla_subject = "restore"

    class Meta:
        verbose_name = _("restore request")
        verbose_name_plural = _("restore requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:restore", args=[self.pk])

    def sla_context(self) -> dict[str, str]:
        level = self.contract.service_level if self.contract_id else ""
        return {"service_level": level}

    @transition(
        field=state,
        source=RestoreState.REQUESTED,
        target=RestoreState.PLANNED,
        conditions=[restore_plan_complete],
        permission="fieldservice.manage_dispatch",
    )
    def plan(self, at: dt.datetime) -> None:
        self.planned_at = at

    @transition(
        field=state,
        source=RestoreState.PLANNED,
        target=RestoreState.DONE,
        conditions=[restore_region_lead_told, restore_outcome_recorded],
        permission="fieldservice.work_dispatch",
    )
    def execute(self, at: dt.datetime) -> None:
        self.executed_at = at

    @transition(
        field=state,
        source=[RestoreState.REQUESTED, RestoreState.PLANNED],
        target=RestoreState.CANCELLED,
        permission="fieldservice.manage_dispatch",
    )
    def cancel(self, at: dt.datetime, reason: str) -> None:
        self.cancelled_at = at
        self.cancel_reason = reason

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("fieldservice.view_all_dispatches"):
            return None
        return Q(pk__in=[])
