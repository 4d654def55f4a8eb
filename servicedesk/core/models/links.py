"""One-time customer links (docs/architecture.md §links): a customer without an account
signs a printed form, or answers a satisfaction survey, through a link sent by SMS,
e-mail or a QR code on the engineer's phone."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..querysets import RestrictedQuerySet


class LinkPurpose(models.TextChoices):
    SIGN = "sign", _("Sign a document")
    SURVEY = "survey", _("Satisfaction survey")


class LinkState(models.TextChoices):
    OPEN = "open", _("Waiting for the customer")
    SIGNED = "signed", _("Signed")
    DECLINED = "declined", _("Declined")
    ANSWERED = "answered", _("Answered")
    REVOKED = "revoked", _("Withdrawn")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CustomerLink(models.Model):
    """Only the token's SHA-256 is looked up; the token itself is kept encrypted so the
    engineer can show the QR code again (docs/architecture.md §credentials)."""

    purpose = models.CharField(_("purpose"), max_length=10, choices=LinkPurpose.choices)
    token_sha256 = models.CharField(max_length=64, unique=True)
    token_encrypted = models.TextField(blank=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    form = models.CharField(_("form"), max_length=60, blank=True)
    signer_role = models.CharField(_("box"), max_length=100, blank=True)
    # What the customer is shown and signs (docs/architecture.md §printing.fingerprint):
    # a changed document no longer matches and the link is dead.
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    contact_name = models.CharField(_("contact"), max_length=100)
    contact_phone = models.CharField(_("mobile"), max_length=40, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=LinkState.choices, default=LinkState.OPEN
    )
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    signature = models.ForeignKey(
        "core.Signature", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_kind = models.CharField(_("occasion"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer link")
        verbose_name_plural = _("customer links")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "purpose"])]
        constraints = [
            # One survey per occasion of a record, however often the event is delivered.
            models.UniqueConstraint(
                fields=["purpose", "target_type", "target_id", "event_kind"],
                condition=models.Q(purpose="survey"),
                name="survey_once_per_occasion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.contact_name}"

    @property
    def state_label(self) -> str:
        if self.state == LinkState.OPEN and self.expires_at <= timezone.now():
            return str(_("Expired"))
        return str(self.get_state_display())

    @property
    def usable(self) -> bool:
        return self.state == LinkState.OPEN and self.expires_at > timezone.now()


class LinkOpen(models.Model):
    """Every request to a link's public pages, known token or not: the log and the rate
    limit's counter (docs/architecture.md §links.limits)."""

    link = models.ForeignKey(
        CustomerLink, on_delete=models.CASCADE, null=True, blank=True, related_name="opens"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("device"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=20)

    class Meta:
        verbose_name = _("link open")
        verbose_name_plural = _("link opens")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["ip_address", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip_address}"


class SurveyAnswer(models.Model):
    link = models.OneToOneField(CustomerLink, on_delete=models.CASCADE, related_name="answer")
    score = models.PositiveSmallIntegerField(_("score"))
    would_recommend = models.BooleanField(_("would recommend"))
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)
    complaint_ref = models.CharField(_("complaint"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/5"
