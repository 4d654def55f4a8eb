"""The printed forms of the reports app (docs/architecture.md §printing): the weekly
report, the trip report and the briefing to sales print from their record page; the
meeting record and the monthly summary print from their own pages (servicedesk/reports/views.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core import printing
from servicedesk.core.printforms import register_form

from .documents import briefing_document, form_document, trip_document, weekly_document
from .models import SalesBriefing, TripReport, WeeklyReport


@register_form(
    WeeklyReport,
    "weekly_report",
    _("Weekly work report"),
)
def weekly_report_form(report: WeeklyReport) -> printing.FormDocument:
    return form_document(weekly_document(report))


@register_form(
    TripReport,
    "trip_report",
    _("Trip report"),
)
def trip_report_form(report: TripReport) -> printing.FormDocument:
    return form_document(trip_document(report))


@register_form(SalesBriefing, "sales_briefing", _("Technical briefing to sales"))
def sales_briefing_form(briefing: SalesBriefing) -> printing.FormDocument:
    return form_document(briefing_document(briefing))
