"""What the reports app's events and history reasons are called (core.history)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

EVENTS = {
    "weeklyreport.submit": _("Weekly report submitted"),
    "weeklyreport.return_for_rework": _("Weekly report returned for rework"),
    "tripreport.submit": _("Trip report submitted to the technical manager"),
    "tripreport.mark_read": _("Trip report read by the technical manager"),
    "salesbriefing.send": _("Briefing sent to sales"),
}
REASONS = {
    "drafted": _("Drafted from the week's work"),
    "refreshed": _("Figures drafted again"),
    "edited": pgettext_lazy("report", "Edited"),
    "submit": pgettext_lazy("report", "Submitted"),
    "return_for_rework": _("Returned for rework"),
    "mark_read": _("Read by the technical manager"),
    "send": _("Sent to sales"),
}
