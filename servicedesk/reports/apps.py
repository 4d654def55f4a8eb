from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Weekly reports, meeting records, monthly summaries, trip reports and the briefing to
    sales. It reads every domain app and no app reads it: it sits at the top of the
    dependency order (docs/domain.md §reports)."""

    name = "servicedesk.reports"
    label = "reports"
    verbose_name = _("Work reports")

    def ready(self) -> None:
        from servicedesk.core.navigation import NavItem, nav_register
        from servicedesk.core.services import event_subscribe

        from . import printing  # noqa: F401 - registers the printed forms
        from .subscribers import trip_report_for_visit

        event_subscribe("dispatch.complete", trip_report_for_visit)
        nav_register(
            NavItem(
                _("Weekly reports"),
                "reports:weekly-list",
                "calendar-week",
                "reports.view_weeklyreport",
                order=10,
            ),
            NavItem(
                _("Weekly meeting record"),
                "reports:meeting",
                "people",
                "reports.review_weeklyreport",
                order=11,
            ),
            NavItem(
                _("Monthly project summary"),
                "reports:monthly",
                "table",
                "reports.review_weeklyreport",
                order=12,
            ),
            NavItem(
                _("Trip reports"),
                "reports:trip-list",
                "geo-alt",
                "reports.view_tripreport",
                order=13,
            ),
            NavItem(
                _("Briefings to sales"),
                "reports:briefing-list",
                "megaphone",
                "reports.view_salesbriefing",
                order=14,
            ),
        )
