"""What the defects app's events and history reasons are called (core.history)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .selectors import EVENT_TITLES, HISTORY_TITLES

EVENTS = {
    **EVENT_TITLES,
    "evaluationreport.created": _("Evaluation report written"),
    "evaluation_report": _("Evaluation report written"),
}
REASONS = {
    **HISTORY_TITLES,
    "record": pgettext_lazy("history", "Recorded"),
}
