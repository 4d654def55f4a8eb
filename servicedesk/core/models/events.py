from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..querysets import RestrictedManager


class DomainEvent(models.Model):
    """A business event worth recording beyond field history (who signed, who escalated).

    Append-only: events are never edited, so they carry no history table of their own.
    """

    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    #: the subscribers (``module.qualname``) still to react, once the announcing change
    #: has committed (docs/architecture.md §apps.events)
    reactions_pending = models.JSONField(_("reactions pending"), default=list, blank=True)
    reactions_done = models.BooleanField(_("reactions done"), default=True)
    reaction_attempts = models.PositiveSmallIntegerField(_("reaction attempts"), default=0)
    reaction_error = models.TextField(_("last reaction error"), blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(reactions_done=False),
                name="core_event_reactions_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_type_id}:{self.target_id}"
