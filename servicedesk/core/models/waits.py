from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import WaitReason


class CustomerWaitQuerySet(models.QuerySet):
    def open(self) -> CustomerWaitQuerySet:
        return self.filter(ended_at__isnull=True)

    def for_subject(self, obj: models.Model) -> CustomerWaitQuerySet:
        return self.filter(subject_type=ContentType.objects.get_for_model(obj), subject_id=obj.pk)


class CustomerWait(models.Model):
    """A record (ticket, defect, …) waits for the customer: information, a test, access
    to the system. Meanwhile the promises to the customer are paused; internal steps keep
    running (docs/domain.md §deadlines.pause). Ends when the customer answers."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    reason = models.CharField(_("waiting for"), max_length=20, choices=WaitReason.choices)
    note = models.TextField(_("what the customer was asked for"))
    started_at = models.DateTimeField(_("waiting since"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("customer answered"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answer = models.TextField(_("the customer's answer"), blank=True)
    paused_targets = models.JSONField(
        _("deadlines paused"), default=list, blank=True, help_text=_("Timer targets.")
    )
    paused_seconds = models.PositiveIntegerField(
        _("deadlines moved by (s)"),
        default=0,
        help_text=_("Working time the paused deadlines were moved by when it ended."),
    )

    objects = CustomerWaitQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("wait for the customer")
        verbose_name_plural = _("waits for the customer")
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="customer_wait_subject")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"],
                condition=Q(ended_at__isnull=True),
                name="one_open_customer_wait",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def waited(self) -> dt.timedelta:
        """Wall-clock time waited so far (until the answer, or now)."""
        return (self.ended_at or timezone.now()) - self.started_at
