"""Working-time arithmetic (docs/domain.md §worktime): table tests and algebraic laws."""

from __future__ import annotations

import os
import pickle
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from chinese_calendar.constants import holidays as cn_holidays
from chinese_calendar.constants import workdays as cn_workdays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.core import worktime as wt
from servicedesk.core.worktime import CalendarSpec

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
US = timedelta(microseconds=1)  # add it to UTC datetimes only: aware arithmetic is wall-clock

# The real Chinese calendar: 2026 National Day holiday 10-01..10-07, make-up working
# days Sunday 2026-09-20 and Saturday 2026-10-10, Mid-Autumn holiday Friday 2026-09-25.
CN = CalendarSpec.default(holidays=cn_holidays.keys(), makeup_days=cn_workdays.keys())


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


# ------------------------------------------------------------------ the calendar data


def test_chinese_calendar_data_matches_the_design_examples() -> None:
    assert all(date(2026, 10, d) in CN.holidays for d in range(1, 8))
    assert {date(2026, 9, 20), date(2026, 10, 10)} <= CN.makeup_days
    assert date(2026, 9, 25) in CN.holidays


# ---------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # The examples of docs/domain.md §worktime.days.
        (sh(2026, 9, 16, 10), 1, sh(2026, 9, 17, 18)),
        (sh(2026, 9, 30, 17), 1, sh(2026, 10, 8, 18)),  # National Day skipped
        (sh(2026, 10, 9, 11), 1, sh(2026, 10, 10, 18)),  # Saturday make-up day
        (sh(2026, 10, 9, 17, 30), 1, sh(2026, 10, 10, 18)),
        # The start day is never counted, even before opening time.
        (sh(2026, 9, 16, 7), 1, sh(2026, 9, 17, 18)),
        (sh(2026, 9, 16, 23, 59), 1, sh(2026, 9, 17, 18)),
        # From a non-working day the next working day is day 1.
        (sh(2026, 9, 19, 10), 1, sh(2026, 9, 20, 18)),  # Sat -> make-up Sunday
        (sh(2026, 10, 4, 10), 1, sh(2026, 10, 8, 18)),  # inside the holiday
        (sh(2026, 9, 24, 10), 1, sh(2026, 9, 28, 18)),  # Mid-Autumn Friday + weekend
        (sh(2026, 9, 30, 17), 5, sh(2026, 10, 13, 18)),  # 8, 9, 10 (Sat), 12, 13
        (sh(2026, 9, 16, 10), 3, sh(2026, 9, 20, 18)),  # 17, 18, 20 (Sun)
        # Year end: 2026-01-01..03 holiday, Sunday 2026-01-04 make-up day.
        (sh(2025, 12, 31, 17), 1, sh(2026, 1, 4, 18)),
        # 0 returns the start unchanged.
        (sh(2026, 10, 4, 10), 0, sh(2026, 10, 4, 10)),
    ],
)
def test_add_working_days(start: datetime, days: int, expected: datetime) -> None:
    result = wt.add_working_days(CN, start, days)
    assert result == expected
    assert result.tzinfo == SHANGHAI
    assert wt.add(CN, start, days, "working_days") == expected


def test_working_days_accepts_integral_decimal_and_rejects_fractions() -> None:
    start = sh(2026, 9, 16, 10)
    assert wt.add(CN, start, Decimal("2"), "working_days") == sh(2026, 9, 18, 18)
    assert wt.add(CN, start, 2.0, "working_days") == sh(2026, 9, 18, 18)
    with pytest.raises(ValueError, match="whole number"):
        wt.add(CN, start, Decimal("1.5"), "working_days")
    with pytest.raises(ValueError, match="negative"):
        wt.add_working_days(CN, start, -1)


# ------------------------------------------------------------ next working day start


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (sh(2026, 9, 16, 7), sh(2026, 9, 17, 9)),  # strictly after the start's date
        (sh(2026, 9, 16, 10), sh(2026, 9, 17, 9)),
        (sh(2026, 10, 9, 17, 30), sh(2026, 10, 10, 9)),  # make-up Saturday
        (sh(2026, 9, 19, 10), sh(2026, 9, 20, 9)),  # make-up Sunday
        (sh(2026, 9, 30, 18, 30), sh(2026, 10, 8, 9)),
        (sh(2026, 9, 11, 23, 59, 59), sh(2026, 9, 14, 9)),
        (sh(2025, 12, 31, 20), sh(2026, 1, 4, 9)),
    ],
)
def test_next_working_day_start(start: datetime, expected: datetime) -> None:
    assert wt.next_working_day_start(CN, start) == expected
    assert wt.add(CN, start, None, "next_working_day_start") == expected


# ------------------------------------------------------------------ working minutes


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # The examples of docs/domain.md §worktime.units (Friday 2026-09-11 is an ordinary Friday).
        (sh(2026, 9, 11, 18, 30), 60, sh(2026, 9, 14, 10)),
        (sh(2026, 9, 11, 17, 30), 60, sh(2026, 9, 14, 9, 30)),  # 30 minutes each side
        (sh(2026, 9, 11, 11), 60, sh(2026, 9, 11, 12)),  # earliest instant: not 13:00
        (sh(2026, 9, 11, 11, 30), 60, sh(2026, 9, 11, 13, 30)),  # across lunch
        (sh(2026, 9, 11, 12), 60, sh(2026, 9, 11, 14)),  # from a period end
        (sh(2026, 9, 11, 12, 30), 60, sh(2026, 9, 11, 14)),  # from lunch
        (sh(2026, 9, 11, 7), 480, sh(2026, 9, 11, 18)),  # one whole day
        (sh(2026, 9, 11, 9), 481, sh(2026, 9, 14, 9, 1)),
        (sh(2026, 9, 11, 9), 1, sh(2026, 9, 11, 9, 1)),
        (sh(2026, 9, 18, 17, 30), 60, sh(2026, 9, 20, 9, 30)),  # make-up Sunday
        (sh(2026, 9, 24, 17, 30), 60, sh(2026, 9, 28, 9, 30)),  # Mid-Autumn skipped
        (sh(2026, 9, 30, 17), 120, sh(2026, 10, 8, 10)),  # National Day skipped
        (sh(2026, 9, 30, 9), 5 * 480, sh(2026, 10, 12, 18)),  # 30th, 8, 9, 10, 12
        (sh(2025, 12, 31, 17, 30), 60, sh(2026, 1, 4, 9, 30)),  # year end
        # Adding 0 returns the start unchanged, even outside working time.
        (sh(2026, 9, 11, 20), 0, sh(2026, 9, 11, 20)),
    ],
)
def test_add_working_minutes(start: datetime, minutes: int, expected: datetime) -> None:
    assert wt.add_working_minutes(CN, start, minutes) == expected
    assert wt.add(CN, start, minutes, "working_minutes") == expected


def test_add_working_time_takes_an_exact_timedelta() -> None:
    start = sh(2026, 9, 11, 11, 30)
    paused = timedelta(minutes=59, seconds=59, microseconds=7)
    assert wt.add_working_time(CN, start, paused) == sh(2026, 9, 11, 13, 29, 59, 7)
    assert wt.add_working_time(CN, sh(2026, 9, 11, 20), timedelta(0)) == sh(2026, 9, 11, 20)
    with pytest.raises(ValueError, match="negative"):
        wt.add_working_time(CN, start, -US)
    with pytest.raises(TypeError):
        wt.add_working_time(CN, start, 60)  # type: ignore[arg-type]


def test_add_working_minutes_keeps_seconds_and_microseconds() -> None:
    start = sh(2026, 9, 11, 11, 59, 30, 250)
    assert wt.add_working_minutes(CN, start, 1) == sh(2026, 9, 11, 13, 0, 30, 250)


def test_working_hours_accept_fractions() -> None:
    start = sh(2026, 9, 11, 11)
    assert wt.add(CN, start, Decimal("1.5"), "working_hours") == sh(2026, 9, 11, 13, 30)
    assert wt.add(CN, start, 0.25, "working_hours") == sh(2026, 9, 11, 11, 15)
    assert wt.add(CN, start, 3, "working_hours") == sh(2026, 9, 11, 15)
    assert wt.add_working_hours(CN, start, 8) == sh(2026, 9, 14, 11)
    # Fractional minutes are rounded to the microsecond.
    assert wt.add(CN, start, Decimal("0.5"), "working_minutes") == sh(2026, 9, 11, 11, 0, 30)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (sh(2026, 9, 11, 11, 30), 90, "minutes", sh(2026, 9, 11, 13)),
        (sh(2026, 9, 30, 17), 24, "hours", sh(2026, 10, 1, 17)),  # holidays do not matter
        (sh(2026, 9, 30, 17), Decimal("0.5"), "hours", sh(2026, 9, 30, 17, 30)),
        (sh(2026, 9, 30, 17), 0, "minutes", sh(2026, 9, 30, 17)),
    ],
)
def test_wall_clock_units(start: datetime, amount: object, unit: str, expected: datetime) -> None:
    assert wt.add(CN, start, amount, unit) == expected


def test_results_are_in_the_calendar_time_zone() -> None:
    start = datetime(2026, 9, 11, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai
    for unit in wt.UNITS:
        result = wt.add(CN, start, 1, unit)
        assert result.tzinfo == SHANGHAI, unit
    assert wt.add(CN, start, 0, "working_minutes").tzinfo == SHANGHAI
    assert wt.add(CN, start, 60, "working_minutes") == sh(2026, 9, 11, 13, 30)


def test_units_constant() -> None:
    assert wt.UNITS == (
        "minutes",
        "hours",
        "working_minutes",
        "working_hours",
        "working_days",
        "next_working_day_start",
    )


# ----------------------------------------------------------------- between & queries


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (sh(2026, 9, 11, 17), sh(2026, 9, 14, 10), timedelta(hours=2)),
        (sh(2026, 9, 11, 11, 30), sh(2026, 9, 11, 13, 30), timedelta(hours=1)),
        (sh(2026, 9, 30, 17), sh(2026, 10, 8, 10), timedelta(hours=2)),
        (sh(2026, 9, 11, 12), sh(2026, 9, 11, 13), timedelta(0)),
        (sh(2026, 9, 14, 0), sh(2026, 9, 21, 0), timedelta(hours=48)),  # incl. make-up Sunday
        (sh(2026, 9, 7, 0), sh(2026, 9, 14, 0), timedelta(hours=40)),
        (sh(2026, 9, 14, 9, 0, 0, 1), sh(2026, 9, 14, 9, 0, 1), timedelta(microseconds=999_999)),
        (sh(2026, 9, 11, 10), sh(2026, 9, 11, 10), timedelta(0)),
    ],
)
def test_working_time_between(a: datetime, b: datetime, expected: timedelta) -> None:
    assert wt.working_time_between(CN, a, b) == expected
    assert wt.working_time_between(CN, b, a) == -expected  # antisymmetric
    assert wt.working_minutes_between(CN, a, b) == expected / timedelta(minutes=1)


def test_working_minutes_between_is_a_float_in_minutes() -> None:
    result = wt.working_minutes_between(CN, sh(2026, 9, 11, 17), sh(2026, 9, 14, 10, 0, 30))
    assert result == 120.5
    assert isinstance(result, float)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (sh(2026, 9, 11, 9), True),
        (sh(2026, 9, 11, 11, 59, 59, 999_999), True),
        (sh(2026, 9, 11, 12), False),  # periods are half open
        (sh(2026, 9, 11, 12, 30), False),
        (sh(2026, 9, 11, 18), False),
        (sh(2026, 9, 12, 10), False),  # Saturday
        (sh(2026, 9, 20, 10), True),  # make-up Sunday
        (sh(2026, 10, 2, 10), False),  # holiday
        (datetime(2026, 9, 11, 2, tzinfo=UTC), True),  # 10:00 in Shanghai
    ],
)
def test_is_working_time(moment: datetime, expected: bool) -> None:
    assert wt.is_working_time(CN, moment) is expected


def test_working_days_and_periods() -> None:
    assert wt.is_working_day(CN, date(2026, 9, 20))
    assert wt.is_working_day(CN, date(2026, 9, 21))
    assert not wt.is_working_day(CN, date(2026, 9, 19))
    assert not wt.is_working_day(CN, date(2026, 10, 1))
    assert wt.working_periods_on(CN, date(2026, 10, 10)) == [
        (sh(2026, 10, 10, 9), sh(2026, 10, 10, 12)),
        (sh(2026, 10, 10, 13), sh(2026, 10, 10, 18)),
    ]
    assert wt.working_periods_on(CN, date(2026, 10, 3)) == []
    with pytest.raises(TypeError):
        wt.is_working_day(CN, sh(2026, 9, 21))  # type: ignore[arg-type]


# ------------------------------------------------------------ other calendar shapes


def test_explicit_makeup_periods() -> None:
    spec = CalendarSpec(
        holidays=frozenset({date(2026, 10, 1)}),
        makeup_days=frozenset({date(2026, 10, 10)}),
        makeup_periods=((time(10), time(16)),),
    )
    assert wt.add_working_days(spec, sh(2026, 10, 9, 11), 1) == sh(2026, 10, 10, 16)
    assert wt.next_working_day_start(spec, sh(2026, 10, 9, 11)) == sh(2026, 10, 10, 10)


def test_makeup_periods_default_to_the_first_working_weekday() -> None:
    tue = ((time(8), time(12)),)
    spec = CalendarSpec(weekly=((), tue, tue, (), (), (), ()), makeup_days={date(2026, 9, 20)})
    assert wt.working_periods_on(spec, date(2026, 9, 20)) == [
        (sh(2026, 9, 20, 8), sh(2026, 9, 20, 12))
    ]
    # No weekday has periods: a make-up day without explicit periods has no working time.
    nothing = CalendarSpec(weekly=((),) * 7, makeup_days={date(2026, 9, 20)})
    assert not wt.is_working_day(nothing, date(2026, 9, 20))


def test_multi_week_holiday_across_the_year_end() -> None:
    closed = {date(2026, 12, 21) + timedelta(days=i) for i in range(21)}  # to 2027-01-10
    spec = CalendarSpec.default(holidays=closed)
    assert wt.add_working_minutes(spec, sh(2026, 12, 18, 17), 120) == sh(2027, 1, 11, 10)
    assert wt.add_working_days(spec, sh(2026, 12, 18, 17), 1) == sh(2027, 1, 11, 18)
    assert wt.next_working_day_start(spec, sh(2026, 12, 18, 17)) == sh(2027, 1, 11, 9)
    assert wt.working_time_between(spec, sh(2026, 12, 18), sh(2027, 1, 12)) == timedelta(hours=16)


def test_period_until_midnight_joins_the_next_day() -> None:
    evening = ((time(20), None),)
    night = ((time(0), time(6)),)
    spec = CalendarSpec(weekly=(evening, night, (), (), (), (), ()))  # Mon 20:00 - Tue 06:00
    monday = date(2026, 9, 14)
    assert wt.working_periods_on(spec, monday) == [(sh(2026, 9, 14, 20), sh(2026, 9, 15, 0))]
    assert wt.add_working_minutes(spec, sh(2026, 9, 14, 23), 120) == sh(2026, 9, 15, 1)
    assert wt.is_working_time(spec, sh(2026, 9, 15, 0))
    assert wt.working_time_between(spec, sh(2026, 9, 14), sh(2026, 9, 16)) == timedelta(hours=10)
    # Close of business of a day ending at 24:00 is the following midnight.
    assert wt.add_working_days(spec, sh(2026, 9, 10, 12), 1) == sh(2026, 9, 15, 0)


def test_round_the_clock() -> None:
    spec = CalendarSpec.round_the_clock()
    start = sh(2026, 10, 1, 10)  # a holiday: irrelevant for 7x24
    assert wt.add_working_minutes(spec, start, 90) == sh(2026, 10, 1, 11, 30)
    assert wt.add(spec, start, 24, "working_hours") == sh(2026, 10, 2, 10)
    # Close of business of the next day is its 24:00.
    assert wt.add_working_days(spec, start, 1) == sh(2026, 10, 3, 0)
    assert wt.next_working_day_start(spec, start) == sh(2026, 10, 2, 0)
    assert wt.working_time_between(spec, start, sh(2026, 10, 8, 10)) == timedelta(days=7)
    assert wt.is_working_time(spec, sh(2026, 10, 3, 3))


@pytest.mark.parametrize(
    "spec",
    [
        CalendarSpec(weekly=((),) * 7),
        CalendarSpec(
            weekly=(((time(9), time(10)),),) + ((),) * 6,
            holidays={date(2026, 9, 14) + timedelta(weeks=i) for i in range(600)},
        ),
    ],
    ids=["empty-week", "every-monday-a-holiday"],
)
def test_calendar_without_working_time_raises_instead_of_looping(spec: CalendarSpec) -> None:
    start = sh(2026, 9, 14, 10)
    began = clock.perf_counter()
    with pytest.raises(ValueError, match="no working time"):
        wt.add_working_minutes(spec, start, 1)
    with pytest.raises(ValueError, match="no working time"):
        wt.add_working_days(spec, start, 1)
    with pytest.raises(ValueError, match="no working time"):
        wt.next_working_day_start(spec, start)
    assert clock.perf_counter() - began < 5
    assert wt.working_time_between(spec, start, sh(2027, 9, 14)) == timedelta(0)


def test_calendar_that_runs_out_of_working_time_raises() -> None:
    spec = CalendarSpec(
        weekly=((),) * 7,
        makeup_days={date(2026, 9, 20)},
        makeup_periods=((time(9), time(12)), (time(13), time(18))),
    )
    start = sh(2026, 9, 1)
    assert wt.add_working_days(spec, start, 1) == sh(2026, 9, 20, 18)
    with pytest.raises(ValueError, match="no working time"):
        wt.add_working_days(spec, start, 2)
    with pytest.raises(ValueError, match="no working time"):
        wt.add_working_minutes(spec, start, 8 * 60 + 1)


# --------------------------------------------------------------------------- DST

DST_PERIODS = ((time(1), time(4)), (time(9), time(17)))
BERLIN_DST = CalendarSpec(tz="Europe/Berlin", weekly=(DST_PERIODS,) * 7)
NEW_YORK_DST = CalendarSpec(tz="America/New_York", weekly=(DST_PERIODS,) * 7)


def _utc_periods(spec: CalendarSpec, day: date) -> list[tuple[datetime, datetime]]:
    return [(utc(s), utc(e)) for s, e in wt.working_periods_on(spec, day)]


def _u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("spec", "day", "expected"),
    [
        # Spring forward 02:00 -> 03:00: 01:00-04:00 holds two real hours.
        (
            BERLIN_DST,
            date(2026, 3, 29),
            [(_u(2026, 3, 29, 0), _u(2026, 3, 29, 2)), (_u(2026, 3, 29, 7), _u(2026, 3, 29, 15))],
        ),
        # Fall back 03:00 -> 02:00: 01:00-04:00 holds four real hours.
        (
            BERLIN_DST,
            date(2026, 10, 25),
            [
                (_u(2026, 10, 24, 23), _u(2026, 10, 25, 3)),
                (_u(2026, 10, 25, 8), _u(2026, 10, 25, 16)),
            ],
        ),
        (
            NEW_YORK_DST,
            date(2026, 3, 8),
            [(_u(2026, 3, 8, 6), _u(2026, 3, 8, 8)), (_u(2026, 3, 8, 13), _u(2026, 3, 8, 21))],
        ),
        (
            NEW_YORK_DST,
            date(2026, 11, 1),
            [(_u(2026, 11, 1, 5), _u(2026, 11, 1, 9)), (_u(2026, 11, 1, 14), _u(2026, 11, 1, 22))],
        ),
    ],
)
def test_dst_periods_are_real_elapsed_time(
    spec: CalendarSpec, day: date, expected: list[tuple[datetime, datetime]]
) -> None:
    assert _utc_periods(spec, day) == expected


def test_dst_working_time_arithmetic() -> None:
    spring = datetime(2026, 3, 29, 1, tzinfo=BERLIN)
    assert wt.add_working_minutes(BERLIN_DST, spring, 120) == _u(2026, 3, 29, 2)  # 04:00 CEST
    assert wt.add_working_minutes(BERLIN_DST, spring, 150) == _u(2026, 3, 29, 7, 30)
    autumn = datetime(2026, 10, 25, 1, tzinfo=BERLIN)  # 01:00 CEST
    assert wt.add_working_minutes(BERLIN_DST, autumn, 240) == _u(2026, 10, 25, 3)  # 04:00 CET
    assert wt.working_time_between(
        BERLIN_DST, datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN)
    ) == timedelta(hours=10)
    assert wt.working_time_between(
        BERLIN_DST, datetime(2026, 10, 25, tzinfo=BERLIN), datetime(2026, 10, 26, tzinfo=BERLIN)
    ) == timedelta(hours=12)
    assert wt.working_time_between(
        NEW_YORK_DST, datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 2, tzinfo=NEW_YORK)
    ) == timedelta(hours=12)
    # Working days end at the close of business in local time.
    result = wt.add_working_days(BERLIN_DST, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 1)
    assert result == datetime(2026, 3, 29, 17, tzinfo=BERLIN)
    assert result.utcoffset() == timedelta(hours=2)
    # 7x24 across the spring gap: the day has 23 hours.
    always = CalendarSpec.round_the_clock(tz="Europe/Berlin")
    assert wt.working_time_between(
        always, datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN)
    ) == timedelta(hours=23)
    assert wt.add_working_days(always, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 1) == (
        datetime(2026, 3, 30, tzinfo=BERLIN)
    )


def test_wall_clock_hours_across_dst() -> None:
    start = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)  # CET
    result = wt.add(BERLIN_DST, start, 1, "hours")
    assert result == _u(2026, 3, 29, 1, 30)
    assert (result.hour, result.minute) == (3, 30)  # 03:30 CEST


def test_dst_boundary_in_the_gap_moves_forward_and_ambiguous_takes_fold_0() -> None:
    spec = CalendarSpec(tz="Europe/Berlin", weekly=(((time(2, 30), time(5)),),) * 7)
    # 02:30 does not exist on 2026-03-29: the period opens at 03:00 CEST.
    assert _utc_periods(spec, date(2026, 3, 29)) == [(_u(2026, 3, 29, 1), _u(2026, 3, 29, 3))]
    # 02:30 happens twice on 2026-10-25: the first (CEST) one opens the period.
    assert _utc_periods(spec, date(2026, 10, 25)) == [
        (_u(2026, 10, 25, 0, 30), _u(2026, 10, 25, 4))
    ]
    # A period entirely inside the gap has no working time; the day is not a working day.
    inside = CalendarSpec(tz="Europe/Berlin", weekly=(((time(2, 15), time(2, 45)),),) * 7)
    assert wt.working_periods_on(inside, date(2026, 3, 29)) == []
    assert not wt.is_working_day(inside, date(2026, 3, 29))
    assert wt.is_working_day(inside, date(2026, 3, 30))
    assert wt.add_working_days(inside, datetime(2026, 3, 28, 12, tzinfo=BERLIN), 1) == (
        datetime(2026, 3, 30, 2, 45, tzinfo=BERLIN)
    )


def test_new_york_gap_boundary() -> None:
    spec = CalendarSpec(tz="America/New_York", weekly=(((time(2, 30), time(9)),),) * 7)
    assert _utc_periods(spec, date(2026, 3, 8)) == [(_u(2026, 3, 8, 7), _u(2026, 3, 8, 13))]
    # New York falls back 02:00 -> 01:00, so 02:30 is plain EST there.
    assert _utc_periods(spec, date(2026, 11, 1)) == [(_u(2026, 11, 1, 7, 30), _u(2026, 11, 1, 14))]
    ambiguous = CalendarSpec(tz="America/New_York", weekly=(((time(1, 30), time(9)),),) * 7)
    assert _utc_periods(ambiguous, date(2026, 11, 1)) == [
        (_u(2026, 11, 1, 5, 30), _u(2026, 11, 1, 14))  # 01:30 EDT, the first occurrence
    ]


# Santiago changes clocks at midnight: 2026-04-05 00:00 -> Sat 23:00, 2026-09-06 00:00 -> 01:00.
SANTIAGO_TZ = ZoneInfo("America/Santiago")
SANTIAGO = CalendarSpec(
    tz="America/Santiago",
    weekly=(((time(0), time(2)), (time(9), time(17)), (time(22), None)),) * 7,
)


def test_dst_transitions_at_midnight() -> None:
    hours = timedelta(hours=1)
    lengths = {
        day: [utc(e) - utc(s) for s, e in wt.working_periods_on(SANTIAGO, day)]
        for day in (date(2026, 4, 4), date(2026, 9, 5), date(2026, 9, 6))
    }
    assert lengths[date(2026, 4, 4)] == [2 * hours, 8 * hours, 3 * hours]  # 23:00 twice
    assert lengths[date(2026, 9, 5)] == [2 * hours, 8 * hours, 2 * hours]
    assert lengths[date(2026, 9, 6)] == [1 * hours, 8 * hours, 2 * hours]  # opens 01:00
    sunday = wt.next_working_day_start(SANTIAGO, datetime(2026, 9, 5, 12, tzinfo=SANTIAGO_TZ))
    assert (sunday.isoformat()) == "2026-09-06T01:00:00-03:00"
    saturday_night = datetime(2026, 4, 4, 22, tzinfo=SANTIAGO_TZ)
    assert utc(wt.add_working_minutes(SANTIAGO, saturday_night, 240)) == utc(
        datetime(2026, 4, 5, 1, tzinfo=SANTIAGO_TZ)
    )


# -------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "call",
    [
        lambda: wt.add(CN, datetime(2026, 9, 11, 10), 1, "working_minutes"),
        lambda: wt.add(CN, datetime(2026, 9, 11, 10), 1, "minutes"),
        lambda: wt.add_working_days(CN, datetime(2026, 9, 11, 10), 1),
        lambda: wt.add_working_days(CN, datetime(2026, 9, 11, 10), 0),
        lambda: wt.add_working_minutes(CN, datetime(2026, 9, 11, 10), 0),
        lambda: wt.next_working_day_start(CN, datetime(2026, 9, 11, 10)),
        lambda: wt.working_time_between(CN, datetime(2026, 9, 11, 10), sh(2026, 9, 12)),
        lambda: wt.working_minutes_between(CN, sh(2026, 9, 11), datetime(2026, 9, 12)),
        lambda: wt.is_working_time(CN, datetime(2026, 9, 11, 10)),
    ],
)
def test_naive_datetimes_are_rejected(call: object) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("amount", "unit", "error"),
    [
        (1, "weeks", ValueError),
        (-1, "working_minutes", ValueError),
        (-1, "minutes", ValueError),
        (float("nan"), "working_hours", ValueError),
        (Decimal("Infinity"), "hours", ValueError),
        ("60", "working_minutes", TypeError),
        (True, "working_minutes", TypeError),
    ],
)
def test_bad_amounts_and_units(amount: object, unit: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        wt.add(CN, sh(2026, 9, 11, 10), amount, unit)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weekly": ((),) * 6},
        {"weekly": (((time(9), time(12)), (time(11), time(13))),) + ((),) * 6},  # overlap
        {"weekly": (((time(13), time(18)), (time(9), time(12))),) + ((),) * 6},  # unsorted
        {"weekly": (((time(9), time(9)),),) + ((),) * 6},  # empty
        {"weekly": (((time(18), time(0)),),) + ((),) * 6},  # use None for 24:00
        {"weekly": (((time(20), None), (time(21), time(22))),) + ((),) * 6},
        {"weekly": (((time(9, tzinfo=UTC), time(10)),),) + ((),) * 6},
        {"weekly": ((("09:00", "10:00"),),) + ((),) * 6},
        {"makeup_periods": ((time(12), time(9)),)},
        {"tz": "Mars/Olympus_Mons"},
        {"holidays": {date(2026, 10, 1)}, "makeup_days": {date(2026, 10, 1)}},
        {"holidays": {datetime(2026, 10, 1)}},
    ],
)
def test_invalid_calendars_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CalendarSpec(**kwargs)  # type: ignore[arg-type]


def test_calendar_spec_is_hashable_and_normalised() -> None:
    listy = CalendarSpec(
        weekly=[[(time(9), time(12)), (time(13), time(18))]] * 5 + [[], []],  # type: ignore[arg-type]
        holidays=[date(2026, 10, 1)],  # type: ignore[arg-type]
    )
    same = CalendarSpec.default(holidays={date(2026, 10, 1)})
    assert listy == same
    assert hash(listy) == hash(same)
    assert {listy: 1}[same] == 1
    assert listy != CalendarSpec.default()
    assert pickle.loads(pickle.dumps(CN)) == CN
    assert CalendarSpec() == CalendarSpec.default()
    assert CalendarSpec.round_the_clock().always_open


# -------------------------------------------------------------- properties (laws)

# Calendars for the laws: the real Chinese calendar, a DST zone whose periods cross the
# gap, start inside it and run to midnight, a New York week, and 7x24 with DST.
BERLIN_MIXED = CalendarSpec(
    tz="Europe/Berlin",
    weekly=(
        DST_PERIODS,
        DST_PERIODS,
        ((time(9), time(12)), (time(12), time(17))),  # touching periods
        DST_PERIODS,
        ((time(8), time(16)),),
        ((time(2, 30), time(5)), (time(22), None)),  # Saturday into Sunday
        ((time(0), time(2, 45)), (time(9), time(17))),  # 02:45 is in the spring gap
    ),
    holidays={date(2025, 12, 25), date(2026, 12, 25), date(2026, 3, 29)},
    makeup_days={date(2026, 12, 19)},
)
NEW_YORK_WEEK = CalendarSpec(
    tz="America/New_York",
    weekly=((((time(9), time(17)),),) * 5) + ((), ((time(1), time(4)),)),
)
ALWAYS_BERLIN = CalendarSpec.round_the_clock(tz="Europe/Berlin")
# Drawn by name: the Chinese calendar's repr (600+ dates) would swamp Hypothesis reports.
CALENDARS = {
    "china": CN,
    "berlin_mixed": BERLIN_MIXED,
    "new_york_week": NEW_YORK_WEEK,
    "always_berlin": ALWAYS_BERLIN,
    "santiago": SANTIAGO,
}
NAMES = st.sampled_from(list(CALENDARS))
# Calendars whose working days all close before midnight (see the working-days law).
CLOSING_BEFORE_MIDNIGHT = ["china", "new_york_week"]

# WORKTIME_LAW_EXAMPLES=20000 for a long soak run.
LAWS = settings(
    max_examples=int(os.environ.get("WORKTIME_LAW_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

BOUNDARIES = [
    time(0),
    time(1),
    time(2),
    time(2, 30),
    time(2, 45),
    time(3),
    time(4),
    time(9),
    time(12),
    time(13),
    time(17),
    time(18),
    time(22),
    time(23),
    time(23, 59),
]
NUDGES = [timedelta(0), US, -US, timedelta(seconds=1), -timedelta(minutes=1)]
ZONES = [UTC, SHANGHAI, BERLIN, NEW_YORK, SANTIAGO_TZ]


@st.composite
def instants(draw: st.DrawFn, spec: CalendarSpec) -> datetime:
    """Random instants in 2025-2027, biased towards period boundaries in the spec's zone."""
    if draw(st.booleans()):
        moment = draw(
            st.datetimes(
                min_value=datetime(2025, 1, 1),
                max_value=datetime(2027, 12, 31, 23, 59),
                timezones=st.sampled_from(ZONES),
                allow_imaginary=False,
            )
        )
        return moment
    day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
    local = datetime.combine(day, draw(st.sampled_from(BOUNDARIES)), tzinfo=spec.zone)
    return utc(local) + draw(st.sampled_from(NUDGES))


@st.composite
def calendar_and_start(draw: st.DrawFn, names: list[str]) -> tuple[str, datetime]:
    name = draw(st.sampled_from(names))
    return name, draw(instants(CALENDARS[name]))


MINUTES = st.one_of(st.integers(0, 2_400), st.integers(0, 60_000))


def _period_containing_end(spec: CalendarSpec, moment: datetime) -> bool:
    """`moment` lies in some period's (start, end]."""
    day = moment.astimezone(spec.zone).date()
    for candidate in (day - timedelta(days=1), day, day + timedelta(days=1)):
        for start, end in wt.working_periods_on(spec, candidate):
            if start < moment <= end:
                return True
    return False


@LAWS
@given(calendar_and_start(list(CALENDARS)), MINUTES, MINUTES)
def test_law_adding_working_minutes_composes(case: tuple[str, datetime], a: int, b: int) -> None:
    name, start = case
    spec = CALENDARS[name]
    first = wt.add_working_minutes(spec, start, a)
    assert wt.add_working_minutes(spec, first, b) == wt.add_working_minutes(spec, start, a + b)


@LAWS
@given(calendar_and_start(list(CALENDARS)), st.integers(0, 40 * 3_600_000_000))
def test_law_between_inverts_add_and_result_is_earliest(
    case: tuple[str, datetime], amount_us: int
) -> None:
    name, start = case
    spec = CALENDARS[name]
    amount = timedelta(microseconds=amount_us)
    result = wt.add_working_minutes(spec, start, Decimal(amount_us) / 60_000_000)
    assert result >= start
    assert wt.working_time_between(spec, start, result) == amount
    if amount_us:
        # Earliest: one microsecond earlier the required working time has not yet passed.
        assert wt.working_time_between(spec, start, utc(result) - US) == amount - US
        assert _period_containing_end(spec, result)
    else:
        # Compare instants: an ambiguous (fold) local time never equals another zone's.
        assert utc(result) == utc(start)


@LAWS
@given(calendar_and_start(list(CALENDARS)), st.integers(1, 10_000))
def test_law_result_is_working_time_or_period_end(case: tuple[str, datetime], minutes: int) -> None:
    name, start = case
    spec = CALENDARS[name]
    result = wt.add_working_minutes(spec, start, minutes)
    assert wt.is_working_time(spec, result) or any(
        end == result
        for day in (result.date() - timedelta(days=1), result.date())
        for _, end in wt.working_periods_on(spec, day)
    )
    assert _period_containing_end(spec, result)


def _working_days_strictly_between(spec: CalendarSpec, after: date, upto: date) -> int:
    count, day = 0, after + timedelta(days=1)
    while day <= upto:
        count += wt.is_working_day(spec, day)
        day += timedelta(days=1)
    return count


@LAWS
@given(calendar_and_start(list(CALENDARS)), st.integers(1, 15))
def test_law_working_days_end_at_close_of_business(case: tuple[str, datetime], days: int) -> None:
    name, start = case
    spec = CALENDARS[name]
    result = wt.add_working_days(spec, start, days)
    start_day = start.astimezone(spec.zone).date()
    local = result.astimezone(spec.zone)
    assert local.tzinfo == spec.zone
    # The close of business of day D is the end of D's last period (24:00 is D+1 00:00).
    closing = [
        day
        for day in (local.date() - timedelta(days=1), local.date())
        if wt.is_working_day(spec, day) and wt.working_periods_on(spec, day)[-1][1] == result
    ]
    assert len(closing) == 1
    assert closing[0] > start_day
    assert _working_days_strictly_between(spec, start_day, closing[0]) == days


@LAWS
@given(calendar_and_start(CLOSING_BEFORE_MIDNIGHT), st.integers(0, 12), st.integers(0, 12))
def test_law_working_days_compose_when_days_close_before_midnight(
    case: tuple[str, datetime], a: int, b: int
) -> None:
    name, start = case
    spec = CALENDARS[name]
    first = wt.add_working_days(spec, start, a)
    assert wt.add_working_days(spec, first, b) == wt.add_working_days(spec, start, a + b)


@LAWS
@given(calendar_and_start(list(CALENDARS)))
def test_law_next_working_day_start_is_an_opening_after_the_start_date(
    case: tuple[str, datetime],
) -> None:
    name, start = case
    spec = CALENDARS[name]
    result = wt.next_working_day_start(spec, start)
    start_day = start.astimezone(spec.zone).date()
    day = result.astimezone(spec.zone).date()
    assert day > start_day
    assert wt.working_periods_on(spec, day)[0][0] == result
    assert _working_days_strictly_between(spec, start_day, day) == 1
    assert result == wt.add(spec, start, 99, "next_working_day_start")


@LAWS
@given(NAMES, st.data())
def test_law_between_is_additive_and_antisymmetric(name: str, data: st.DataObject) -> None:
    spec = CALENDARS[name]
    a, b, c = (data.draw(instants(spec)) for _ in range(3))
    ab = wt.working_time_between(spec, a, b)
    assert ab + wt.working_time_between(spec, b, c) == wt.working_time_between(spec, a, c)
    assert wt.working_time_between(spec, b, a) == -ab
    assert ab == timedelta(0) or (ab > timedelta(0)) == (a < b)


@LAWS
@given(NAMES, st.data())
def test_law_is_working_time_agrees_with_between(name: str, data: st.DataObject) -> None:
    spec = CALENDARS[name]
    moment = data.draw(instants(spec))
    inside = wt.working_time_between(spec, moment, utc(moment) + US) == US
    assert wt.is_working_time(spec, moment) is inside


@LAWS
@given(
    NAMES,
    st.data(),
    st.sampled_from(["working_minutes", "working_hours", "working_days", "minutes"]),
    st.integers(0, 3_000),
)
def test_law_additions_are_monotonic(
    name: str, data: st.DataObject, unit: str, amount: int
) -> None:
    spec = CALENDARS[name]
    s1, s2 = sorted((data.draw(instants(spec)), data.draw(instants(spec))))
    if unit == "working_days":
        amount %= 12
    elif unit == "working_hours":
        amount %= 50
    assert wt.add(spec, s1, amount, unit) <= wt.add(spec, s2, amount, unit)
    nws = wt.next_working_day_start
    assert nws(spec, s1) <= nws(spec, s2)
