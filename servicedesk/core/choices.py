from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles (docs/domain.md §roles); each is a Django group of the same name."""

    DIRECTOR = "director", _("Director")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    IMPLEMENTATION_MANAGER = "implementation_manager", _("Implementation manager")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    CONSULTANT = "consultant", _("Implementation consultant")
    FIRST_VISIT_AGENT = "first_visit_agent", _("First-visit agent")
    HOTLINE_ENGINEER = "hotline_engineer", _("Hotline engineer")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    FIELD_ENGINEER = "field_engineer", _("Field engineer")
    TECH_MANAGER = "tech_manager", _("Technical manager")
    REGION_LEAD = "region_lead", _("Region lead")
    TESTER = "tester", _("Tester")
    DEVELOPER = "developer", _("Developer")
    AUDITOR = "auditor", _("Auditor")


class EmailState(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Handed to the mail server, the outcome not yet recorded (docs/architecture.md §email).
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent by e-mail")
    FAILED = "failed", _("Failed")


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", _("Drawn on screen")
    SCAN = "scan", _("Signed scan uploaded")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up working day")


class TimeUnit(models.TextChoices):
    MINUTES = "minutes", _("Minutes (wall clock)")
    HOURS = "hours", _("Hours (wall clock)")
    WORKING_MINUTES = "working_minutes", _("Working minutes")
    WORKING_HOURS = "working_hours", _("Working hours")
    WORKING_DAYS = "working_days", _("Working days")
    NEXT_WORKING_DAY_START = "next_working_day_start", _("Before the next working day starts")


class TimerState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


class CalendarBasis(models.TextChoices):
    """Which calendar a policy's deadlines run on (docs/domain.md §deadlines.calendar)."""

    OFFICE = "office", _("Office calendar (internal step)")
    SERVICE_LEVEL = "service_level", _("Contract service level (promise to the customer)")


class WaitReason(models.TextChoices):
    """What a record waits for from the customer while its promises are paused."""

    INFORMATION = "information", _("Information from the customer")
    TEST = "test", _("A test by the customer")
    ACCESS = "access", _("Access to the customer's system")
    OTHER = "other", _("Something else from the customer")


class ServiceLevel(models.TextChoices):
    BUSINESS_HOURS = "5x8", _("5×8 (working hours)")
    ROUND_THE_CLOCK = "7x24", _("7×24 (round the clock)")


# How each deadline (docs/domain.md §deadlines.table) is called on screen and on paper:
# the thing that must have happened by then. Apps add their own with
# ``timer_targets_register``; an unknown target shows as its name.
TIMER_TARGET_LABELS: dict[str, Any] = {
    "dispatch_submission": _("On-site need submitted"),
    "callback": _("Customer called back"),
    "reply": _("Result or visit date given"),
    "handover_to_manager": _("Handed to the service manager"),
    "shift_handover": _("Shift handed over"),
    "acknowledge": _("Complaint acknowledged"),
    "arrival": _("On site"),
    "write_off": _("Service form written off"),
    "follow_up": _("Follow-up call"),
    "escalation": _("Region lead and back office told"),
    "report": _("Verified and reported"),
    "verify": _("Verified by the tester"),
    "fix": _("Fixed"),
    "resolve": _("Resolved"),
    "needs_routing": _("Needs routed to departments"),
    "evaluation": _("Requirement evaluated"),
}


def timer_targets_register(**labels: Any) -> None:
    TIMER_TARGET_LABELS.update(labels)


def timer_target_label(target: str) -> str:
    return str(TIMER_TARGET_LABELS.get(target, target))
