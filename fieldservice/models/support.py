"""The on-site support plan (docs/domain.md §support-plan): per customer with local
support, the scope and content of the on-site work agreed with the customer, what is done
when and who the back-office contact is; every customer question answered or routed with
a reply. Printable; its items are tracked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from servicedesk.core.querysets import RestrictedManager

User = settings.AUTH_USER_MODEL
SUPPORT_PLAN_FORM = "support_plan"


class QuestionRoute(models.TextChoices):
    ANSWERED = "answered", _("Answered on site")
    BACK_OFFICE = "back_office", _("Routed to the back office")
    DEFECT = "defect", _("Routed as a defect")
    REQUIREMENT = "requirement", _("Routed as a new requirement")


class SupportPlan(models.Model):
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="support_plans",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_plans",
    )
    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("on-site engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_plans",
    )
    back_office = models.ForeignKey(
        User,
        verbose_name=_("back-office contact"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope = models.TextField(_("scope of the on-site work"))
    content = models.TextField(_("content agreed with the customer"))
    agreed_with = models.CharField(_("agreed with (customer)"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("on-site support plan")
        verbose_name_plural = _("on-site support plans")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} {self.starts_on}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:support-plan", args=[self.pk])


class SupportPlanItem(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="items")
    what = models.CharField(_("what is done"), max_length=300)
    due_on = models.DateField(_("when"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_note = models.CharField(_("how it went"), max_length=300, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("support plan item")
        verbose_name_plural = _("support plan items")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.due_on} {self.what}"

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


class CustomerQuestion(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.CharField(_("asked by"), max_length=100)
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    route = models.CharField(
        _("answered or routed"), max_length=15, choices=QuestionRoute.choices, blank=True
    )
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer question")
        verbose_name_plural = _("customer questions")
        ordering = ["-asked_at", "-id"]

    def __str__(self) -> str:
        return self.question[:40]
