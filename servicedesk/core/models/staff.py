from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..querysets import RestrictedManager


class StaffProfile(models.Model):
    """What the company knows of a member of staff beyond the login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    team = models.CharField(_("team"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("Receives this person's escalations."),
    )

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        return None
