"""Reads of the reports app (docs/domain.md §reports). The weekly meeting record and the
monthly project summary are aggregate queries over the submitted weekly reports; nothing
is counted in Python."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, Sum

from servicedesk.core.selectors import team_of
from servicedesk.core.types import User

from .choices import LineSource, ReportState
from .models import SalesBriefing, TripReport, WeeklyReport, WeeklyReportLine, week_monday


def weekly_reports(*, user: User) -> QuerySet[WeeklyReport]:
    return WeeklyReport.objects.restrict(user).select_related("author")


def trip_reports(*, user: User) -> QuerySet[TripReport]:
    return TripReport.objects.restrict(user).select_related("author", "customer", "dispatch")


def briefings(*, user: User) -> QuerySet[SalesBriefing]:
    return SalesBriefing.objects.restrict(user).select_related("author")


def report_lines(report: WeeklyReport) -> QuerySet[WeeklyReportLine]:
    return report.lines.select_related("customer", "project").order_by("source", "id")


def team_members(*, user: User) -> QuerySet:
    """Whose reports the manager's meeting record gathers: everybody for a user who sees
    every team, else the people reporting to them (directly or not); only writers."""
    people = get_user_model().objects.filter(
        is_active=True,
        groups__permissions__codename="write_weeklyreport",
        groups__permissions__content_type__app_label="reports",
    )
    if not user.has_perm("reports.view_all_reports"):
        people = people.filter(pk__in=[pk for pk in team_of(user) if pk != user.pk])
    return people.distinct().order_by("last_name", "first_name", "pk")


@dataclass
class MeetingRecord:
    """周工作记录: the team's week, from the submitted weekly reports."""

    week_start: dt.date
    rows: list[dict[str, Any]]
    totals: dict[str, Any]

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)


def meeting_record(*, user: User, week_start: dt.date) -> MeetingRecord:
    week_start = week_monday(week_start)
    people = list(team_members(user=user))
    reports = {
        r.author_id: r
        for r in WeeklyReport.objects.filter(
            week_start=week_start, author__in=[p.pk for p in people]
        )
    }
    rows = []
    for person in people:
        report = reports.get(person.pk)
        rows.append(
            {
                "person": person,
                "report": report,
                "submitted": report is not None and report.state == ReportState.SUBMITTED,
            }
        )
    totals = WeeklyReport.objects.filter(
        week_start=week_start,
        author__in=[p.pk for p in people],
        state=ReportState.SUBMITTED,
    ).aggregate(
        reports=Count("id"),
        tickets=Sum("tickets_closed"),
        visits=Sum("visits"),
        hours=Sum("hours"),
    )
    totals = {
        "people": len(people),
        "reports": totals["reports"] or 0,
        "tickets": totals["tickets"] or 0,
        "visits": totals["visits"] or 0,
        "hours": totals["hours"] or Decimal(0),
    }
    return MeetingRecord(week_start, rows, totals)


def month_weeks(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The Mondays of the weeks that belong to the month: a week belongs to the month
    holding its Thursday (as ISO weeks belong to years), so each week counts once."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return first - dt.timedelta(days=3), last - dt.timedelta(days=3)


@dataclass
class MonthSummary:
    """月项目汇总表: the month's submitted weekly reports, per project and per customer."""

    year: int
    month: int
    projects: list[dict[str, Any]]
    customers: list[dict[str, Any]]
    totals: dict[str, Any]


def month_summary(*, user: User, year: int, month: int) -> MonthSummary:
    low, high = month_weeks(year, month)
    lines = WeeklyReportLine.objects.filter(
        report__state=ReportState.SUBMITTED,
        report__week_start__gte=low,
        report__week_start__lte=high,
    )
    if not user.has_perm("reports.view_all_reports"):
        lines = lines.filter(report__author_id__in=team_of(user))
    projects: list[dict[str, Any]] = [
        dict(row)
        for row in lines.filter(project__isnull=False)
        .values("project_id", "project__number", "project__title", "project__customer__name")
        .annotate(
            days=Sum("items"),
            logged=Sum("hours"),
            people=Count("report__author", distinct=True),
            weeks=Count("report__week_start", distinct=True),
        )
        .order_by("project__number")
    ]
    for row in projects:
        row["hours"] = row.pop("logged")
    customers: list[dict[str, Any]] = [
        dict(row)
        for row in lines.filter(
            source__in=[LineSource.TICKET, LineSource.VISIT], customer__isnull=False
        )
        .values("customer_id", "customer__name")
        .annotate(
            tickets=Sum("items", filter=Q(source=LineSource.TICKET)),
            visits=Sum("items", filter=Q(source=LineSource.VISIT)),
            logged=Sum("hours"),
        )
        .order_by("customer__name")
    ]
    for row in customers:
        row["hours"] = row.pop("logged")
    totals = lines.aggregate(
        all_hours=Sum("hours"),
        project_hours=Sum("hours", filter=Q(project__isnull=False)),
        tickets=Sum("items", filter=Q(source=LineSource.TICKET)),
        visits=Sum("items", filter=Q(source=LineSource.VISIT)),
        reports=Count("report", distinct=True),
    )
    totals = {k: (v or 0) for k, v in totals.items()}
    totals["hours"] = totals.pop("all_hours")
    return MonthSummary(year, month, projects, customers, totals)
