"""Durations in words for pages and printed forms (a wait, a paused deadline)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _


def duration_text(value: dt.timedelta | int | float | None) -> str:
    """``1 d 2 h 5 min`` (zh: ``1天 2小时 5分钟``), to the minute; under a minute: 0 min."""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value or 0)
    minutes = max(int(seconds // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)s d") % {"n": days})
    if hours:
        parts.append(_("%(n)s h") % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)s min") % {"n": minutes})
    return " ".join(parts)
