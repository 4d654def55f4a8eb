"""Who writes and reads which report (merged into the role groups by core.roles;
docs/domain.md §reports.who)."""

from servicedesk.core.choices import Role

_WRITER = [
    "reports.view_weeklyreport",
    "reports.view_weeklyreportline",
    "reports.write_weeklyreport",
]
_MANAGER = [*_WRITER, "reports.review_weeklyreport"]
_TRIPS = ["reports.view_tripreport"]

ROLE_PERMISSIONS = {
    Role.HOTLINE_ENGINEER: list(_WRITER),
    Role.FIELD_ENGINEER: [*_WRITER, *_TRIPS],
    Role.CONSULTANT: list(_WRITER),
    Role.PROJECT_MANAGER: list(_WRITER),
    Role.SERVICE_MANAGER: [*_MANAGER, *_TRIPS],
    Role.IMPLEMENTATION_MANAGER: list(_MANAGER),
    Role.TECH_MANAGER: [
        *_MANAGER,
        *_TRIPS,
        "reports.review_tripreport",
        "reports.view_salesbriefing",
        "reports.view_briefingitem",
        "reports.write_salesbriefing",
    ],
    Role.SALES_MANAGER: ["reports.view_salesbriefing", "reports.view_briefingitem"],
    # The director reads every team's reports and the briefings; he writes none.
    Role.DIRECTOR: [
        "reports.view_weeklyreport",
        "reports.view_weeklyreportline",
        "reports.review_weeklyreport",
        "reports.view_all_reports",
        "reports.view_tripreport",
        "reports.review_tripreport",
        "reports.view_salesbriefing",
        "reports.view_briefingitem",
    ],
}
