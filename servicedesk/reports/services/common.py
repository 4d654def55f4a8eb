"""Helpers shared by the reports services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local (Asia/Shanghai) week from Monday 00:00 to the next Monday 00:00."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=7)
