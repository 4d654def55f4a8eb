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

# Routine inspections, installations and goods inspections (docs/domain.md §inspection,
# §installation, §goods-inspection).
EVENTS.update(
    {
        "inspection_schedule.saved": _("Inspection schedule saved"),
        "inspection.issue_raised": _("Issue raised from the checklist"),
        "inspection.finish": _("Checklist finished"),
        "inspection.reopen": _("Checklist reopened"),
        "inspection.sign": _("Inspection report signed by the customer"),
        "installation.started": _("Installation record opened"),
        "installation.day_recorded": _("Daily service report saved"),
        "installation.accept": _("Installation accepted by the customer"),
        "goods_inspection.recorded": _("Goods inspection recorded"),
    }
)
REASONS.update(
    {
        "inspection schedule planned": _("Inspection schedule planned"),
        "inspection schedule changed": _("Inspection schedule changed"),
        "inspection made": _("Routine inspection made ahead"),
        "checklist item": _("Checklist item checked"),
        "issue raised": _("Issue raised"),
        "inspection summary": _("Summary written"),
        "installation started": _("Installation record opened"),
        "daily report": _("Daily service report saved"),
        "acceptance signed": _("Customer signed the acceptance"),
        "goods inspection recorded": _("Goods inspection recorded"),
        "goods inspection changed": _("Goods inspection changed"),
        "inspection schedule sent": _("Yearly schedule sent to the customer"),
    }
)
