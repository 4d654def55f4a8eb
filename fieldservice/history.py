"""What field service's events and history reasons are called (core.history)."""

from django.utils.translation import gettext_lazy as _

from .selectors import EVENT_TITLES

EVENTS = {
    **EVENT_TITLES,
    "engineer.created": _("Engineer added"),
    "engineer.changed": _("Engineer changed"),
    "partner.created": _("Partner added"),
    "partner.changed": _("Partner changed"),
    "engineer.leave_added": _("Leave recorded"),
    "engineer.leave_changed": _("Leave changed"),
    "engineer.leave_cancelled": _("Leave cancelled"),
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
    "leave cancelled": _("Leave cancelled"),
}

# Issue 15: upgrades, restores, partner records (fieldservice/history_upgrades.py).
from .history_upgrades import EVENTS as _UPGRADE_EVENTS  # noqa: E402
from .history_upgrades import REASONS as _UPGRADE_REASONS  # noqa: E402

EVENTS.update(_UPGRADE_EVENTS)
REASONS.update(_UPGRADE_REASONS)
# Spare-parts stock (docs/domain.md §stock).
EVENTS.update(
    {
        "partloan.requested": _("Loan requested"),
        "partloan.take": _("Taken in an emergency"),
        "partloan.approve": _("Loan approved"),
        "partloan.complete_paperwork": _("Emergency loan approved afterwards"),
        "partloan.refuse": _("Loan refused"),
        "partloan.give_back": _("Returned by the customer"),
        "partloan.sell": _("Converted to a sale"),
        "faultypart.tagged": _("Faulty part tagged"),
        "faultypart.send": _("Sent for repair"),
        "faultypart.restock": _("Back in stock"),
        "faultypart.write_off": _("Scrapped"),
        "stock.receive": _("Received into stock"),
        "stock.issue": _("Issued"),
        "stock.return": _("Returned unused"),
        "stock.transfer": _("Transferred"),
        "stock.loan_out": _("Loaned to a customer"),
        "stock.loan_back": _("Loan returned"),
        "stock.repair_back": _("Back from repair"),
        "stock.minimum": _("Low-stock warning changed"),
    }
)
REASONS.update({"catalogue": _("Catalogue changed")})

# Customer training (docs/domain.md §training).
EVENTS.update(
    {
        "trainingsession.planned": _("Training planned"),
        "trainingsession.send_plan": _("Plan sent to the customer"),
        "trainingsession.feedback": _("Feedback form recorded"),
        "trainingsession.hold": _("Training held"),
        "trainingsession.complete": _("Training completed"),
        "trainingsession.archive": _("Report filed in the customer archive"),
        "trainingsession.cancel": _("Training cancelled"),
    }
)
REASONS.update(
    {
        "training planned": _("Training planned"),
        "attendee": _("Attendee added"),
        "signed in": _("Signed in"),
        "certificate": _("Certificate issued"),
        "feedback": _("Feedback form recorded"),
    }
)

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
