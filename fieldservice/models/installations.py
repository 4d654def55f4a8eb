"""Installations (安装): the assets an installation visit records into the customer's
asset register, a daily service report per installation day, and the acceptance the
customer signs (docs/domain.md §installation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedManager

User = settings.AUTH_USER_MODEL


class InstallationState(models.TextChoices):
    OPEN = "open", pgettext_lazy("installation", "Installing")
    ACCEPTED = "accepted", pgettext_lazy("installation", "Accepted by the customer")


@condition(_("Record at least one installed asset first."))
def installation_has_assets(installation: Installation) -> bool:
    from contracts.models import Asset

    return Asset.objects.filter(installation_dispatch_id=installation.dispatch_id).exists()


@condition(_("The customer has not signed the installation report yet."))
def installation_customer_signed(installation: Installation) -> bool:
    return installation.acceptance_signature_id is not None


def may_work_installation(installation: Installation, user: Any) -> bool:
    from . import may_work_dispatch

    return may_work_dispatch(installation.dispatch, user)


class Installation(ConcurrentTransitionMixin, models.Model):
    """The record of an installation visit (one per dispatch of kind installation)."""

    dispatch = models.OneToOneField(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        related_name="installation",
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
    state = FSMField(
        _("state"),
        default=InstallationState.OPEN,
        choices=InstallationState.choices,
        protected=True,
        db_index=True,
    )
    acceptance_note = models.TextField(_("acceptance note"), blank=True)
    acceptance_signature = models.ForeignKey(
        "core.Signature",
        verbose_name=_("customer's signature"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("installation")
        verbose_name_plural = _("installations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(_("Installation %(number)s") % {"number": self.dispatch.number})

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:installation", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        from . import Dispatch

        scope = Dispatch.scope_for_user(user)
        if scope is None:
            return None
        return Q(dispatch__in=Dispatch.objects.filter(scope).values("pk"))

    def assets(self) -> Any:
        from contracts.models import Asset

        return Asset.objects.filter(installation_dispatch_id=self.dispatch_id).order_by("pk")

    @transition(
        field=state,
        source=InstallationState.OPEN,
        target=InstallationState.ACCEPTED,
        conditions=[installation_has_assets, installation_customer_signed],
        permission=may_work_installation,
    )
    def accept(self, at: dt.datetime) -> None:
        self.accepted_at = at


class InstallationDay(models.Model):
    """The daily service report of one installation day (每日服务报告)."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    work_done = models.TextField(_("work done"))
    issues = models.TextField(_("issues"), blank=True)
    next_steps = models.TextField(_("plan for the next day"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=8)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily service report")
        verbose_name_plural = _("daily service reports")
        ordering = ["installation", "day"]
        constraints = [
            models.UniqueConstraint(fields=["installation", "day"], name="installation_day_once"),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="installation_day_hours"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Daily service report %(day)s") % {"day": self.day.isoformat()})

    def get_absolute_url(self) -> str:
        return self.installation.get_absolute_url() + f"#day-{self.pk}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = Installation.scope_for_user(user)
        if scope is None:
            return None
        return Q(installation__in=Installation.objects.filter(scope).values("pk"))
