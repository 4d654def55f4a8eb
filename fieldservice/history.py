"""What field service's events and history reasons are called (core.history)."""

from django.utils.translation import gettext_lazy as _

from .selectors import EVENT_TITLES

EVENTS = {
    **EVENT_TITLES,
    "engineer.created": _("Engineer added"),
    "engineer.changed": _("Engineer changed"),
    "partner.created": _("Partner added"),
    "partner.changed": _("Partner changed"),
}
REASONS = {
    "created": _("Dispatch requested"),
    "service report draft": _("Service report draft saved"),
    "customer signed": _("Customer signed"),
    "service report": _("Service report written"),
    "report changed after signing": _("Service report changed after the customer signed"),
    "approved": _("Spare part approved"),
    "next step": _("Next step chosen"),
    "escalated as a defect": _("Escalated to headquarters as a defect"),
    "follow-up call": _("Follow-up call"),
}

# Issue 15: upgrades, restores, partner records (fieldservice/history_upgrades.py).
from .history_upgrades import EVENTS as _UPGRADE_EVENTS  # noqa: E402
from .history_upgrades import REASONS as _UPGRADE_REASONS  # noqa: E402

EVENTS.update(_UPGRADE_EVENTS)
REASONS.update(_UPGRADE_REASONS)
