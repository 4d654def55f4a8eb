from __future__ import annotations

import datetime as dt
import itertools

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import DayKind, ServiceLevel
from ..querysets import RestrictedManager

# Monday .. Sunday, each a list of ["HH:MM", "HH:MM"] periods.
DEFAULT_WEEKLY_PERIODS: dict[str, list[list[str]]] = {
    str(day): ([["09:00", "12:00"], ["13:00", "18:00"]] if day < 5 else []) for day in range(7)
}


def default_weekly_periods() -> dict[str, list[list[str]]]:
    return {day: [list(p) for p in periods] for day, periods in DEFAULT_WEEKLY_PERIODS.items()}


def parse_weekly_periods(raw: dict) -> tuple[tuple[tuple[dt.time, dt.time | None], ...], ...]:
    """Validate the JSON of weekly periods and turn it into the worktime module's shape."""
    if not isinstance(raw, dict):
        raise ValidationError(_("Weekly periods must map weekday numbers 0-6 to periods."))
    week = []
    for day in range(7):
        periods = []
        for item in raw.get(str(day), raw.get(day, [])) or []:
            try:
                raw_start, raw_end = item
                start = dt.time.fromisoformat(raw_start)
                # "24:00" closes the day at midnight (the worktime module's None end).
                end = None if raw_end in ("24:00", "24:00:00") else dt.time.fromisoformat(raw_end)
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    _("Weekday %(day)s: %(item)s is not a pair of HH:MM times."),
                    params={"day": day, "item": item},
                ) from exc
            if end is not None and end <= start:
                raise ValidationError(
                    _("Weekday %(day)s: a period must end after it starts."), params={"day": day}
                )
            periods.append((start, end))
        periods.sort(key=lambda p: p[0])
        for (_s1, e1), (s2, _e2) in itertools.pairwise(periods):
            if e1 is None or s2 < e1:
                raise ValidationError(_("Weekday %(day)s: periods overlap."), params={"day": day})
        week.append(tuple(periods))
    return tuple(week)


class WorkCalendar(models.Model):
    """Working time: weekly periods plus dated holidays and make-up working days."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=60, default="Asia/Shanghai")
    weekly_periods = models.JSONField(
        _("weekly working periods"),
        default=default_weekly_periods,
        help_text=_('Weekday 0 (Monday) to 6 (Sunday) → list of ["HH:MM", "HH:MM"].'),
    )
    always_open = models.BooleanField(
        _("24×7"), default=False, help_text=_("Every instant is working time.")
    )
    service_level = models.CharField(
        _("service level"),
        max_length=10,
        choices=ServiceLevel.choices,
        blank=True,
        help_text=_("Timers of contracts with this service level use this calendar."),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar"
            ),
            models.UniqueConstraint(
                fields=["service_level"],
                condition=~Q(service_level=""),
                name="one_calendar_per_service_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parse_weekly_periods(self.weekly_periods)
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(self.time_zone)
        except Exception as exc:
            raise ValidationError({"time_zone": _("Unknown time zone.")}) from exc


class CalendarException(models.Model):
    """A dated exception: a public holiday or a make-up working day (调休上班)."""

    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="exceptions",
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_exception_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
