"""Bridge from the calendar tables to the pure time arithmetic of ``worktime``.

``calendar_spec`` caches one immutable ``CalendarSpec`` per calendar and rebuilds it when
the calendar or any of its exceptions changed (one aggregate query decides).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Subquery, Value

from . import worktime
from .choices import DayKind, ServiceLevel, TimeUnit
from .models import CalendarException, WorkCalendar
from .models.calendar import parse_weekly_periods

_cache: dict[int, tuple[tuple, worktime.CalendarSpec]] = {}
_lock = threading.Lock()


def _stamp(calendar: WorkCalendar) -> tuple:
    """What says the cached rules are still the calendar's: read with the calendar when
    it was loaded by ``_with_stamp`` (no query), else one aggregate query."""
    if hasattr(calendar, "exceptions_count"):
        return (calendar.updated_at, calendar.exceptions_count, calendar.exceptions_last)
    agg = calendar.exceptions.aggregate(n=Count("id"), last=Max("updated_at"))
    return (calendar.updated_at, agg["n"], agg["last"])


def _with_stamp(qs: Any) -> Any:
    """Calendars with their exceptions' count and last change (``_stamp``) in the same
    query."""
    return qs.annotate(
        exceptions_count=Count("exceptions"), exceptions_last=Max("exceptions__updated_at")
    )


def _scalar(qs: Any, aggregate: Any) -> Subquery:
    return Subquery(
        qs.order_by().annotate(_all=Value(1)).values("_all").annotate(v=aggregate).values("v")[:1]
    )


#: names of the annotations ``calendars_stamp`` adds
STAMP_FIELDS = ("calendars_n", "calendars_last", "calendar_days_n", "calendar_days_last")


def calendars_stamp() -> dict[str, Subquery]:
    """Annotations saying whether any calendar or exception changed (their numbers and
    last changes), to read with another query: the timer's policy carries them, so the
    calendar a deadline runs on is taken from ``calendar_chosen``'s cache without a query
    while nothing changed (docs/architecture.md §boards)."""
    return dict(
        zip(
            STAMP_FIELDS,
            (
                _scalar(WorkCalendar.objects.all(), Count("id")),
                _scalar(WorkCalendar.objects.all(), Max("updated_at")),
                _scalar(CalendarException.objects.all(), Count("id")),
                _scalar(CalendarException.objects.all(), Max("updated_at")),
            ),
            strict=True,
        )
    )


_chosen: dict[tuple, tuple[tuple, WorkCalendar]] = {}


def calendar_chosen(key: tuple, stamp: tuple, load: Any) -> WorkCalendar:
    """The calendar ``load()`` gives for ``key``, from this process's cache while
    ``stamp`` (``calendars_stamp``, read with the caller's own query) is unchanged. The
    calendar loaded carries its own stamp, so ``calendar_spec`` needs no query either."""
    cached = _chosen.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    calendar = load()
    with _lock:
        _chosen[key] = (stamp, calendar)
    return calendar


def calendar_spec(calendar: WorkCalendar) -> worktime.CalendarSpec:
    stamp = _stamp(calendar)
    cached = _cache.get(calendar.pk)
    if cached and cached[0] == stamp:
        return cached[1]
    holidays, makeup = set(), set()
    for day, kind in calendar.exceptions.values_list("date", "kind"):
        (holidays if kind == DayKind.HOLIDAY else makeup).add(day)
    spec = worktime.CalendarSpec(
        tz=calendar.time_zone,
        weekly=parse_weekly_periods(calendar.weekly_periods),
        holidays=frozenset(holidays),
        makeup_days=frozenset(makeup),
        always_open=calendar.always_open,
    )
    with _lock:
        _cache[calendar.pk] = (stamp, spec)
    return spec


def default_calendar() -> WorkCalendar:
    calendar = _with_stamp(WorkCalendar.objects.filter(is_default=True)).first()
    if calendar is None:
        calendar, _created = WorkCalendar.objects.get_or_create(
            name="标准工作日历 5×8",
            defaults={"is_default": True, "service_level": ServiceLevel.BUSINESS_HOURS},
        )
    return calendar


def calendar_by_pk(pk: int) -> WorkCalendar:
    """One calendar with its stamp (``_stamp``) in the same query."""
    return _with_stamp(WorkCalendar.objects.filter(pk=pk)).get()


def calendar_for_service_level(level: str | None) -> WorkCalendar:
    """The contract's service level picks the calendar (docs/domain.md §deadlines.calendar)."""
    if level:
        calendar = _with_stamp(WorkCalendar.objects.filter(service_level=level)).first()
        if calendar is not None:
            return calendar
    return default_calendar()


def deadline(
    calendar: WorkCalendar,
    start: dt.datetime,
    amount: Decimal | int | float,
    unit: str,
    *,
    spec: worktime.CalendarSpec | None = None,
) -> dt.datetime:
    """``amount`` ``unit`` after ``start`` on ``calendar`` (``spec``: its rules when the
    caller read them already; reading them costs a query)."""
    spec = spec or calendar_spec(calendar)
    return worktime.add(spec, start, _amount(amount, unit), unit)


def _amount(amount: Any, unit: str) -> Any:
    value = Decimal(str(amount))
    if unit in (TimeUnit.WORKING_DAYS,) and value != value.to_integral_value():
        raise ValueError("working days are whole days")
    if value == value.to_integral_value():
        return int(value)
    return float(value)
