from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """Seed 004 §2.1.1: 致命 / 严重 / 重要 / 一般."""

    FATAL = "fatal", _("Fatal")
    SERIOUS = "serious", _("Serious")
    IMPORTANT = "important", _("Important")
    GENERAL = "general", _("General")


class DefectState(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    IN_FIX = "in_fix", _("In fix")
    FIXED = "fixed", _("Fixed")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_A_BUG = "not_a_bug", _("Not a bug")
    WONT_FIX = "wont_fix", _("Won't fix")


class RequirementState(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    EVALUATING = "evaluating", _("Evaluating")
    ACCEPTED = "accepted", _("Accepted")
    QUOTED = "quoted", _("Quoted")
    WORKAROUND = "workaround", _("Workaround (customer trained)")
    DECLINED = "declined", _("Declined")
    SOLUTION_CONFIRMED = "solution_confirmed", _("Solution confirmed")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_DEVELOPMENT = "in_development", _("In development")
    DELIVERED = "delivered", _("Delivered")
    CUSTOMER_ACCEPTED = "customer_accepted", _("Accepted by the customer")


class Outcome(models.TextChoices):
    """What the evaluation decided (seed 001 §3.2, seed 004 §2.1.2)."""

    ACCEPTED = "accepted", _("Accepted (free)")
    QUOTED = "quoted", _("Quoted (charged)")
    WORKAROUND = "workaround", _("Workaround without changing the system")
    DECLINED = "declined", _("Declined")
