"""Goods inspection before shipment (货品检查, docs/domain.md §goods-inspection)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from servicedesk.core.querysets import RestrictedManager

User = settings.AUTH_USER_MODEL
DEFAULT_TEST_HOURS = 12


class GoodsInspection(models.Model):
    """The record of a goods inspection visit: what was tested, how long and with what
    result, the customer's consent to unpack a sealed box, the licences requested and
    where their media and licence backups are kept in the customer archive."""

    dispatch = models.OneToOneField(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        related_name="goods_inspection",
    )
    customer = models.ForeignKey(
        "contracts.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    goods = models.TextField(_("goods inspected"), help_text=_("One item per line, with serials."))
    delivery_on = models.DateField(_("delivery on"))
    test_hours = models.PositiveSmallIntegerField(_("test duration (hours)"), default=12)
    test_result = models.TextField(_("test results"))
    passed = models.BooleanField(_("passed"), default=True)
    box_sealed = models.BooleanField(_("box sealed"), default=False)
    unpacking_consent_by = models.CharField(
        _("unpacking agreed by (customer)"), max_length=60, blank=True
    )
    unpacking_consent_on = models.DateField(_("unpacking agreed on"), null=True, blank=True)
    licences_requested = models.TextField(_("licences requested"), blank=True)
    backup_location = models.CharField(
        _("where the media and licence backups are kept"), max_length=300, blank=True
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goods inspection")
        verbose_name_plural = _("goods inspections")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(box_sealed=False) | ~Q(unpacking_consent_by=""),
                name="goods_inspection_sealed_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(test_hours__gte=1), name="goods_inspection_test_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Goods inspection %(number)s") % {"number": self.dispatch.number})

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:goods-inspection", args=[self.dispatch_id])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        from . import Dispatch

        scope = Dispatch.scope_for_user(user)
        if scope is None:
            return None
        return Q(dispatch__in=Dispatch.objects.filter(scope).values("pk"))
