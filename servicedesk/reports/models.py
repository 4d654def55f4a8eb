"""Weekly reports (工作周报), trip reports (出访报告) and the technical manager's weekly
briefing to sales (docs/domain.md §reports).

The weekly meeting record (周工作记录) and the monthly project summary (月项目汇总表) are
not stored: they are read from the submitted weekly reports by aggregate queries
(servicedesk/reports/selectors.py), so they can never disagree with the reports they summarise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedManager

from .choices import BriefingState, LineSource, ReportState, TripState

User = settings.AUTH_USER_MODEL


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _is_author(report: Any, user: Any) -> bool:
    return report.author_id == user.pk


def _reviews(report: Any, user: Any) -> bool:
    """The author's manager (up the chain) or whoever sees every team's reports."""
    if not user.has_perm("reports.review_weeklyreport"):
        return False
    if user.has_perm("reports.view_all_reports"):
        return True
    from servicedesk.core.selectors import team_of

    return report.author_id != user.pk and report.author_id in team_of(user)


@condition(_("Write what you did this week first."), field="work_done")
def weekly_has_work(report: Any) -> bool:
    return bool((report.work_done or "").strip())


@condition(_("Say what happened on the visit first."), field="what_happened")
def trip_has_story(report: Any) -> bool:
    return bool((report.what_happened or "").strip())


@condition(_("Write the summary for sales first."), field="summary")
def briefing_has_summary(briefing: Any) -> bool:
    return bool((briefing.summary or "").strip())


def _reads_trips(report: Any, user: Any) -> bool:
    return user.has_perm("reports.review_tripreport")


class WeeklyReport(ConcurrentTransitionMixin, models.Model):
    """工作周报: one person's week, drafted from their work on the last working day of the
    week and submitted by them; their manager may return it for rework."""

    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="weekly_reports"
    )
    week_start = models.DateField(_("week of"), help_text=_("The Monday of the week."))
    state = FSMField(
        _("state"), default=ReportState.DRAFT, choices=ReportState.choices, protected=True
    )
    work_done = models.TextField(_("work done this week"), blank=True)
    other_work = models.TextField(_("other work"), blank=True)
    problems = models.TextField(_("problems and help needed"), blank=True)
    next_week = models.TextField(_("plan for next week"), blank=True)
    tickets_closed = models.PositiveIntegerField(_("tickets closed"), default=0)
    visits = models.PositiveIntegerField(_("on-site visits"), default=0)
    hours = models.DecimalField(_("hours recorded"), max_digits=6, decimal_places=1, default=0)
    drafted_at = models.DateTimeField(_("drafted"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start", "author"]
        constraints = [
            models.UniqueConstraint(fields=["author", "week_start"], name="one_report_per_week")
        ]
        indexes = [models.Index(fields=["week_start", "state"])]
        permissions = [
            ("write_weeklyreport", _("Can write own weekly reports")),
            ("review_weeklyreport", _("Can review the team's weekly reports")),
            ("view_all_reports", _("Can see the reports of every team")),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.week_start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reports:weekly", args=[self.pk])

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def number(self) -> str:
        iso = self.week_start.isocalendar()
        return f"ZB{iso[0]}W{iso[1]:02d}-{self.author_id:04d}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("reports.view_all_reports"):
            return None
        if user.has_perm("reports.review_weeklyreport"):
            from servicedesk.core.selectors import team_of

            return Q(author_id__in=team_of(user))
        return Q(author_id=user.pk)

    @transition(
        field=state,
        source=[ReportState.DRAFT, ReportState.RETURNED],
        target=ReportState.SUBMITTED,
        permission=_is_author,
        conditions=[weekly_has_work],
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state, source=ReportState.SUBMITTED, target=ReportState.RETURNED, permission=_reviews
    )
    def return_for_rework(self, reason: str = "") -> None:
        self.returned_at = timezone.now()
        self.return_reason = reason


class WeeklyReportLine(models.Model):
    """One drafted figure of a weekly report: the week's work for one customer or project
    from one source. The monthly project summary sums these lines."""

    report = models.ForeignKey(
        WeeklyReport,
        verbose_name=_("weekly report"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    source = models.CharField(_("source"), max_length=20, choices=LineSource.choices)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    items = models.PositiveIntegerField(_("count"), default=0)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    detail = models.TextField(_("detail"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("weekly report line")
        verbose_name_plural = _("weekly report lines")
        ordering = ["report", "source", "id"]
        indexes = [models.Index(fields=["project", "report"])]

    def __str__(self) -> str:
        return f"{self.report} · {self.get_source_display()}"


class TripReport(ConcurrentTransitionMixin, models.Model):
    """出访报告: after a visit the engineer tells the technical manager what happened,
    what they learnt, what they suggest and how the customer stands
    (docs/domain.md §reports.trips)."""

    dispatch = models.OneToOneField(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        related_name="trip_report",
    )
    author = models.ForeignKey(
        User, verbose_name=_("engineer"), on_delete=models.PROTECT, related_name="trip_reports"
    )
    customer = models.ForeignKey(
        "contracts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visited on"))
    what_happened = models.TextField(_("what happened"), blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    suggestions = models.TextField(_("suggestions"), blank=True)
    customer_situation = models.TextField(_("the customer's situation"), blank=True)
    state = FSMField(_("state"), default=TripState.DRAFT, choices=TripState.choices, protected=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trip report")
        verbose_name_plural = _("trip reports")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["visited_on", "state"])]
        permissions = [("review_tripreport", _("Can read the engineers' trip reports"))]

    def __str__(self) -> str:
        return f"{self.dispatch.number} · {self.author}"

    def get_absolute_url(self) -> str:
        return reverse("reports:trip", args=[self.pk])

    @property
    def number(self) -> str:
        return f"CF-{self.dispatch.number}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("reports.review_tripreport") or user.has_perm("reports.view_all_reports"):
            return None
        return Q(author_id=user.pk)

    @transition(
        field=state,
        source=TripState.DRAFT,
        target=TripState.SUBMITTED,
        permission=_is_author,
        conditions=[trip_has_story],
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state, source=TripState.SUBMITTED, target=TripState.READ, permission=_reads_trips
    )
    def mark_read(self) -> None:
        self.read_at = timezone.now()


class SalesBriefing(ConcurrentTransitionMixin, models.Model):
    """The technical manager's weekly briefing to the sales staff on the week's visits,
    customer by customer (docs/domain.md §reports.briefing)."""

    author = models.ForeignKey(
        User, verbose_name=_("technical manager"), on_delete=models.PROTECT, related_name="+"
    )
    week_start = models.DateField(_("week of"))
    state = FSMField(
        _("state"), default=BriefingState.DRAFT, choices=BriefingState.choices, protected=True
    )
    summary = models.TextField(_("summary for sales"), blank=True)
    drafted_at = models.DateTimeField(_("drafted"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("briefing to sales")
        verbose_name_plural = _("briefings to sales")
        ordering = ["-week_start", "author"]
        constraints = [
            models.UniqueConstraint(fields=["author", "week_start"], name="one_briefing_per_week")
        ]
        permissions = [("write_salesbriefing", _("Can write the weekly briefing to sales"))]

    def __str__(self) -> str:
        return f"{self.author} · {self.week_start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reports:briefing", args=[self.pk])

    @property
    def number(self) -> str:
        iso = self.week_start.isocalendar()
        return f"TB{iso[0]}W{iso[1]:02d}-{self.author_id:04d}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("reports.write_salesbriefing") or user.has_perm(
            "reports.view_all_reports"
        ):
            return None
        return Q(state=BriefingState.SENT)

    @transition(
        field=state,
        source=BriefingState.DRAFT,
        target=BriefingState.SENT,
        permission=_is_author,
        conditions=[briefing_has_summary],
    )
    def send(self) -> None:
        self.sent_at = timezone.now()


class BriefingItem(models.Model):
    """One customer's visits of the week in a briefing."""

    briefing = models.ForeignKey(
        SalesBriefing, verbose_name=_("briefing"), on_delete=models.CASCADE, related_name="items"
    )
    customer = models.ForeignKey(
        "contracts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    visits = models.PositiveIntegerField(_("visits"), default=0)
    solved = models.PositiveIntegerField(_("solved"), default=0)
    notes = models.TextField(_("what sales should know"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("briefing item")
        verbose_name_plural = _("briefing items")
        ordering = ["briefing", "customer__name"]
        constraints = [
            models.UniqueConstraint(fields=["briefing", "customer"], name="one_item_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.briefing} · {self.customer}"
