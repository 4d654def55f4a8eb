"""Working-time arithmetic: the one place where every deadline unit is computed.

Pure standard library (``zoneinfo``), no Django: models hold calendars, this module
only sees an immutable :class:`CalendarSpec` and aware datetimes (docs/domain.md §worktime).

Conventions, chosen once so that every caller gets the same answer:

* All datetimes in and out are timezone-aware (naive input raises ``ValueError``).
  Results are returned in the calendar's time zone.
* Working periods are local wall-clock ``(start, end)`` pairs within one day, half open
  ``[start, end)``. ``end=None`` means midnight at the end of the day (24:00), so that a
  24-hour period or a period running until midnight needs no ``time.max`` trick.
* Working time is *real elapsed time* inside periods. On DST days a local boundary that
  does not exist (spring-forward gap) moves forward to the first existing instant; an
  ambiguous one (fall-back) is read with ``fold=0``, i.e. its first occurrence.
* ``working_minutes`` / ``working_hours``: the earliest instant at which the required
  working time has passed (11:00 + 60 = 12:00, not 13:00). A start outside working time
  counts from the next period start. Adding 0 returns the start unchanged.
* ``working_days`` (Civil Code art. 201/203): the start's local date is not counted; the
  deadline is the end of the last working period of the N-th working day strictly after
  that date. Starting on a non-working day the next working day is therefore day 1.
  Adding 0 returns the start unchanged.
* ``next_working_day_start``: the first period start of the first working day strictly
  after the start's local date (Wed 07:00 gives Thu 09:00).
* ``minutes`` / ``hours``: wall-clock time, i.e. plain ``timedelta`` addition in UTC.
* Amounts are non-negative; negative amounts raise ``ValueError``. Fractional amounts
  are rounded (half-even) to the microsecond; ``working_days`` must be integral.
* A working day is a date with at least one non-empty working period. Searching more
  than :data:`MAX_EMPTY_DAYS` consecutive days without working time raises ``ValueError``.
* ``always_open`` (7x24): every instant is working time; a working day closes at 24:00,
  so Wed 10:00 + 1 working day is Fri 00:00 (the end of Thursday).
* Wrong types (a string amount, a bool, a date for a datetime) raise ``TypeError``;
  results beyond year 9999 raise ``ValueError``.
* Laws (property-tested): ``add_working_minutes(add_working_minutes(s, a), b) ==
  add_working_minutes(s, a + b)`` for all a, b >= 0; ``working_time_between(s,
  add_working_minutes(s, a)) == a``; ``working_time_between`` is additive and
  antisymmetric; every unit is monotone in the start. ``add_working_days`` composes the
  same way only when no working day closes at 24:00 (a 24:00 close is the next date).
* Per-date periods are resolved once and memoised per spec instance, behind a shared LRU
  keyed by ``(spec, date)``: callers should keep and reuse one spec per calendar.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache, wraps
from typing import Any, Final, Literal, TypeAlias, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "MAX_EMPTY_DAYS",
    "UNITS",
    "Amount",
    "CalendarSpec",
    "Period",
    "Unit",
    "add",
    "add_working_days",
    "add_working_hours",
    "add_working_minutes",
    "add_working_time",
    "is_working_day",
    "is_working_time",
    "next_working_day_start",
    "working_minutes_between",
    "working_periods_on",
    "working_time_between",
]

Period: TypeAlias = tuple[time, time | None]
"""A local wall-clock period ``(start, end)``; ``end=None`` means midnight (24:00)."""

Amount: TypeAlias = int | float | Decimal | Fraction
"""Amounts of a unit; fractions are rounded half-even to the microsecond."""

Unit = Literal[
    "minutes",
    "hours",
    "working_minutes",
    "working_hours",
    "working_days",
    "next_working_day_start",
]
UNITS: Final[tuple[str, ...]] = (
    "minutes",
    "hours",
    "working_minutes",
    "working_hours",
    "working_days",
    "next_working_day_start",
)

MAX_EMPTY_DAYS: Final = 3660
"""Consecutive days without working time after which a search gives up (about 10 years)."""

_UTC: Final = UTC
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=_UTC)
_ONE_US: Final = timedelta(microseconds=1)
_ONE_DAY: Final = timedelta(days=1)
_MIDNIGHT: Final = time(0, 0)
_US_PER_MINUTE: Final = 60_000_000
_US_PER_HOUR: Final = 3_600_000_000
# Per-instance memo bound: a few decades of dates, far beyond any realistic use.
_MEMO_LIMIT: Final = 20_000

DEFAULT_PERIODS: Final[tuple[Period, ...]] = ((time(9), time(12)), (time(13), time(18)))
DEFAULT_WEEKLY: Final[tuple[tuple[Period, ...], ...]] = (DEFAULT_PERIODS,) * 5 + ((),) * 2

# A day's precomputed working time as integer microseconds since the Unix epoch:
# (periods, first start, last end, total working microseconds). Integers keep the
# arithmetic exact and fast; tuples unpack faster than attribute access.
_Day = tuple[tuple[tuple[int, int], ...], int, int, int]
_EMPTY_DAY: Final[_Day] = ((), 0, 0, 0)


def _validate_periods(periods: Iterable[Period], what: str) -> tuple[Period, ...]:
    """Normalise to tuples and reject unsorted, overlapping or empty periods early."""
    if isinstance(periods, (str, bytes)) or not isinstance(periods, Iterable):
        raise ValueError(f"{what}: expected a sequence of (start, end) periods")
    result: list[Period] = []
    previous_end: time | None = _MIDNIGHT
    for item in periods:
        try:
            start, end = item
        except (TypeError, ValueError):
            raise ValueError(f"{what}: period {item!r} is not a (start, end) pair") from None
        if not isinstance(start, time) or not (end is None or isinstance(end, time)):
            raise ValueError(f"{what}: period {item!r} must hold datetime.time values")
        if start.tzinfo is not None or (end is not None and end.tzinfo is not None):
            raise ValueError(f"{what}: period times are local wall-clock times, no tzinfo")
        if end is not None and not start < end:
            raise ValueError(
                f"{what}: period {item!r} must end after it starts (use end=None for 24:00)"
            )
        if previous_end is None or start < previous_end:
            raise ValueError(f"{what}: periods must be sorted and must not overlap")
        result.append((start.replace(fold=0), None if end is None else end.replace(fold=0)))
        previous_end = end
    return tuple(result)


def _validate_dates(values: Iterable[date], what: str) -> frozenset[date]:
    """Reject datetimes: ``date == datetime`` is always False, so they would never match."""
    result = frozenset(values)
    for value in result:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{what}: {value!r} is not a datetime.date")
    return result


@dataclass(frozen=True)
class CalendarSpec:
    """An immutable, hashable working calendar: the input of every function here.

    ``weekly`` has 7 entries (Monday=0), each a sorted tuple of non-overlapping local
    periods. ``holidays`` are dates without working time although their weekday has
    periods; ``makeup_days`` (调休) are working days using ``makeup_periods`` (``None``:
    the periods of the first weekday that has any). A date may not be both.
    ``always_open`` makes every instant working time (weekly, holidays and make-up days
    are ignored).
    """

    tz: str = "Asia/Shanghai"
    weekly: tuple[tuple[Period, ...], ...] = DEFAULT_WEEKLY
    holidays: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()
    makeup_periods: tuple[Period, ...] | None = None
    always_open: bool = False
    # Derived state, excluded from equality and hashing.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _makeup: tuple[Period, ...] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)
    _memo: dict[date, _Day] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        if not isinstance(self.tz, str):
            raise ValueError(f"tz must be an IANA time zone name, not {self.tz!r}")
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {self.tz!r}") from None
        weekly = tuple(self.weekly)
        if len(weekly) != 7:
            raise ValueError("weekly must have 7 entries, Monday first")
        weekly = tuple(_validate_periods(day, f"weekly[{i}]") for i, day in enumerate(weekly))
        holidays = _validate_dates(self.holidays, "holidays")
        makeup_days = _validate_dates(self.makeup_days, "makeup_days")
        clash = holidays & makeup_days
        if clash:
            raise ValueError(f"dates both holiday and make-up day: {sorted(clash)}")
        makeup_periods = (
            None
            if self.makeup_periods is None
            else _validate_periods(self.makeup_periods, "makeup_periods")
        )
        if makeup_periods is not None:
            makeup = makeup_periods
        else:
            makeup = next((day for day in weekly if day), ())
        always_open = bool(self.always_open)
        setattr_(self, "weekly", weekly)
        setattr_(self, "holidays", holidays)
        setattr_(self, "makeup_days", makeup_days)
        setattr_(self, "makeup_periods", makeup_periods)
        setattr_(self, "always_open", always_open)
        setattr_(self, "_zone", zone)
        setattr_(self, "_makeup", makeup)
        # Hashing ~600 holiday dates on every cache lookup would dominate; do it once.
        setattr_(
            self,
            "_hash",
            hash((self.tz, weekly, holidays, makeup_days, makeup_periods, always_open)),
        )
        setattr_(self, "_memo", {})

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuild from the public fields so the memo is not pickled.
        return (
            CalendarSpec,
            (
                self.tz,
                self.weekly,
                self.holidays,
                self.makeup_days,
                self.makeup_periods,
                self.always_open,
            ),
        )

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone object."""
        return self._zone

    @classmethod
    def default(
        cls,
        holidays: Iterable[date] = (),
        makeup_days: Iterable[date] = (),
        tz: str = "Asia/Shanghai",
    ) -> CalendarSpec:
        """Mon-Fri 09:00-12:00 and 13:00-18:00 (docs/domain.md §worktime.calendar)."""
        return cls(
            tz=tz,
            weekly=DEFAULT_WEEKLY,
            holidays=frozenset(holidays),
            makeup_days=frozenset(makeup_days),
        )

    @classmethod
    def round_the_clock(cls, tz: str = "Asia/Shanghai") -> CalendarSpec:
        """A 7x24 calendar for round-the-clock contracts: every instant is working time."""
        return cls(tz=tz, weekly=((),) * 7, always_open=True)


# --------------------------------------------------------------------------- helpers


def _to_us(dt: datetime) -> int:
    """Aware datetime -> integer microseconds since the epoch (exact)."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: working-time arithmetic needs aware datetimes")
    return (dt - _EPOCH) // _ONE_US


def _check_aware(dt: datetime) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: working-time arithmetic needs aware datetimes")


def _from_us(us: int, zone: ZoneInfo) -> datetime:
    return (_EPOCH + timedelta(microseconds=us)).astimezone(zone)


def _local_date(spec: CalendarSpec, dt: datetime) -> date:
    return dt.astimezone(spec._zone).date()


def _wall_to_us(zone: ZoneInfo, day: date, wall: time) -> int:
    """Local wall-clock time -> instant: gaps move forward, ambiguous times take fold=0."""
    naive = datetime.combine(day, wall)
    local = naive.replace(tzinfo=zone)
    instant = local.astimezone(_UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == naive:
        return (instant - _EPOCH) // _ONE_US
    # The wall time falls in a gap. Its two readings (fold=0/1) bracket the transition;
    # binary-search the first instant whose wall time is not before `naive`.
    a = (local - _EPOCH) // _ONE_US
    b = (local.replace(fold=1) - _EPOCH) // _ONE_US
    lo, hi = min(a, b), max(a, b)  # wall(lo) < naive <= wall(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _from_us(mid, zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def _compute_day(spec: CalendarSpec, day: date) -> _Day:
    """Resolve a date's periods to instants; the expensive part, hence cached."""
    if spec.always_open:
        periods: tuple[Period, ...] = ((_MIDNIGHT, None),)
    elif day in spec.makeup_days:
        periods = spec._makeup
    elif day in spec.holidays:
        return _EMPTY_DAY
    else:
        periods = spec.weekly[day.weekday()]
    if not periods:
        return _EMPTY_DAY
    zone = spec._zone
    spans: list[tuple[int, int]] = []
    for start, end in periods:
        s = _wall_to_us(zone, day, start)
        e = (
            _wall_to_us(zone, day + _ONE_DAY, _MIDNIGHT)
            if end is None
            else _wall_to_us(zone, day, end)
        )
        if e > s:  # a period entirely inside a DST gap has no working time
            spans.append((s, e))
    if not spans:
        return _EMPTY_DAY
    return (tuple(spans), spans[0][0], spans[-1][1], sum(e - s for s, e in spans))


# Shared across equal specs (e.g. one rebuilt from the database for every request).
_compute_day_shared = lru_cache(maxsize=32_768)(_compute_day)


def _day(spec: CalendarSpec, day: date) -> _Day:
    """Per-instance memo in front of the shared LRU: a dict hit is the hot path."""
    memo = spec._memo
    info = memo.get(day)
    if info is None:
        info = _compute_day_shared(spec, day)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[day] = info
    return info


def _no_working_time(day: date) -> ValueError:
    return ValueError(
        f"calendar has no working time in {MAX_EMPTY_DAYS} consecutive days after {day}"
    )


def _amount_us(amount: object, unit_us: int) -> int:
    """Amount in a unit -> non-negative integer microseconds, rounded half-even."""
    if isinstance(amount, bool):
        raise TypeError("amount must be a number, not bool")
    if isinstance(amount, int):
        value = amount * unit_us
    elif isinstance(amount, (Decimal, numbers.Real)):
        try:
            value = round(Fraction(amount) * unit_us)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            raise ValueError(f"amount must be finite, got {amount!r}") from None
    else:
        raise TypeError(f"amount must be a number, got {type(amount).__name__}")
    if value < 0:
        raise ValueError(f"amount must not be negative, got {amount!r}")
    return value


def _whole_days(amount: object) -> int:
    if isinstance(amount, bool):
        raise TypeError("amount must be a number, not bool")
    if isinstance(amount, int):
        days = amount
    elif isinstance(amount, (Decimal, numbers.Real)):
        try:
            fraction = Fraction(amount)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            raise ValueError(f"working days must be finite, got {amount!r}") from None
        if fraction.denominator != 1:
            raise ValueError(f"working days must be a whole number, got {amount!r}")
        days = int(fraction)
    else:
        raise TypeError(f"amount must be a number, got {type(amount).__name__}")
    if days < 0:
        raise ValueError(f"working days must not be negative, got {amount!r}")
    return days


# ------------------------------------------------------------------ core algorithms


def _add_working_us(spec: CalendarSpec, start: int, first_day: date, amount: int) -> int:
    """Earliest instant t >= start with `amount` microseconds of working time in [start, t]."""
    day = first_day
    empty = 0
    get = spec._memo.get  # inlined memo hit: this loop is the hot path
    while True:
        periods, first, last, total = get(day) or _day(spec, day)
        if total:
            empty = 0
            if start <= first and amount > total:
                amount -= total  # the whole day fits: jump over it
            elif start < last:
                for s, e in periods:
                    if e <= start:
                        continue
                    if s < start:
                        s = start
                    available = e - s
                    if amount <= available:
                        return s + amount
                    amount -= available
        else:
            empty += 1
            if empty > MAX_EMPTY_DAYS:
                raise _no_working_time(first_day)
        day += _ONE_DAY


def _nth_working_day(spec: CalendarSpec, after: date, n: int) -> _Day:
    """The n-th (n >= 1) working day strictly after `after`."""
    day = after
    empty = 0
    get = spec._memo.get
    while True:
        day += _ONE_DAY
        info = get(day) or _day(spec, day)
        if info[3]:
            n -= 1
            if n == 0:
                return info
            empty = 0
        else:
            empty += 1
            if empty > MAX_EMPTY_DAYS:
                raise _no_working_time(after)


def _between_us(spec: CalendarSpec, a: int, b: int, first_day: date, last_day: date) -> int:
    """Working microseconds in [a, b] for a <= b."""
    total = 0
    day = first_day
    # One extra day: after a fall-back across midnight an instant's local date can be
    # the day before the day whose periods contain it.
    end_day = last_day + _ONE_DAY
    while day <= end_day:
        periods, first, last, day_total = _day(spec, day)
        if day_total and last > a and first < b:
            if a <= first and last <= b:
                total += day_total
            else:
                for s, e in periods:
                    lo = s if s > a else a
                    hi = e if e < b else b
                    if hi > lo:
                        total += hi - lo
        day += _ONE_DAY
    return total


# --------------------------------------------------------------------------- public

_F = TypeVar("_F", bound=Callable[..., Any])


def _in_range(func: _F) -> _F:
    """Report results beyond year 1..9999 as ValueError, like every other bad input."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OverflowError:
            raise ValueError(f"{func.__name__}: date out of the supported range") from None

    return wrapper  # type: ignore[return-value]


@_in_range
def add_working_minutes(spec: CalendarSpec, start: datetime, minutes: Amount) -> datetime:
    """Earliest instant at which `minutes` of working time have passed since `start`."""
    return _add_working(spec, start, _amount_us(minutes, _US_PER_MINUTE))


@_in_range
def add_working_hours(spec: CalendarSpec, start: datetime, hours: Amount) -> datetime:
    """Like :func:`add_working_minutes`, in hours (fractions allowed)."""
    return _add_working(spec, start, _amount_us(hours, _US_PER_HOUR))


@_in_range
def add_working_time(spec: CalendarSpec, start: datetime, duration: timedelta) -> datetime:
    """Like :func:`add_working_minutes` with an exact ``timedelta`` (e.g. a paused span)."""
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}")
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration!r}")
    return _add_working(spec, start, duration // _ONE_US)


def _add_working(spec: CalendarSpec, start: datetime, amount: int) -> datetime:
    start_us = _to_us(start)
    local = start.astimezone(spec._zone)
    if amount == 0:
        return local
    return _from_us(_add_working_us(spec, start_us, local.date(), amount), spec._zone)


@_in_range
def add_working_days(spec: CalendarSpec, start: datetime, days: Amount) -> datetime:
    """Close of business of the `days`-th working day after the start's local date.

    The start day itself is never counted, even when it is a working day and the start is
    before opening; from a non-working day the next working day is day 1. 0 returns the
    start unchanged (in the calendar's time zone).
    """
    n = _whole_days(days)
    _check_aware(start)
    local = start.astimezone(spec._zone)
    if n == 0:
        return local
    return _from_us(_nth_working_day(spec, local.date(), n)[2], spec._zone)


@_in_range
def next_working_day_start(spec: CalendarSpec, start: datetime) -> datetime:
    """Opening of the first working day strictly after the start's local date (次日上班前)."""
    _check_aware(start)
    local = start.astimezone(spec._zone)
    return _from_us(_nth_working_day(spec, local.date(), 1)[1], spec._zone)


@_in_range
def add(spec: CalendarSpec, start: datetime, amount: Amount | None, unit: str) -> datetime:
    """Deadline for `amount` `unit` after `start`; the single entry point for SLA policies.

    `amount` is ignored for ``next_working_day_start``.
    """
    if unit == "working_minutes":
        return add_working_minutes(spec, start, amount)
    if unit == "working_days":
        return add_working_days(spec, start, amount)
    if unit == "working_hours":
        return add_working_hours(spec, start, amount)
    if unit == "next_working_day_start":
        return next_working_day_start(spec, start)
    if unit == "minutes" or unit == "hours":
        us = _amount_us(amount, _US_PER_MINUTE if unit == "minutes" else _US_PER_HOUR)
        return _from_us(_to_us(start) + us, spec._zone)
    raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")


@_in_range
def working_time_between(spec: CalendarSpec, a: datetime, b: datetime) -> timedelta:
    """Working time elapsed from `a` to `b`, exact to the microsecond.

    Antisymmetric: when ``b < a`` the result is minus the working time from `b` to `a`,
    so the measure is additive for any order of the three instants.
    """
    a_us, b_us = _to_us(a), _to_us(b)
    if b_us < a_us:
        return -working_time_between(spec, b, a)
    if a_us == b_us:
        return timedelta(0)
    total = _between_us(spec, a_us, b_us, _local_date(spec, a), _local_date(spec, b))
    return timedelta(microseconds=total)


def working_minutes_between(spec: CalendarSpec, a: datetime, b: datetime) -> float:
    """:func:`working_time_between` in (possibly fractional) minutes, for reports."""
    return working_time_between(spec, a, b) / timedelta(minutes=1)


@_in_range
def is_working_time(spec: CalendarSpec, dt: datetime) -> bool:
    """Whether `dt` lies inside a working period (periods are half open: [start, end))."""
    x = _to_us(dt)
    day = _local_date(spec, dt)
    for candidate in (day, day + _ONE_DAY):  # see _between_us for the extra day
        for s, e in _day(spec, candidate)[0]:
            if s <= x < e:
                return True
    return False


def is_working_day(spec: CalendarSpec, day: date) -> bool:
    """Whether `day` has any working time (after holidays, make-up days and DST gaps)."""
    return bool(_day(spec, _check_date(day))[3])


def working_periods_on(spec: CalendarSpec, day: date) -> list[tuple[datetime, datetime]]:
    """The working periods of `day` as aware instants in the calendar's time zone."""
    zone = spec._zone
    return [(_from_us(s, zone), _from_us(e, zone)) for s, e in _day(spec, _check_date(day))[0]]


def _check_date(day: date) -> date:
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    return day
