"""Date arithmetic that cannot overflow.

A stored date may be anything the database holds (0001-01-01 … 9999-12-31: an import, an
old version, a direct edit), and a page computing with it must still answer, never a 500.
These helpers return ``None`` where the result falls outside Python's date range; callers
decide what to show then (nothing to suggest, "no end", the range's edge).
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_days(day: dt.date, days: int) -> dt.date | None:
    """``day`` plus ``days`` (negative: earlier), or ``None`` past the date range."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def add_years(day: dt.date, years: int) -> dt.date | None:
    """The same day ``years`` later (29 February becomes the 28th), or ``None``."""
    year = day.year + years
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


#: The years a page computes around. A date outside them, typed into a URL or stored by an
#: import, is replaced by the page's default rather than breaking it.
SANE_FIRST, SANE_LAST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def sane_date(day: dt.date | None, default: dt.date) -> dt.date:
    """``day`` when it lies between ``SANE_FIRST`` and ``SANE_LAST``, else ``default``."""
    return day if day is not None and SANE_FIRST <= day <= SANE_LAST else default
