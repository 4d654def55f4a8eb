"""What users can do to reports, declared once (docs/architecture.md §action-layer): the
portal panels and the admin's buttons are built from these sets. The reports have no API
of their own yet (docs/domain.md §reports), so the actions serve portal and admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import services as s
from .forms import ReturnForm
from .models import SalesBriefing, TripReport, WeeklyReport

WEEKLY_ACTIONS = ActionSet(
    WeeklyReport,
    [
        Action("submit", _("Submit"), s.weekly_report_submit, icon="send", primary=True, api=False),
        Action(
            "return_for_rework",
            _("Return the report for rework"),
            s.weekly_report_return,
            form=ReturnForm,
            icon="arrow-counterclockwise",
            api=False,
        ),
    ],
)

TRIP_ACTIONS = ActionSet(
    TripReport,
    [
        Action(
            "submit",
            _("Submit to the technical manager"),
            s.trip_report_submit,
            icon="send",
            primary=True,
            api=False,
        ),
        Action(
            "mark_read",
            _("Mark as read"),
            s.trip_report_read,
            icon="check2",
            primary=True,
            api=False,
        ),
    ],
)

BRIEFING_ACTIONS = ActionSet(
    SalesBriefing,
    [
        Action("send", _("Send to sales"), s.briefing_send, icon="send", primary=True, api=False),
    ],
)
