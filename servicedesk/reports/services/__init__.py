"""Every write of the reports app (docs/architecture.md §layers.services)."""

from .briefings import briefing_draft, briefing_edit, briefing_send, briefings_draft
from .trips import trip_report_draft, trip_report_edit, trip_report_read, trip_report_submit
from .weekly import (
    drafting_day,
    weekly_report_draft,
    weekly_report_edit,
    weekly_report_refresh,
    weekly_report_return,
    weekly_report_submit,
    weekly_reports_draft,
)

__all__ = [
    "briefing_draft",
    "briefing_edit",
    "briefing_send",
    "briefings_draft",
    "drafting_day",
    "trip_report_draft",
    "trip_report_edit",
    "trip_report_read",
    "trip_report_submit",
    "weekly_report_draft",
    "weekly_report_edit",
    "weekly_report_refresh",
    "weekly_report_return",
    "weekly_report_submit",
    "weekly_reports_draft",
]
