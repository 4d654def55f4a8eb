"""Field service: engineers and partners, dispatches (服务要求单 / 现场派发单) with their
appointments, on-site visits, service reports, spare parts and sales leads (docs/domain.md
§dispatch, §partners)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from contracts.choices import EntitlementResult, ServiceType
from fieldservice.choices import (
    BUSY_STATES,
    CANCELLABLE_STATES,
    OPEN_STATES,
    BillingMode,
    CooperationModel,
    DispatchKind,
    DispatchSeverity,
    DispatchSource,
    DispatchState,
    LeadKind,
    NextStep,
    Outcome,
    PartUsageKind,
)
from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedManager, RestrictedQuerySet

User = settings.AUTH_USER_MODEL


def split_skills(text: str) -> list[str]:
    """Skills are typed as a list separated by commas (Chinese or Latin) or spaces."""
    for sep in ("，", "、", ";", "；"):
        text = (text or "").replace(sep, ",")
    return [s.strip() for s in text.split(",") if s.strip()]


class Partner(models.Model):
    """A partner company (乙方) whose engineers work for us (docs/domain.md §partners)."""

    name = models.CharField(_("company name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    contact_name = models.CharField(_("contact"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    cooperation_model = models.CharField(
        _("cooperation model"),
        max_length=20,
        choices=CooperationModel.choices,
        default=CooperationModel.SELF_MANAGED,
    )
    billing_mode = models.CharField(
        _("billing mode"),
        max_length=20,
        choices=BillingMode.choices,
        default=BillingMode.PERSON_DAY,
    )
    person_day_rate = models.DecimalField(
        _("person-day rate (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    fee_share_percent = models.DecimalField(
        _("share of the after-sales fee (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner company")
        verbose_name_plural = _("partner companies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(billing_mode="person_day") | Q(person_day_rate__isnull=False),
                name="partner_person_day_needs_rate",
            ),
            models.CheckConstraint(
                condition=~Q(billing_mode="fee_share") | Q(fee_share_percent__isnull=False),
                name="partner_fee_share_needs_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:person-days") + f"?partner={self.pk}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("fieldservice.view_all_dispatches"):
            return None
        engineer = engineer_of(user)
        if engineer is not None and engineer.partner_id:
            return Q(pk=engineer.partner_id)
        return Q(pk__in=[])


class Engineer(models.Model):
    """A field engineer, ours or a partner's (docs/domain.md §partners.certification)."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="engineer"
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engineers",
        help_text=_("Empty for our own engineers."),
    )
    region = models.CharField(_("region"), max_length=60, blank=True, db_index=True)
    skills = models.CharField(
        _("skills"), max_length=300, blank=True, help_text=_("Separated by commas.")
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    certified_on = models.DateField(_("certification passed on"), null=True, blank=True)
    certification_expires_on = models.DateField(
        _("certification expires on"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")
        ordering = ["region", "user__last_name", "user__first_name", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(certification_expires_on__isnull=True)
                | Q(certified_on__isnull=True)
                | Q(certification_expires_on__gt=models.F("certified_on")),
                name="engineer_certification_expires_after_passing",
            )
        ]

    def __str__(self) -> str:
        from servicedesk.core.people import display_name

        return display_name(self.user)

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:engineer", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("fieldservice.view_all_dispatches"):
            return None
        engineer = engineer_of(user)
        if engineer is None:
            return Q(pk__in=[])
        if engineer.partner_id:
            return Q(partner_id=engineer.partner_id)
        return Q(pk=engineer.pk)

    @property
    def skill_list(self) -> list[str]:
        return split_skills(self.skills)

    def is_certified(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        if self.certified_on is None or self.certified_on > on:
            return False
        return self.certification_expires_on is None or self.certification_expires_on > on

    def can_work(self, on: dt.date | None = None) -> bool:
        return self.active and self.user.is_active and self.is_certified(on)


def engineer_of(user: Any) -> Engineer | None:
    """The engineer profile of ``user``, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_fieldservice_engineer"):
        user._fieldservice_engineer = (
            Engineer.objects.filter(user_id=user.pk).only("pk", "partner_id", "user_id").first()
        )
    return user._fieldservice_engineer


class EngineerLeave(models.Model):
    """Days an engineer is away: the board refuses assignments on them."""

    engineer = models.ForeignKey(
        Engineer, verbose_name=_("engineer"), on_delete=models.CASCADE, related_name="leaves"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("engineer leave")
        verbose_name_plural = _("engineer leaves")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="leave_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["engineer", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.engineer} {self.starts_on}–{self.ends_on}"


# -- guards (pure predicates over the instance) -------------------------------------------


@condition(_("Choose a certified, active engineer who is not on leave that day."))
def dispatch_has_engineer(dispatch: Dispatch) -> bool:
    """``assigned`` needs a certified, active engineer (docs/domain.md §dispatch.assign)."""
    engineer = dispatch.engineer
    if engineer is None:
        return False
    day = timezone.localdate(dispatch.planned_start) if dispatch.planned_start else None
    return engineer.can_work(day)


@condition(_("Agree the appointment with the customer first."))
def dispatch_has_appointment(dispatch: Dispatch) -> bool:
    return dispatch.appointment_at is not None


@condition(_("The appointed time has passed: a visit is rescheduled before it, not after."))
def dispatch_before_appointment(dispatch: Dispatch) -> bool:
    """A reschedule happens before the appointed time (docs/domain.md §dispatch.reschedule: 如遇
    特殊情况，提前告知用户并重新确定上门时间)."""
    return dispatch.appointment_at is not None and timezone.now() < dispatch.appointment_at


@condition(_("Fill in the service report first (outcome, cause, solution, steps, precautions)."))
def dispatch_report_complete(dispatch: Dispatch) -> bool:
    return not dispatch.report_missing()


@condition(_("The customer has not signed the service report yet."))
def dispatch_customer_signed(dispatch: Dispatch) -> bool:
    return dispatch.customer_signature_id is not None


@condition(_("An unsolved visit needs its next step: a follow-up visit or a defect."))
def dispatch_next_step_chosen(dispatch: Dispatch) -> bool:
    """An unsolved or partial outcome needs a next step: a follow-up dispatch or a defect
    escalated to headquarters (docs/domain.md §dispatch.next-step)."""
    if dispatch.outcome == Outcome.SOLVED:
        return True
    if dispatch.next_step == NextStep.FOLLOW_UP:
        return True
    return dispatch.next_step == NextStep.DEFECT and dispatch.defect_id is not None


def may_work_dispatch(dispatch: Dispatch, user: Any) -> bool:
    """The assigned engineer works the dispatch; the service manager may act for them."""
    if user.has_perm("fieldservice.manage_dispatch"):
        return True
    if not user.has_perm("fieldservice.work_dispatch"):
        return False
    return dispatch.engineer_id is not None and dispatch.engineer.user_id == user.pk


class DispatchQuerySet(RestrictedQuerySet):
    def open(self) -> DispatchQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def busy(self) -> DispatchQuerySet:
        return self.filter(state__in=BUSY_STATES)

    def unassigned(self) -> DispatchQuerySet:
        return self.filter(state__in=[DispatchState.REQUESTED, DispatchState.VERIFIED])


class Dispatch(ConcurrentTransitionMixin, models.Model):
    """服务要求单: one on-site visit of one engineer to one customer."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DispatchKind.choices, default=DispatchKind.REPAIR
    )
    severity = models.CharField(
        _("severity"),
        max_length=12,
        choices=DispatchSeverity.choices,
        default=DispatchSeverity.NORMAL,
        help_text=_("System down: verified and assigned within one working hour."),
    )
    source = models.CharField(
        _("source"), max_length=12, choices=DispatchSource.choices, default=DispatchSource.MANAGER
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatches",
    )
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatches",
    )
    service_type = models.CharField(
        _("service type"), max_length=30, choices=ServiceType.choices, default=ServiceType.REPAIR
    )
    entitlement = models.CharField(
        _("entitlement"), max_length=15, choices=EntitlementResult.choices, blank=True
    )
    entitlement_reason = models.CharField(_("entitlement reason"), max_length=300, blank=True)
    entitlement_code = models.CharField(max_length=30, blank=True)
    charge = models.JSONField(_("charge"), null=True, blank=True)
    service_fee = models.DecimalField(
        _("after-sales fee (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Charged for this visit; partners paid by share get their part of it."),
    )
    # Site and problem
    site_address = models.CharField(_("site address"), max_length=300)
    contact_name = models.CharField(_("site contact"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    product = models.CharField(_("product"), max_length=100, blank=True)
    problem = models.TextField(_("problem as recorded"))
    notes = models.TextField(_("for the engineer"), blank=True)
    required_skills = models.CharField(_("required skills"), max_length=200, blank=True)
    software_work = models.BooleanField(
        _("software work"),
        default=True,
        help_text=_("Touches the customer's programs or data: a backup is required first."),
    )
    due_from = models.DateTimeField(_("due from"), null=True, blank=True)
    due_by = models.DateTimeField(_("due by"), null=True, blank=True)
    # Life cycle
    state = FSMField(
        _("state"), default=DispatchState.REQUESTED, choices=DispatchState.choices, protected=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    engineer = models.ForeignKey(
        Engineer,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatches",
    )
    assigned_at = models.DateTimeField(_("time assigned"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        User,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The manager whose plan the appointment is compared with."),
    )
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_minutes = models.PositiveIntegerField(
        _("planned duration (minutes)"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)],
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    appointment_note = models.CharField(_("agreed with"), max_length=200, blank=True)
    # The first promise stays: a late arrival is measured against it even after reschedules.
    first_appointment_at = models.DateTimeField(_("first appointment"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("appointment agreed on"), null=True, blank=True)
    out_of_hours_reason = models.CharField(
        _("why outside the service hours"),
        max_length=300,
        blank=True,
        help_text=_("Of the first appointment; each reschedule records its own."),
    )
    reschedule_count = models.PositiveSmallIntegerField(_("reschedules"), default=0)
    checked_in_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Service report (客户服务报告)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    steps = models.TextField(_("steps"), blank=True)
    precautions = models.TextField(_("precautions told to the customer"), blank=True)
    backup_done = models.BooleanField(_("data backed up"), default=False)
    backup_location = models.CharField(_("where the backup is stored"), max_length=300, blank=True)
    new_needs = models.TextField(_("new needs noticed"), blank=True)
    on_site_minutes = models.PositiveIntegerField(
        _("on-site time (minutes)"), null=True, blank=True
    )
    person_days = models.DecimalField(
        _("person-days"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    customer_signature = models.ForeignKey(
        "core.Signature",
        verbose_name=_("customer's signature"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Write-off, next step, follow-up
    written_off_at = models.DateTimeField(_("written off"), null=True, blank=True)
    written_off_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    write_off_note = models.TextField(_("write-off note"), blank=True)
    next_step = models.CharField(
        _("next step"), max_length=12, choices=NextStep.choices, blank=True
    )
    # The defects app depends on this one, so the defect is a plain reference here.
    defect_id = models.PositiveBigIntegerField(_("defect"), null=True, blank=True)
    defect_number = models.CharField(_("defect number"), max_length=30, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("follow-up call"), null=True, blank=True)
    follow_up_satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)

    objects = DispatchQuerySet.as_manager()
    history = HistoricalRecords()

    sla_subject = "dispatch"

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("view_all_dispatches", _("Can see every dispatch")),
            ("manage_dispatch", _("Can verify, assign and cancel dispatches")),
            ("work_dispatch", _("Can work assigned dispatches on site")),
            ("write_off_dispatch", _("Can write off and archive dispatches")),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["engineer", "state"]),
            models.Index(fields=["engineer", "planned_start"]),
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["completed_at"]),
            # The charts' arrival punctuality counts the arrivals of a period.
            models.Index(fields=["checked_in_at"], name="dispatch_checked_in"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_satisfaction__isnull=True)
                | Q(follow_up_satisfaction__gte=1, follow_up_satisfaction__lte=5),
                name="dispatch_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(due_by__isnull=True)
                | Q(due_from__isnull=True)
                | Q(due_by__gte=models.F("due_from")),
                name="dispatch_due_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:dispatch", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        """Engineers see the dispatches assigned to them, partner engineers their partner's
        work (docs/domain.md §partners.scope); everyone else with the view permission sees all."""
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
        return {"service_level": level, "kind": self.kind, "severity": self.severity}

    @property
    def slot_start(self) -> dt.datetime | None:
        return self.appointment_at or self.planned_start

    @property
    def slot_end(self) -> dt.datetime | None:
        start = self.slot_start
        return start + dt.timedelta(minutes=self.planned_minutes) if start else None

    def differs_from_plan(self, at: dt.datetime | None) -> bool:
        """The manager planned a slot when assigning; an appointment starting outside it
        replaces the plan (and the manager is told)."""
        if at is None or self.planned_start is None:
            return False
        end = self.planned_start + dt.timedelta(minutes=self.planned_minutes)
        return not self.planned_start <= at < end

    @property
    def is_system_down(self) -> bool:
        return self.severity == DispatchSeverity.SYSTEM_DOWN

    @property
    def is_out_of_scope(self) -> bool:
        return self.entitlement == EntitlementResult.OUT_OF_SCOPE

    @property
    def needs_next_step(self) -> bool:
        return self.outcome in (Outcome.UNSOLVED, Outcome.PARTIALLY_SOLVED)

    @property
    def is_cancellable(self) -> bool:
        return self.state in CANCELLABLE_STATES

    def report_missing(self) -> list[str]:
        """The report fields still missing before completion (docs/domain.md §dispatch.report)."""
        missing = [
            name
            for name in ("outcome", "cause", "solution", "steps", "precautions")
            if not (getattr(self, name) or "").strip()
        ]
        if self.software_work and not (self.backup_done and self.backup_location.strip()):
            missing.append("backup_location")
        return missing

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=DispatchState.REQUESTED,
        target=DispatchState.VERIFIED,
        permission="fieldservice.manage_dispatch",
    )
    def verify(self, at: dt.datetime) -> None:
        self.verified_at = at

    @transition(
        field=state,
        source=[DispatchState.VERIFIED, DispatchState.ASSIGNED, DispatchState.CONFIRMED],
        target=DispatchState.ASSIGNED,
        conditions=[dispatch_has_engineer],
        permission="fieldservice.manage_dispatch",
    )
    def assign(self, at: dt.datetime, by: Any = None) -> None:
        self.assigned_at = at
        self.assigned_by = by
        self.confirmed_at = None

    @transition(
        field=state,
        source=DispatchState.ASSIGNED,
        target=DispatchState.CONFIRMED,
        permission=may_work_dispatch,
    )
    def confirm(self, at: dt.datetime) -> None:
        self.confirmed_at = at

    @transition(
        field=state,
        source=DispatchState.CONFIRMED,
        target=DispatchState.SCHEDULED,
        conditions=[dispatch_has_appointment],
        permission=may_work_dispatch,
    )
    def schedule(self, at: dt.datetime) -> None:
        self.scheduled_at = at
        self.first_appointment_at = self.appointment_at

    @transition(
        field=state,
        source=DispatchState.SCHEDULED,
        target=DispatchState.SCHEDULED,
        conditions=[dispatch_before_appointment],
        permission=may_work_dispatch,
    )
    def reschedule(self, appointment_at: dt.datetime) -> None:
        self.appointment_at = appointment_at
        self.reschedule_count += 1

    @transition(
        field=state,
        source=DispatchState.SCHEDULED,
        target=DispatchState.ON_SITE,
        permission=may_work_dispatch,
    )
    def check_in(self, at: dt.datetime) -> None:
        self.checked_in_at = at

    @transition(
        field=state,
        source=DispatchState.ON_SITE,
        target=DispatchState.COMPLETED,
        conditions=[dispatch_report_complete, dispatch_customer_signed],
        permission=may_work_dispatch,
    )
    def complete(self, at: dt.datetime) -> None:
        self.completed_at = self.completed_at or at

    @transition(
        field=state,
        source=DispatchState.COMPLETED,
        target=DispatchState.WRITTEN_OFF,
        conditions=[dispatch_customer_signed, dispatch_next_step_chosen],
        permission="fieldservice.write_off_dispatch",
    )
    def write_off(self, at: dt.datetime, note: str = "") -> None:
        self.written_off_at = at
        self.write_off_note = note

    @transition(
        field=state,
        source=DispatchState.WRITTEN_OFF,
        target=DispatchState.ARCHIVED,
        permission="fieldservice.write_off_dispatch",
    )
    def archive(self, at: dt.datetime) -> None:
        self.archived_at = at

    @transition(
        field=state,
        source=CANCELLABLE_STATES,
        target=DispatchState.CANCELLED,
        permission="fieldservice.manage_dispatch",
    )
    def cancel(self, at: dt.datetime, reason: str) -> None:
        self.cancelled_at = at
        self.cancel_reason = reason


class DispatchReschedule(models.Model):
    """Each change of the appointment, with why and whether the customer was told."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="reschedules")
    previous_at = models.DateTimeField(_("previous appointment"))
    new_at = models.DateTimeField(_("new appointment"))
    reason = models.TextField(_("reason"))
    out_of_hours_reason = models.CharField(
        _("why outside the service hours"), max_length=300, blank=True
    )
    customer_informed = models.BooleanField(_("customer informed"), default=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reschedule")
        verbose_name_plural = _("reschedules")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.dispatch.number}: {self.previous_at:%m-%d %H:%M} → {self.new_at:%m-%d %H:%M}"


class SparePartUsage(models.Model):
    """A part used, loaned or taken back on a visit (docs/domain.md §dispatch.parts: with the
    technical manager's approval; emergency loans are completed afterwards; faulty parts
    are tagged and sent for repair)."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(
        _("kind"), max_length=10, choices=PartUsageKind.choices, default=PartUsageKind.REPLACED
    )
    part_name = models.CharField(_("part"), max_length=120)
    part_number = models.CharField(_("part number (PN)"), max_length=60, blank=True)
    serial_number = models.CharField(_("serial number (SN)"), max_length=60, blank=True)
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    emergency = models.BooleanField(_("emergency (paperwork to be completed)"), default=False)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    repair_tag = models.CharField(_("repair tag"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("spare part line")
        verbose_name_plural = _("spare part lines")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.part_name} ×{self.quantity}"

    @property
    def paperwork_pending(self) -> bool:
        return self.approved_at is None


class SalesLead(models.Model):
    """A new need seen on site (upgrade, new module) for sales (docs/domain.md §dispatch.leads:
    用户有新的服务需求…要将服务需求及时做好记录并向公司反映)."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="leads")
    customer = models.ForeignKey(
        "contracts.Customer", on_delete=models.CASCADE, related_name="sales_leads"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LeadKind.choices)
    description = models.TextField(_("need"))
    sales_manager = models.ForeignKey(
        User,
        verbose_name=_("sales manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fieldservice_leads",
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales lead")
        verbose_name_plural = _("sales leads")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"


# Upgrades, partners' exams and settlement, backups and restores (issue 15): their own modules.
from .backups import BackupPolicy as BackupPolicy  # noqa: E402
from .backups import RestoreRequest as RestoreRequest  # noqa: E402

# Routine inspections (docs/domain.md §inspection), in their own module.
from .goods import GoodsInspection  # noqa: E402, F401
from .inspections import (  # noqa: E402, F401
    Inspection,
    InspectionItem,
    InspectionSchedule,
)
from .installations import Installation, InstallationDay  # noqa: E402, F401
from .partners import CertificationExam as CertificationExam  # noqa: E402
from .partners import EngineerEvaluation as EngineerEvaluation  # noqa: E402
from .partners import EngineerHandover as EngineerHandover  # noqa: E402
from .partners import PartnerPenalty as PartnerPenalty  # noqa: E402
from .partners import PartnerTerms as PartnerTerms  # noqa: E402
from .partners import PartnerTraining as PartnerTraining  # noqa: E402
from .partners import TrainingFeeRate as TrainingFeeRate  # noqa: E402
from .stock import (  # noqa: E402,F401 - spare-parts stock (docs/domain.md §stock)
    FaultyPart,
    Part,
    PartLoan,
    StockLevel,
    StockMovement,
    Warehouse,
)
from .support import CustomerQuestion as CustomerQuestion  # noqa: E402
from .support import SupportPlan as SupportPlan  # noqa: E402
from .support import SupportPlanItem as SupportPlanItem  # noqa: E402
from .training import (  # noqa: E402,F401 - customer training (docs/domain.md §training)
    TrainingAttendee,
    TrainingFeedback,
    TrainingSession,
)
from .upgrades import Upgrade as Upgrade  # noqa: E402
from .upgrades import UpgradeNotice as UpgradeNotice  # noqa: E402
from .upgrades import UpgradeProblem as UpgradeProblem  # noqa: E402
