"""Printed forms of the shared kernel's own records.

年度工作日历确认单: managers print next year's working calendar (holidays and make-up
working days as entered), check it against the State Council's notice and sign it, so
everyone knows the deadlines of the coming year rest on a checked calendar.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import printing
from .choices import DayKind, Role
from .models import WorkCalendar
from .printforms import SignatureSlot, register_form


@register_form(
    WorkCalendar,
    "calendar_confirmation",
    gettext_lazy("Working calendar confirmation"),
    slots=[
        SignatureSlot(
            "service_manager", gettext_lazy("Service manager"), group=Role.SERVICE_MANAGER
        ),
        SignatureSlot("director", gettext_lazy("Director"), group=Role.DIRECTOR),
    ],
)
def calendar_confirmation(calendar: WorkCalendar) -> printing.FormDocument:
    year = timezone.localdate().year
    years = sorted({d.year for d in calendar.exceptions.values_list("date", flat=True)})
    if years and year not in years:
        year = years[-1]
    if (year + 1) in years:
        year += 1
    rows = []
    for exc in calendar.exceptions.filter(date__year=year).order_by("date"):
        rows.append(
            [
                exc.date.isoformat(),
                str(WEEKDAYS[exc.date.weekday()]),
                exc.get_kind_display(),
                exc.note,
            ]
        )
    periods = []
    for day, items in sorted(calendar.weekly_periods.items(), key=lambda kv: int(kv[0])):
        if items:
            periods.append(
                _("%(weekday)s: %(periods)s")
                % {
                    "weekday": WEEKDAYS[int(day)],
                    "periods": "、".join(f"{a}–{b}" for a, b in items),
                }
            )
    holidays = calendar.exceptions.filter(date__year=year, kind=DayKind.HOLIDAY).count()
    makeups = calendar.exceptions.filter(date__year=year, kind=DayKind.WORKDAY).count()
    return printing.FormDocument(
        title=_("Working calendar confirmation"),
        number=f"CAL-{year}-{calendar.pk:03d}",
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Calendar"), calendar.name),
            (_("Year"), str(year)),
        ],
        blocks=[
            printing.KeyValueGrid(
                rows=[
                    (_("Calendar"), calendar.name),
                    (_("Time zone"), calendar.time_zone),
                    (_("Round the clock"), _("yes") if calendar.always_open else _("no")),
                    (_("Service level"), calendar.get_service_level_display() or "—"),
                    (_("Public holidays"), str(holidays)),
                    (_("Make-up working days"), str(makeups)),
                    (_("Weekly working periods"), "；".join(periods) or "—"),
                ],
                columns=2,
            ),
            printing.Heading(_("Holidays and make-up working days of %(year)s") % {"year": year}),
            printing.Table(
                header=[_("Date"), _("Weekday"), _("Kind"), _("Note")],
                rows=rows or [["—", "", "", _("No exceptions entered")]],
                col_widths=[1.2, 0.8, 1.2, 2.4],
            ),
            printing.Paragraph(
                _(
                    "Checked against the State Council's holiday notice. Deadlines in working "
                    "days and working hours are computed from this calendar."
                )
            ),
        ],
    )
