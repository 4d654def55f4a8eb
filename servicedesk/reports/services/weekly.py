"""Weekly reports (工作周报): drafted on the last working day of the week, edited and
submitted by their author, returned by their manager (docs/domain.md §reports.weekly)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.services import notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.types import User

from ..choices import EDITABLE_STATES, LineSource
from ..models import WeeklyReport, WeeklyReportLine, week_monday
from .common import week_bounds

EDITABLE_FIELDS = ("work_done", "other_work", "problems", "next_week")


def drafting_day(today: dt.date) -> bool:
    """Whether ``today`` is the last working day of its week in the default working
    calendar: Friday, or the day before when Friday is a holiday, or a make-up Saturday."""
    from servicedesk.core import worktime
    from servicedesk.core.calendars import calendar_spec, default_calendar

    spec = calendar_spec(default_calendar())
    if not worktime.is_working_day(spec, today):
        return False
    sunday = week_monday(today) + dt.timedelta(days=6)
    day = today + dt.timedelta(days=1)
    while day <= sunday:
        if worktime.is_working_day(spec, day):
            return False
        day += dt.timedelta(days=1)
    return True


def report_writers() -> Any:
    """Active users whose role writes weekly reports (their group holds the right)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__permissions__codename="write_weeklyreport",
            groups__permissions__content_type__app_label="reports",
        )
        .distinct()
        .order_by("pk")
    )


def weekly_reports_draft(*, now: dt.datetime | None = None, force: bool = False) -> dict:
    """The Friday-afternoon task: on the last working day of the week, draft the week's
    report of every writer who has none yet. Safe on two workers at once."""
    today = timezone.localdate(now)
    if not force and not drafting_day(today):
        return {"drafted": 0, "skipped": "not the last working day of the week"}
    week_start = week_monday(today)
    drafted = 0
    for user in report_writers():
        _report, created = weekly_report_draft(author=user, week_start=week_start)
        drafted += int(created)
    return {"drafted": drafted, "week": week_start.isoformat()}


def weekly_report_draft(
    *, author: User, week_start: dt.date, by: User | None = None
) -> tuple[WeeklyReport, bool]:
    """The author's report of the week, drafted once: the unique constraint (author, week)
    makes a second worker's insert wait for the first and then find its row."""
    week_start = week_monday(week_start)
    with transaction.atomic():
        report, created = WeeklyReport.objects.get_or_create(author=author, week_start=week_start)
        if created:
            _fill(report)
            save_with_history(report, by=by, reason="drafted")
    return report, created


def weekly_report_refresh(report: WeeklyReport, *, by: User) -> WeeklyReport:
    """Draft the figures again (work done after the draft was made counts too)."""
    _check_author(report, by)
    with transaction.atomic():
        report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
        _check_editable(report)
        report.lines.all().delete()
        _fill(report, keep_text=True)
        save_with_history(report, by=by, reason="refreshed")
    return report


def weekly_report_edit(report: WeeklyReport, *, by: User, **fields: Any) -> WeeklyReport:
    _check_author(report, by)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    with transaction.atomic():
        report = WeeklyReport.objects.select_for_update().get(pk=report.pk)
        _check_editable(report)
        for name, value in fields.items():
            setattr(report, name, (value or "").strip())
        save_with_history(report, by=by, reason="edited", fields=list(fields))
    return report


def weekly_report_submit(report: WeeklyReport, *, by: User) -> WeeklyReport:
    with transaction.atomic():
        report = transition_run(
            instance=report, name="submit", by=by, update_fields=["submitted_at"]
        )
        manager = _manager_of(report.author)
        if manager is not None:
            notifications_create(
                recipients=[manager],
                kind="weekly_report_submitted",
                title=_("%(name)s submitted the weekly report of the week of %(week)s")
                % {"name": _name(report.author), "week": f"{report.week_start:%Y-%m-%d}"},
                url=report.get_absolute_url(),
                target=report,
                dedupe_key=f"weekly-submitted-{report.pk}-{report.submitted_at or ''}",
            )
    return report


def weekly_report_return(report: WeeklyReport, *, by: User, reason: str = "") -> WeeklyReport:
    reason = (reason or "").strip()
    if not reason:
        raise_field_errors({"reason": [_("Say what should be reworked.")]})
    with transaction.atomic():
        report = transition_run(
            instance=report,
            name="return_for_rework",
            by=by,
            kwargs={"reason": reason},
            update_fields=["returned_at", "return_reason"],
            reason=reason,
        )
        notifications_create(
            recipients=[report.author],
            kind="weekly_report_returned",
            title=_("Your weekly report of the week of %(week)s was returned")
            % {"week": f"{report.week_start:%Y-%m-%d}"},
            body=reason,
            url=report.get_absolute_url(),
            target=report,
        )
    return report


# -- drafting ------------------------------------------------------------------------------


def _fill(report: WeeklyReport, *, keep_text: bool = False) -> None:
    """Write the report's lines from the week's work (aggregate queries of the owning
    apps' selectors) and the totals and first words from the lines."""
    from contracts.selectors import customer_names
    from fieldservice.selectors import visits_by_customer
    from projects.selectors import log_hours_by_project
    from tickets.selectors import tickets_closed_by_customer

    start, end = week_bounds(report.week_start)
    lines: list[WeeklyReportLine] = []
    for row in tickets_closed_by_customer(user_id=report.author_id, start=start, end=end):
        lines.append(
            WeeklyReportLine(
                report=report,
                source=LineSource.TICKET,
                customer_id=row["customer_id"],
                items=row["items"],
                detail="、".join(row["numbers"]),
            )
        )
    for row in visits_by_customer(user_id=report.author_id, start=start, end=end):
        lines.append(
            WeeklyReportLine(
                report=report,
                source=LineSource.VISIT,
                customer_id=row["customer_id"],
                items=row["items"],
                hours=_hours(row["minutes"] or 0),
                detail="、".join(row["numbers"]),
            )
        )
    for row in log_hours_by_project(
        user_id=report.author_id, start=report.week_start, end=report.week_end
    ):
        lines.append(
            WeeklyReportLine(
                report=report,
                source=LineSource.PROJECT_LOG,
                project_id=row["project_id"],
                customer_id=row["project__customer_id"],
                items=row["items"],
                hours=row["hours"],
            )
        )
    WeeklyReportLine.objects.bulk_create(lines)
    totals = WeeklyReportLine.objects.filter(report=report).aggregate(
        tickets=Sum("items", filter=Q(source=LineSource.TICKET)),
        visits=Sum("items", filter=Q(source=LineSource.VISIT)),
        hours=Sum("hours"),
    )
    report.tickets_closed = totals["tickets"] or 0
    report.visits = totals["visits"] or 0
    report.hours = totals["hours"] or Decimal(0)
    report.drafted_at = timezone.now()
    if not keep_text or not report.work_done.strip():
        names = customer_names({line.customer_id for line in lines if line.customer_id})
        # in the active language; the site's where none is (the beat task drafts too)
        with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
            report.work_done = _words(lines, names)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _words(lines: list[WeeklyReportLine], names: dict[int, str]) -> str:
    out = []
    for line in lines:
        who = names.get(line.customer_id or 0, "—")
        if line.source == LineSource.TICKET:
            out.append(
                _("Closed %(n)d hotline ticket(s) of %(customer)s: %(detail)s")
                % {"n": line.items, "customer": who, "detail": line.detail}
            )
        elif line.source == LineSource.VISIT:
            out.append(
                _("Visited %(customer)s %(n)d time(s) on site (%(hours)s h): %(detail)s")
                % {"n": line.items, "customer": who, "hours": line.hours, "detail": line.detail}
            )
        else:
            out.append(
                _("Implementation at %(customer)s: %(n)d day(s) logged, %(hours)s h")
                % {"n": line.items, "customer": who, "hours": line.hours}
            )
    return "\n".join(out)


def _check_author(report: WeeklyReport, by: User) -> None:
    if report.author_id != by.pk:
        raise NotPermitted(_("Only the author edits a weekly report."))


def _check_editable(report: WeeklyReport) -> None:
    if report.state not in EDITABLE_STATES:
        from servicedesk.core.exceptions import TransitionConflict

        raise TransitionConflict(_("A submitted weekly report can no longer be changed."))


def _manager_of(user: Any) -> Any:
    from servicedesk.core.models import StaffProfile

    profile = StaffProfile.objects.filter(user=user).select_related("manager").first()
    return profile.manager if profile is not None else None


def _name(user: Any) -> str:
    from servicedesk.core.people import display_name

    return display_name(user)
