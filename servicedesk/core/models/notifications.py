from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import EmailState
from ..querysets import RestrictedQuerySet


class NotificationQuerySet(RestrictedQuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)

    def for_recipient(self, user) -> "NotificationQuerySet":
        return self.filter(recipient=user)


class Notification(models.Model):
    """The outbox: written in the transaction of the change that causes it.

    In-app delivery is the row itself; e-mail delivery is done by a periodic task that
    picks pending rows, so nothing is lost while a worker or the broker is down.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # The record moved past the step this notification announced (issue 10 §12).
    closed_at = models.DateTimeField(_("done"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.TextField(blank=True)
    # One e-mail per row, claimed by one worker at a time (docs/architecture.md §email).
    # A database default too: code of the previous release, running during an upgrade,
    # inserts notifications without this column.
    email_claim = models.CharField(max_length=40, blank=True, db_default="")
    email_lease_until = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # Handed to the user's and their teams' channels (docs/architecture.md §channels).
    routed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["target_type", "target_id"], name="notification_target"),
            models.Index(
                fields=["email_next_attempt_at"],
                condition=Q(email_state="pending"),
                name="notification_email_pending",
            ),
            models.Index(
                fields=["id"], condition=Q(routed_at__isnull=True), name="notification_unrouted"
            ),
            models.Index(
                fields=["email_lease_until"],
                condition=Q(email_state="sending"),
                name="notification_email_sending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        # Nobody reads another person's notifications, whatever their role.
        return Q(recipient=user)
