from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DispatchState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("dispatch", "Requested")
    VERIFIED = "verified", pgettext_lazy("dispatch", "Verified")
    ASSIGNED = "assigned", pgettext_lazy("dispatch", "Assigned")
    CONFIRMED = "confirmed", pgettext_lazy("dispatch", "Confirmed")
    SCHEDULED = "scheduled", pgettext_lazy("dispatch", "Scheduled")
    ON_SITE = "on_site", pgettext_lazy("dispatch", "On site")
    COMPLETED = "completed", pgettext_lazy("dispatch", "Completed")
    WRITTEN_OFF = "written_off", pgettext_lazy("dispatch", "Written off")
    ARCHIVED = "archived", pgettext_lazy("dispatch", "Archived")
    CANCELLED = "cancelled", pgettext_lazy("dispatch", "Cancelled")


#: States in which a dispatch occupies its engineer's time (for conflicts on the board).
BUSY_STATES = [
    DispatchState.ASSIGNED,
    DispatchState.CONFIRMED,
    DispatchState.SCHEDULED,
    DispatchState.ON_SITE,
]
#: States that may still be cancelled (docs/domain.md §dispatch.cancel).
CANCELLABLE_STATES = [
    DispatchState.REQUESTED,
    DispatchState.VERIFIED,
    DispatchState.ASSIGNED,
    DispatchState.CONFIRMED,
    DispatchState.SCHEDULED,
]
OPEN_STATES = [
    DispatchState.REQUESTED,
    DispatchState.VERIFIED,
    *BUSY_STATES,
    DispatchState.COMPLETED,
]


class DispatchKind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    ROUTINE_INSPECTION = "routine_inspection", _("Routine inspection")
    TRAINING = "training", _("Training")
    UPGRADE = "upgrade", _("Upgrade")
    GOODS_INSPECTION = "goods_inspection", _("Goods inspection")
    DATA_SERVICE = "data_service", _("Data service")
    CONSULTING = "consulting", _("Consulting")


#: Kinds that touch the customer's software and data: a backup is required first
#: (docs/domain.md §dispatch.backup).
SOFTWARE_KINDS = {
    DispatchKind.REPAIR,
    DispatchKind.INSTALLATION,
    DispatchKind.UPGRADE,
    DispatchKind.DATA_SERVICE,
}


class DispatchSeverity(models.TextChoices):
    """How urgent the request is; the same values as a hotline ticket's severity."""

    NORMAL = "normal", _("Normal")
    SYSTEM_DOWN = "system_down", _("System down")


class DispatchSource(models.TextChoices):
    TICKET = "ticket", _("Hotline ticket")
    MANAGER = "manager", _("Service manager")
    FOLLOW_UP = "follow_up", _("Follow-up of a dispatch")
    SCHEDULE = "schedule", _("Maintenance schedule")
    REVISIT = "revisit", _("Revisit")


class Outcome(models.TextChoices):
    SOLVED = "solved", _("Solved")
    PARTIALLY_SOLVED = "partially_solved", _("Partially solved")
    UNSOLVED = "unsolved", _("Unsolved")


class NextStep(models.TextChoices):
    NONE = "", _("None (solved)")
    FOLLOW_UP = "follow_up", _("Follow-up dispatch")
    DEFECT = "defect", _("Escalated to headquarters as a defect")


class CooperationModel(models.TextChoices):
    SELF_MANAGED = "self_managed", _("The partner manages its people")
    WE_MANAGE = "we_manage", _("We manage the partner's people")


class BillingMode(models.TextChoices):
    PERSON_DAY = "person_day", _("Person-day rate")
    FEE_SHARE = "fee_share", _("Share of the after-sales fee")


class PartUsageKind(models.TextChoices):
    REPLACED = "replaced", _("Used / replaced")
    LOAN = "loan", _("Loaned to the customer")
    FAULTY = "faulty", _("Faulty part taken back for repair")


class LeadKind(models.TextChoices):
    UPGRADE = "upgrade", _("Software upgrade")
    NEW_MODULE = "new_module", _("New module")
    OTHER = "other", _("Other need")
