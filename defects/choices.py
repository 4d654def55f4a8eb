from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Severity(models.TextChoices):
    """致命 / 严重 / 重要 / 一般 (docs/domain.md §defect.severity)."""

    FATAL = "fatal", pgettext_lazy("severity", "Fatal")
    SERIOUS = "serious", pgettext_lazy("severity", "Serious")
    IMPORTANT = "important", pgettext_lazy("severity", "Important")
    GENERAL = "general", pgettext_lazy("severity", "General")


class DefectState(models.TextChoices):
    RECORDED = "recorded", pgettext_lazy("defect", "Recorded")
    REPORTED = "reported", pgettext_lazy("defect", "Reported")
    VERIFIED = "verified", pgettext_lazy("defect", "Verified")
    IN_FIX = "in_fix", pgettext_lazy("defect", "In fix")
    FIXED = "fixed", pgettext_lazy("defect", "Fixed")
    CONFIRMED = "confirmed", pgettext_lazy("defect", "Confirmed by the customer")
    REOPENED = "reopened", pgettext_lazy("defect", "Reopened")
    CLOSED = "closed", pgettext_lazy("defect", "Closed")
    REJECTED = "rejected", pgettext_lazy("defect", "Rejected")


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_A_BUG = "not_a_bug", _("Not a bug")
    WONT_FIX = "wont_fix", _("Won't fix")


class RequirementState(models.TextChoices):
    RECORDED = "recorded", pgettext_lazy("requirement", "Recorded")
    EVALUATING = "evaluating", pgettext_lazy("requirement", "Evaluating")
    ACCEPTED = "accepted", pgettext_lazy("requirement", "Accepted")
    QUOTED = "quoted", pgettext_lazy("requirement", "Quoted")
    WORKAROUND = "workaround", pgettext_lazy("requirement", "Workaround (customer trained)")
    DECLINED = "declined", pgettext_lazy("requirement", "Declined")
    SOLUTION_CONFIRMED = "solution_confirmed", pgettext_lazy("requirement", "Solution confirmed")
    SCHEDULED = "scheduled", pgettext_lazy("requirement", "Scheduled")
    IN_DEVELOPMENT = "in_development", pgettext_lazy("requirement", "In development")
    DELIVERED = "delivered", pgettext_lazy("requirement", "Delivered")
    CUSTOMER_ACCEPTED = (
        "customer_accepted",
        pgettext_lazy("requirement", "Accepted by the customer"),
    )


class Outcome(models.TextChoices):
    """What the evaluation decided (docs/domain.md §requirement.outcomes)."""

    ACCEPTED = "accepted", _("Accepted (free)")
    QUOTED = "quoted", _("Quoted (charged)")
    WORKAROUND = "workaround", _("Workaround without changing the system")
    DECLINED = "declined", _("Declined")
