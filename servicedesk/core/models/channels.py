"""Notification channels: e-mail and the WeCom / DingTalk / Feishu robots
(docs/architecture.md §channels).

A channel belongs to one user (their own robot chat or mailbox) or to a team (a
``StaffProfile.team`` name, or a role group): a notification to a member goes to the
team's chat once. Every (channel, message) pair is one ``ChannelDelivery`` row with its
own state and attempts, unique per channel, so a message is sent once per channel however
many workers run.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import RestrictedQuerySet


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationChannel(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_channels",
        help_text=_("A personal channel: this user's notifications."),
    )
    team = models.CharField(
        _("team"),
        max_length=60,
        blank=True,
        help_text=_("A team channel: notifications to members of this team (staff profile)."),
    )
    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("role"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A team channel: notifications to holders of this role."),
    )
    # Encrypted at rest (docs/architecture.md §credentials): the webhook URL carries the
    # robot's key, and the signing secret is a key.
    address_encrypted = models.TextField(_("address"), blank=True)
    secret_encrypted = models.TextField(_("signing secret"), blank=True)
    kinds = models.CharField(
        _("notification kinds"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated kinds (e.g. sla_breach, defect_fatal); empty: all."),
    )
    quiet_hours = models.BooleanField(
        _("quiet outside office hours"),
        default=True,
        help_text=_(
            "Hold messages outside the office calendar, except system-down and fatal ones."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team="", group__isnull=True)
                    | Q(user__isnull=True) & (~Q(team="") | Q(group__isnull=False))
                ),
                name="channel_user_or_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def is_team(self) -> bool:
        return self.user_id is None

    @property
    def kind_list(self) -> list[str]:
        return [k.strip() for k in self.kinds.split(",") if k.strip()]

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        # A user manages their own channels; team channels are the administrators'.
        if user.has_perm("core.change_notificationchannel"):
            return None
        return Q(user=user)


class MessageTemplate(models.Model):
    """The words of a robot or e-mail message for one notification kind (Chinese by
    default; Django template syntax with ``title``, ``body``, ``link``, ``kind``)."""

    kind = models.CharField(
        _("notification kind"), max_length=60, help_text=_("Empty: every kind."), blank=True
    )
    channel_kind = models.CharField(
        _("channel"), max_length=10, choices=ChannelKind.choices, blank=True
    )
    title = models.CharField(_("title"), max_length=200, default="{{ title }}")
    body = models.TextField(_("text"), default="{{ body }}")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["kind", "channel_kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel_kind"], name="message_template_once")
        ]

    def __str__(self) -> str:
        return self.kind or "*"


class ChannelDelivery(models.Model):
    """One message on one channel: claimed by one worker at a time (a lease), retried with
    back-off, given up after ``MAX_ATTEMPTS`` (docs/architecture.md §channels)."""

    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    notification = models.ForeignKey(
        "core.Notification",
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    message_key = models.CharField(max_length=200)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    held_for_quiet_hours = models.BooleanField(_("held for quiet hours"), default=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=40, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel delivery")
        verbose_name_plural = _("channel deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "message_key"], name="delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="delivery_due",
            )
        ]

    def __str__(self) -> str:
        return self.title
