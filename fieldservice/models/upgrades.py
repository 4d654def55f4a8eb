"""Upgrades with their gates (docs/domain.md §upgrade): planned → approved → rehearsed →
backed_up → executed → reported, plus cancelled and rolled_back. Each gate is a
condition that names the missing evidence, so the action is offered disabled with the
reason until the evidence is added (docs/architecture.md §action-layer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedQuerySet

User = settings.AUTH_USER_MODEL

#: the printed upgrade plan and customer agreement (升级方案及客户确认书) and the report
UPGRADE_PLAN_FORM = "upgrade_plan"
UPGRADE_REPORT_FORM = "upgrade_report"


class UpgradeState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("upgrade", "Planned")
    APPROVED = "approved", pgettext_lazy("upgrade", "Approved")
    REHEARSED = "rehearsed", pgettext_lazy("upgrade", "Rehearsed")
    BACKED_UP = "backed_up", pgettext_lazy("upgrade", "Backed up")
    EXECUTED = "executed", pgettext_lazy("upgrade", "Executed")
    REPORTED = "reported", pgettext_lazy("upgrade", "Reported")
    CANCELLED = "cancelled", pgettext_lazy("upgrade", "Cancelled")
    ROLLED_BACK = "rolled_back", pgettext_lazy("upgrade", "Rolled back")


UPGRADE_OPEN_STATES = [
    UpgradeState.PLANNED,
    UpgradeState.APPROVED,
    UpgradeState.REHEARSED,
    UpgradeState.BACKED_UP,
    UpgradeState.EXECUTED,
]
UPGRADE_CANCELLABLE = [
    UpgradeState.PLANNED,
    UpgradeState.APPROVED,
    UpgradeState.REHEARSED,
    UpgradeState.BACKED_UP,
]


class ProblemPhase(models.TextChoices):
    DURING = "during", _("During the upgrade")
    AFTER = "after", _("After the upgrade")


class NoticeWhen(models.TextChoices):
    BEFORE = "before", _("Before the upgrade")
    AFTER = "after", _("After the upgrade")


class NoticeChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PRINTED = "printed", _("Printed notice handed over")
    MEETING = "meeting", _("In person")


# -- guards (pure predicates; each names the evidence it waits for) -----------------------


@condition(_("No upgrade manual, no upgrade: attach the upgrade manual first."))
def upgrade_has_manual(upgrade: Upgrade) -> bool:
    return bool(upgrade.manual)


@condition(_("Fill in the plan first: the time, the content, the risks and the contingency plan."))
def upgrade_plan_complete(upgrade: Upgrade) -> bool:
    return not upgrade.plan_missing()


@condition(
    _(
        "The planned time is inside office hours: an upgrade runs outside them unless a "
        "reason is given."
    )
)
def upgrade_time_justified(upgrade: Upgrade) -> bool:
    return not upgrade.planned_in_office_hours or bool(upgrade.in_hours_reason.strip())


@condition(
    _(
        "The customer has not signed the upgrade plan and agreement (time, content, risks, "
        "contingency plan) as it stands."
    )
)
def upgrade_customer_agreed(upgrade: Upgrade) -> bool:
    return upgrade.customer_agreement_current()


@condition(
    _("Record a rehearsal in a simulated environment that passed."), field="rehearsal_passed"
)
def upgrade_rehearsal_passed(upgrade: Upgrade) -> bool:
    return upgrade.rehearsal_passed and bool(upgrade.rehearsal_environment.strip())


@condition(
    _(
        "Back up the programs, the database and the attachments, and record where the "
        "backup is stored."
    ),
    field="backup_location",
)
def upgrade_backup_complete(upgrade: Upgrade) -> bool:
    return (
        upgrade.backup_programs
        and upgrade.backup_database
        and upgrade.backup_attachments
        and bool(upgrade.backup_location.strip())
    )


@condition(_("Tell the customer before the upgrade first (notice recorded)."))
def upgrade_customer_told_before(upgrade: Upgrade) -> bool:
    return upgrade.customer_told_before_at is not None


@condition(_("Tell the customer after the upgrade first (notice recorded)."))
def upgrade_customer_told_after(upgrade: Upgrade) -> bool:
    return upgrade.customer_told_after_at is not None


@condition(_("Write the upgrade report (升级情况说明) first."), field="report")
def upgrade_report_written(upgrade: Upgrade) -> bool:
    return bool(upgrade.report.strip())


def may_work_upgrade(upgrade: Upgrade, user: Any) -> bool:
    """The upgrade's engineer (or the one training a self-upgrading customer) works it; the
    service manager may act for them."""
    if user.has_perm("fieldservice.manage_dispatch"):
        return True
    if not user.has_perm("fieldservice.work_dispatch"):
        return False
    return upgrade.engineer_id is not None and upgrade.engineer.user_id == user.pk


class UpgradeQuerySet(RestrictedQuerySet):
    def open(self) -> UpgradeQuerySet:
        return self.filter(state__in=UPGRADE_OPEN_STATES)


class Upgrade(ConcurrentTransitionMixin, models.Model):
    """One upgrade of a customer's system, with the evidence each gate needs."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="upgrades",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upgrades",
    )
    dispatch = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("on-site visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="upgrades",
    )
    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="upgrades",
        help_text=_("Who upgrades, or who trains a customer upgrading by themselves."),
    )
    self_service = models.BooleanField(
        _("the customer upgrades by themselves"),
        default=False,
        help_text=_("Guided checklist with the same gates, recorded by the training engineer."),
    )
    product = models.CharField(_("product"), max_length=100)
    from_version = models.CharField(_("from version"), max_length=40, blank=True)
    to_version = models.CharField(_("to version"), max_length=40)
    content = models.TextField(_("content of the upgrade"), blank=True)
    risks = models.TextField(_("risks"), blank=True)
    contingency_plan = models.TextField(_("contingency plan"), blank=True)
    planned_start = models.DateTimeField(_("planned time"), null=True, blank=True)
    planned_minutes = models.PositiveIntegerField(_("planned duration (minutes)"), default=240)
    in_hours_reason = models.CharField(
        _("why inside office hours"),
        max_length=300,
        blank=True,
        help_text=_("Upgrades run outside office hours unless there is a reason."),
    )
    manual = models.FileField(
        _("upgrade manual"), upload_to="upgrades/manuals/%Y/%m/", blank=True, max_length=300
    )
    manual_name = models.CharField(_("manual"), max_length=200, blank=True)
    # Gates
    state = FSMField(
        _("state"), default=UpgradeState.PLANNED, choices=UpgradeState.choices, protected=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("planned on"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rehearsal_environment = models.CharField(_("rehearsal environment"), max_length=200, blank=True)
    rehearsal_passed = models.BooleanField(_("rehearsal passed"), default=False)
    rehearsal_notes = models.TextField(_("rehearsal notes"), blank=True)
    rehearsed_at = models.DateTimeField(_("rehearsed"), null=True, blank=True)
    backup_programs = models.BooleanField(_("programs backed up"), default=False)
    backup_database = models.BooleanField(_("database backed up"), default=False)
    backup_attachments = models.BooleanField(_("attachments backed up"), default=False)
    backup_location = models.CharField(_("where the backup is stored"), max_length=300, blank=True)
    backed_up_at = models.DateTimeField(_("backed up"), null=True, blank=True)
    customer_told_before_at = models.DateTimeField(_("customer told before"), null=True, blank=True)
    customer_told_after_at = models.DateTimeField(_("customer told after"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed"), null=True, blank=True)
    execution_in_hours_reason = models.CharField(
        _("why executed inside office hours"), max_length=300, blank=True
    )
    execution_notes = models.TextField(_("execution notes"), blank=True)
    report = models.TextField(_("upgrade report (升级情况说明)"), blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    rolled_back_at = models.DateTimeField(_("rolled back"), null=True, blank=True)
    rollback_reason = models.TextField(_("why rolled back"), blank=True)

    objects = UpgradeQuerySet.as_manager()
    # The file's storage path is no business of the history; its name is (manual_name).
    history = HistoricalRecords(excluded_fields=["manual"])

    sla_subject = "upgrade"

    class Meta:
        verbose_name = _("upgrade")
        verbose_name_plural = _("upgrades")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "planned_start"])]

    def __str__(self) -> str:
        return f"{self.number} {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:upgrade", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        """Like dispatches (docs/domain.md §partners.scope): an engineer sees their own
        upgrades, a partner's engineer their partner's."""
        from . import engineer_of

        if user.has_perm("fieldservice.view_all_dispatches"):
            return None
        engineer = engineer_of(user)
        if engineer is None:
            return Q(pk__in=[])
        if engineer.partner_id:
            return Q(engineer__partner_id=engineer.partner_id)
        return Q(engineer_id=engineer.pk)

    def sla_context(self) -> dict[str, str]:
        level = self.contract.service_level if self.contract_id else ""
        return {"service_level": level, "kind": "self_service" if self.self_service else ""}

    # -- evidence ------------------------------------------------------------------------

    def plan_missing(self) -> list[str]:
        missing = [n for n in ("content", "risks", "contingency_plan") if not getattr(self, n)]
        if self.planned_start is None:
            missing.insert(0, "planned_start")
        return missing

    @property
    def planned_in_office_hours(self) -> bool:
        return self.planned_start is not None and in_office_hours(self, self.planned_start)

    @property
    def manual_title(self) -> str:
        return self.manual_name

    def customer_agreement_current(self) -> bool:
        """A customer signature on the printed plan whose content is the plan as it stands
        (docs/domain.md §signatures.content: a changed plan is signed again)."""
        cached = getattr(self, "_agreement_current", None)
        if cached is not None:
            return cached
        from servicedesk.core import printing
        from servicedesk.core.printforms import form_get, unsigned_document
        from servicedesk.core.selectors import signatures_for

        signed = set(
            signatures_for(self, UPGRADE_PLAN_FORM)
            .filter(signer_role="customer")
            .values_list("content_sha256", flat=True)
        )
        current = False
        if signed:
            spec = form_get(type(self), UPGRADE_PLAN_FORM)
            current = printing.content_fingerprint(unsigned_document(spec, self)) in signed
        self._agreement_current = current
        return current

    # -- transitions (pure) ---------------------------------------------------------------
    @transition(
        field=state,
        source=UpgradeState.PLANNED,
        target=UpgradeState.APPROVED,
        conditions=[
            upgrade_has_manual,
            upgrade_plan_complete,
            upgrade_time_justified,
            upgrade_customer_agreed,
        ],
        permission="fieldservice.manage_dispatch",
    )
    def approve(self, at: dt.datetime, by: Any = None) -> None:
        self.approved_at = at
        self.approved_by = by

    @transition(
        field=state,
        source=UpgradeState.APPROVED,
        target=UpgradeState.REHEARSED,
        conditions=[upgrade_rehearsal_passed],
        permission=may_work_upgrade,
    )
    def rehearse(self, at: dt.datetime) -> None:
        self.rehearsed_at = at

    @transition(
        field=state,
        source=UpgradeState.REHEARSED,
        target=UpgradeState.BACKED_UP,
        conditions=[upgrade_backup_complete],
        permission=may_work_upgrade,
    )
    def back_up(self, at: dt.datetime) -> None:
        self.backed_up_at = at

    @transition(
        field=state,
        source=UpgradeState.BACKED_UP,
        target=UpgradeState.EXECUTED,
        conditions=[
            upgrade_rehearsal_passed,
            upgrade_backup_complete,
            upgrade_customer_told_before,
        ],
        permission=may_work_upgrade,
    )
    def execute(self, at: dt.datetime) -> None:
        self.executed_at = at

    @transition(
        field=state,
        source=UpgradeState.EXECUTED,
        target=UpgradeState.REPORTED,
        conditions=[upgrade_report_written, upgrade_customer_told_after],
        permission=may_work_upgrade,
    )
    def submit_report(self, at: dt.datetime) -> None:
        self.reported_at = at

    @transition(
        field=state,
        source=UPGRADE_CANCELLABLE,
        target=UpgradeState.CANCELLED,
        permission="fieldservice.manage_dispatch",
    )
    def cancel(self, at: dt.datetime, reason: str) -> None:
        self.cancelled_at = at
        self.cancel_reason = reason

    @transition(
        field=state,
        source=[UpgradeState.BACKED_UP, UpgradeState.EXECUTED],
        target=UpgradeState.ROLLED_BACK,
        permission=may_work_upgrade,
    )
    def roll_back(self, at: dt.datetime, reason: str) -> None:
        self.rolled_back_at = at
        self.rollback_reason = reason


def in_office_hours(upgrade: Upgrade, at: dt.datetime) -> bool:
    """Office hours are the working time of the office calendar (docs/domain.md
    §upgrade.gates: upgrades run outside them, when the customer's users are not working)."""
    from servicedesk.core import worktime
    from servicedesk.core.calendars import calendar_spec, default_calendar

    return worktime.is_working_time(calendar_spec(default_calendar()), at)


class UpgradeProblem(models.Model):
    """A problem found during or after an upgrade, with what was done about it."""

    upgrade = models.ForeignKey(Upgrade, on_delete=models.CASCADE, related_name="problems")
    phase = models.CharField(_("when"), max_length=10, choices=ProblemPhase.choices)
    description = models.TextField(_("problem"))
    resolution = models.TextField(_("what was done"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("upgrade problem")
        verbose_name_plural = _("upgrade problems")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_phase_display()}: {self.description[:40]}"


class UpgradeNotice(models.Model):
    """The customer told before or after the upgrade (docs/domain.md §upgrade.notices)."""

    upgrade = models.ForeignKey(Upgrade, on_delete=models.CASCADE, related_name="notices")
    when = models.CharField(_("when"), max_length=10, choices=NoticeWhen.choices)
    channel = models.CharField(_("how"), max_length=10, choices=NoticeChannel.choices)
    contact = models.CharField(_("who was told"), max_length=100)
    content = models.TextField(_("what was said"), blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer notice")
        verbose_name_plural = _("customer notices")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_when_display()} {self.contact}"
