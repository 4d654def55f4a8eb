"""Routine inspections (例行检查): the schedule per contract, each inspection generated from
it with its on-site checklist, and the inspection report the customer signs
(docs/domain.md §inspection)."""

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
from servicedesk.core.querysets import RestrictedManager

User = settings.AUTH_USER_MODEL

#: How far ahead inspection dispatches are made (docs/domain.md §inspection.generate).
DEFAULT_LEAD_DAYS = 14


class InspectionState(models.TextChoices):
    OPEN = "open", pgettext_lazy("inspection", "Open")
    CHECKED = "checked", pgettext_lazy("inspection", "Checked, awaiting signature")
    SIGNED = "signed", pgettext_lazy("inspection", "Signed by the customer")


class ItemResult(models.TextChoices):
    NONE = "", pgettext_lazy("inspection item", "Not checked")
    OK = "ok", pgettext_lazy("inspection item", "OK")
    ISSUE = "issue", pgettext_lazy("inspection item", "Issue")


class ItemSection(models.TextChoices):
    ENVIRONMENT = "environment", _("Environment")
    CABLES = "cables", _("Power and signal cables")
    VENTS = "vents", _("Vents and dust")
    ERRORS = "errors", _("Error messages")
    LOGS = "logs", _("Log files")
    TESTS = "tests", _("Tests")
    SOFTWARE = "software", _("Software maintenance")


#: The checklist of a routine inspection (docs/domain.md §inspection.checklist), in order:
#: (section, code, label). Software items only when the schedule includes software.
CHECKLIST: list[tuple[str, str, Any]] = [
    (ItemSection.ENVIRONMENT, "temperature", _("Room temperature")),
    (ItemSection.ENVIRONMENT, "humidity", _("Humidity")),
    (ItemSection.ENVIRONMENT, "voltage", _("Supply voltage")),
    (ItemSection.ENVIRONMENT, "placement", _("Placement of the equipment")),
    (ItemSection.CABLES, "power_cables", _("Power cables")),
    (ItemSection.CABLES, "signal_cables", _("Signal cables")),
    (ItemSection.VENTS, "vents", _("Vents free and clean of dust")),
    (ItemSection.ERRORS, "error_messages", _("Error messages on panels and consoles")),
    (ItemSection.LOGS, "log_files", _("System and application log files")),
    (ItemSection.TESTS, "tests", _("Function tests")),
    (ItemSection.SOFTWARE, "software_version", _("Software version and patches")),
    (ItemSection.SOFTWARE, "database", _("Database health and backups")),
]
SOFTWARE_CODES = {code for section, code, _label in CHECKLIST if section == ItemSection.SOFTWARE}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def checklist_for(includes_software: bool) -> list[tuple[str, str, Any]]:
    return [row for row in CHECKLIST if includes_software or row[0] != ItemSection.SOFTWARE]


class InspectionSchedule(models.Model):
    """The routine inspections agreed in a contract: every ``frequency_months`` from
    ``starts_on``, or on fixed days of each year, for the equipment under maintenance,
    by an engineer and a backup engineer (docs/domain.md §inspection.schedule)."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="inspection_schedules",
    )
    starts_on = models.DateField(_("first inspection on"))
    frequency_months = models.PositiveSmallIntegerField(
        _("every (months)"),
        null=True,
        blank=True,
        help_text=_("E.g. 3 for quarterly; leave empty when fixed days are given."),
    )
    fixed_days = models.JSONField(
        _("fixed days (month-day)"),
        default=list,
        blank=True,
        help_text=_("Days of each year as MM-DD, e.g. 03-15, 09-15."),
    )
    equipment = models.TextField(
        _("equipment under maintenance"), blank=True, help_text=_("One item per line.")
    )
    includes_software = models.BooleanField(_("includes software maintenance"), default=False)
    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    backup_engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("backup engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lead_days = models.PositiveSmallIntegerField(
        _("dispatch made days ahead"), default=DEFAULT_LEAD_DAYS
    )
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # The yearly schedule sent to the customer (docs/domain.md §inspection.schedule).
    sent_at = models.DateTimeField(_("schedule e-mailed"), null=True, blank=True)
    sent_to = models.CharField(_("e-mailed to"), max_length=200, blank=True)
    send_error = models.CharField(_("not e-mailed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inspection schedule")
        verbose_name_plural = _("inspection schedules")
        ordering = ["contract", "pk"]
        permissions = [("manage_inspections", _("Can plan routine inspections"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency_months__isnull=False) | ~Q(fixed_days=[]),
                name="inspection_schedule_has_rhythm",
            ),
            models.CheckConstraint(
                condition=Q(frequency_months__isnull=True) | Q(frequency_months__gte=1),
                name="inspection_schedule_frequency_positive",
            ),
        ]
        indexes = [models.Index(fields=["active", "contract"])]

    def __str__(self) -> str:
        return str(_("Inspection schedule of %(contract)s") % {"contract": self.contract})

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:inspection-schedule", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("fieldservice.view_all_dispatches"):
            return None
        from . import engineer_of

        engineer = engineer_of(user)
        if engineer is None:
            return Q(pk__in=[])
        return Q(engineer_id=engineer.pk) | Q(backup_engineer_id=engineer.pk)

    @property
    def equipment_list(self) -> list[str]:
        return [line.strip() for line in (self.equipment or "").splitlines() if line.strip()]

    def rhythm_text(self) -> str:
        if self.frequency_months:
            return str(_("every %(n)s months") % {"n": self.frequency_months})
        return "、".join(self.fixed_days or [])

    def dates_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The inspection days of this schedule from ``first`` to ``last`` (inclusive)."""
        days: list[dt.date] = []
        if first > last:
            return days
        if self.frequency_months:
            step, k = self.frequency_months, 0
            day = self.starts_on
            while day <= last:
                if day >= first:
                    days.append(day)
                k += 1
                day = add_months(self.starts_on, step * k)
            return days
        for year in range(first.year, last.year + 1):
            for text in self.fixed_days or []:
                try:
                    month, dom = (int(x) for x in str(text).split("-"))
                    day = dt.date(year, month, dom)
                except ValueError:
                    continue
                if first <= day <= last and day >= self.starts_on:
                    days.append(day)
        return sorted(days)


@condition(_("Answer every item of the checklist first (OK or issue)."))
def inspection_all_answered(inspection: Inspection) -> bool:
    return not inspection.items.filter(result=ItemResult.NONE).exists()


@condition(_("The customer has not signed the inspection report yet."))
def inspection_customer_signed(inspection: Inspection) -> bool:
    return inspection.customer_signature_id is not None


def may_work_inspection(inspection: Inspection, user: Any) -> bool:
    """Whoever may work the inspection's dispatch works its checklist."""
    from . import may_work_dispatch

    return may_work_dispatch(inspection.dispatch, user)


class Inspection(ConcurrentTransitionMixin, models.Model):
    """One routine inspection: the dispatch the schedule made for a day, its checklist and
    its report (例行检查报告). Unique per schedule and day, so it is never made twice."""

    schedule = models.ForeignKey(
        InspectionSchedule,
        verbose_name=_("schedule"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    due_on = models.DateField(_("due on"))
    dispatch = models.OneToOneField(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        related_name="inspection",
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "contracts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    equipment = models.TextField(_("equipment under maintenance"), blank=True)
    state = FSMField(
        _("state"),
        default=InspectionState.OPEN,
        choices=InspectionState.choices,
        protected=True,
        db_index=True,
    )
    summary = models.TextField(_("summary and recommendations"), blank=True)
    checked_at = models.DateTimeField(_("checklist finished"), null=True, blank=True)
    customer_signature = models.ForeignKey(
        "core.Signature",
        verbose_name=_("customer's signature"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("routine inspection")
        verbose_name_plural = _("routine inspections")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_on"], name="inspection_once_per_day"),
        ]
        indexes = [models.Index(fields=["due_on"]), models.Index(fields=["contract", "due_on"])]

    def __str__(self) -> str:
        return str(
            _("Routine inspection %(day)s %(customer)s")
            % {"day": self.due_on.isoformat(), "customer": self.customer}
        )

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:inspection", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        """As its dispatch (docs/domain.md §partners.scope)."""
        from . import Dispatch

        scope = Dispatch.scope_for_user(user)
        if scope is None:
            return None
        return Q(dispatch__in=Dispatch.objects.filter(scope).values("pk"))

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=InspectionState.OPEN,
        target=InspectionState.CHECKED,
        conditions=[inspection_all_answered],
        permission=may_work_inspection,
    )
    def finish(self, at: dt.datetime) -> None:
        self.checked_at = at

    @transition(
        field=state,
        source=InspectionState.CHECKED,
        target=InspectionState.OPEN,
        permission=may_work_inspection,
    )
    def reopen(self) -> None:
        self.checked_at = None

    @transition(
        field=state,
        source=InspectionState.CHECKED,
        target=InspectionState.SIGNED,
        conditions=[inspection_customer_signed],
        permission=may_work_inspection,
    )
    def sign(self, at: dt.datetime) -> None:
        self.signed_at = at


def inspection_photo_path(instance: InspectionItem, filename: str) -> str:
    ext = (filename.rsplit(".", 1)[-1] if "." in filename else "jpg").lower()[:5]
    return f"inspections/{instance.inspection_id}/{instance.code}-{timezone.now():%H%M%S}.{ext}"


class InspectionItem(models.Model):
    """One line of the checklist: OK or an issue, with a note and a photo; an issue may
    open a ticket or a follow-up dispatch (docs/domain.md §inspection.checklist)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    section = models.CharField(_("section"), max_length=20, choices=ItemSection.choices)
    code = models.CharField(max_length=30)
    label = models.CharField(_("item"), max_length=120)
    result = models.CharField(
        _("result"), max_length=10, choices=ItemResult.choices, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to=inspection_photo_path, blank=True)
    follow_up = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("follow-up dispatch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["inspection", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "code"], name="inspection_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.get_result_display()}"
