from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketState(models.TextChoices):
    NEW = "new", _("New")
    SHELVED = "shelved", _("Shelved")
    SCOPE_REVIEW = "scope_review", _("Scope review")
    COMMERCIAL_REVIEW = "commercial_review", _("Commercial review")
    DISPATCH_REQUESTED = "dispatch_requested", _("Dispatch requested")
    DISPATCHED = "dispatched", _("Dispatched")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat / QQ")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web / portal")
    WALK_IN = "walk_in", _("Walk-in / on site")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SYSTEM_DOWN = "system_down", _("System down")


class TicketKind(models.TextChoices):
    REQUEST = "request", _("Service request")
    COMPLAINT = "complaint", _("Complaint")


class CommercialDecision(models.TextChoices):
    CHARGE_AGREED = "charge_agreed", _("Charge agreed with the customer")
    WAIVED = "waived", _("Charge waived")
    DECLINED = "declined", _("Customer declined")
    SPECIAL = "special", _("Special arrangement")


class ScopeDecision(models.TextChoices):
    IN_SCOPE = "in_scope", _("In scope")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class ArticleState(models.TextChoices):
    """A knowledge article's review (docs/domain.md §hotline.knowledge)."""

    DRAFT = "draft", pgettext_lazy("article", "Draft")
    IN_REVIEW = "in_review", pgettext_lazy("article", "In review")
    PUBLISHED = "published", pgettext_lazy("article", "Published")
    ARCHIVED = "archived", pgettext_lazy("article", "Archived")
