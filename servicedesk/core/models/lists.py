"""Saved filters of the portal's lists (docs/architecture.md §lists.saved)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SavedFilterQuerySet(models.QuerySet):
    def visible_to(self, user, list_code: str) -> SavedFilterQuerySet:
        """The user's own filters of a list and the ones others shared."""
        return self.filter(Q(owner=user) | Q(shared=True), list_code=list_code)


class SavedFilter(models.Model):
    """A named query string of one list, the owner's own or shared with everyone who may
    open the list (each still sees only their rows)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    list_code = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filter"), max_length=1000, blank=True)
    shared = models.BooleanField(_("shared with everyone"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SavedFilterQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_code", "name"], name="saved_filter_name_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.name
