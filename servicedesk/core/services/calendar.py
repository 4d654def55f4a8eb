"""Writes of the working calendar: seeding from chinesecalendar, CSV import, coverage check."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import DayKind, Role, ServiceLevel
from ..exceptions import ApplicationError
from ..models import CalendarException, WorkCalendar
from .history import history_user
from .notifications import notifications_create

if TYPE_CHECKING:
    from ..types import User

KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "makeup": DayKind.WORKDAY,
    "调休": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    years: list[int] = field(default_factory=list)


def _upsert(
    calendar: WorkCalendar, rows: Iterable[tuple[dt.date, str, str]], by: User | None = None
) -> ImportResult:
    result = ImportResult()
    existing = {e.date: e for e in calendar.exceptions.all()}
    years = set()
    for day, kind, note in rows:
        years.add(day.year)
        current = existing.get(day)
        if current is None:
            obj = CalendarException(calendar=calendar, date=day, kind=kind, note=note[:100])
            history_user(obj, by)
            obj.save()
            existing[day] = obj
            result.created += 1
        elif current.kind != kind or current.note != note[:100]:
            current.kind, current.note = kind, note[:100]
            history_user(current, by)
            current.save(update_fields=["kind", "note", "updated_at"])
            result.updated += 1
        else:
            result.unchanged += 1
    result.years = sorted(years)
    return result


def chinese_calendar_rows() -> list[tuple[dt.date, str, str]]:
    """Every holiday and make-up working day the chinesecalendar package knows."""
    from chinese_calendar.constants import Holiday, holidays, workdays

    chinese = {h.value: h.chinese for h in Holiday}
    rows: list[tuple[dt.date, str, str]] = [
        (day, DayKind.HOLIDAY, chinese.get(name, str(name))) for day, name in holidays.items()
    ]
    rows += [
        (day, DayKind.WORKDAY, f"{chinese.get(name, str(name))}调休上班")
        for day, name in workdays.items()
    ]
    return sorted(rows)


@transaction.atomic
def calendar_load_chinese(*, calendar: WorkCalendar, by: User | None = None) -> ImportResult:
    """Seed a 5×8 calendar with China's public holidays and make-up days (idempotent)."""
    if calendar.always_open:
        return ImportResult()
    return _upsert(calendar, chinese_calendar_rows(), by)


def parse_exceptions_csv(text: str) -> list[tuple[dt.date, str, str]]:
    """Parse ``date,kind,note`` lines; raise ApplicationError listing every bad line."""
    rows: list[tuple[dt.date, str, str]] = []
    errors: list[str] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for number, record in enumerate(reader, start=1):
        if not record or not "".join(record).strip() or record[0].strip().startswith("#"):
            continue
        if number == 1 and record[0].strip().lower() == "date":
            continue
        if len(record) < 2:
            errors.append(_("line %(n)s: expected date,kind,note") % {"n": number})
            continue
        raw_date, raw_kind = record[0].strip(), record[1].strip().lower()
        note = record[2].strip() if len(record) > 2 else ""
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            errors.append(
                _("line %(n)s: %(value)s is not a date (YYYY-MM-DD)")
                % {
                    "n": number,
                    "value": raw_date,
                }
            )
            continue
        kind = KIND_ALIASES.get(raw_kind)
        if kind is None:
            errors.append(_("line %(n)s: kind must be holiday or workday") % {"n": number})
            continue
        rows.append((day, kind, note))
    if errors:
        raise ApplicationError("; ".join(errors[:20]), extra={"file": errors})
    if not rows:
        raise ApplicationError(_("The file has no dates."), extra={"file": [_("empty")]})
    return rows


@transaction.atomic
def calendar_import_csv(
    *, calendar: WorkCalendar, text: str, by: User | None = None
) -> ImportResult:
    return _upsert(calendar, parse_exceptions_csv(text), by)


def calendar_ensure_defaults() -> tuple[WorkCalendar, WorkCalendar]:
    """The default 5×8 calendar (with Chinese holidays) and the 7×24 one."""
    standard = WorkCalendar.objects.filter(is_default=True).first()
    if standard is None:
        standard, _created = WorkCalendar.objects.get_or_create(
            name="标准工作日历 5×8",
            defaults={"is_default": True, "service_level": ServiceLevel.BUSINESS_HOURS},
        )
    round_the_clock, _created = WorkCalendar.objects.get_or_create(
        name="全天候 7×24",
        defaults={
            "always_open": True,
            "service_level": ServiceLevel.ROUND_THE_CLOCK,
            "weekly_periods": {str(d): [["00:00", "24:00"]] for d in range(7)},
        },
    )
    calendar_load_chinese(calendar=standard)
    return standard, round_the_clock


def calendar_coverage_check(*, today: dt.date | None = None) -> int:
    """From 1 November, tell managers daily when next year has no exceptions entered."""
    today = today or timezone.localdate()
    if today.month < 11:
        return 0
    next_year = today.year + 1
    missing = [
        c
        for c in WorkCalendar.objects.filter(always_open=False)
        if not c.exceptions.filter(date__year=next_year).exists()
    ]
    if not missing:
        return 0
    from ..selectors import users_in_roles

    managers = users_in_roles(Role.SERVICE_MANAGER, Role.DIRECTOR, Role.TECH_MANAGER)
    sent = 0
    with transaction.atomic():
        for calendar in missing:
            sent += len(
                notifications_create(
                    recipients=list(managers),
                    kind="calendar_coverage",
                    title=_("%(year)s holidays are not entered in “%(calendar)s”")
                    % {
                        "year": next_year,
                        "calendar": calendar.name,
                    },
                    body=_(
                        "Deadlines after 31 December will ignore public holidays until "
                        "%(year)s's holidays and make-up working days are entered or imported."
                    )
                    % {"year": next_year},
                    url=f"/admin/core/workcalendar/{calendar.pk}/change/",
                    target=calendar,
                    dedupe_key=f"calendar-coverage:{calendar.pk}:{today.isoformat()}",
                )
            )
    return sent
