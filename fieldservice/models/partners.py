"""Partner companies beyond the billing mode (docs/domain.md §partners): terms in force
from a date (so any past month is settled again with the terms of that month),
certification exams, evaluations, replacements with their hand-over record, penalties
for incidents, trainings with the free days and the fee table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fieldservice.choices import BillingMode, CooperationModel
from servicedesk.core.querysets import RestrictedManager

User = settings.AUTH_USER_MODEL

_MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(Decimal(0))]}


def _partner_scope(user: Any, field: str = "partner_id") -> Q | None:
    from . import engineer_of

    if user.has_perm("fieldservice.view_all_dispatches"):
        return None
    engineer = engineer_of(user)
    if engineer is not None and engineer.partner_id:
        return Q(**{field: engineer.partner_id})
    return Q(pk__in=[])


class PartnerTerms(models.Model):
    """The agreed terms of a partner from a date on (docs/domain.md §partners.settlement)."""

    partner = models.ForeignKey(
        "fieldservice.Partner",
        verbose_name=_("partner company"),
        on_delete=models.CASCADE,
        related_name="terms",
    )
    valid_from = models.DateField(_("in force from"))
    cooperation_model = models.CharField(
        _("cooperation model"), max_length=20, choices=CooperationModel.choices
    )
    billing_mode = models.CharField(_("billing mode"), max_length=20, choices=BillingMode.choices)
    person_day_rate = models.DecimalField(
        _("person-day rate (CNY)"), null=True, blank=True, **_MONEY
    )
    fee_share_percent = models.DecimalField(
        _("share of the after-sales fee (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    management_fee = models.DecimalField(
        _("management fee per engineer and month (CNY)"),
        default=Decimal(0),
        help_text=_("Paid where we manage the partner's people, per engineer who worked."),
        **_MONEY,
    )
    free_training_days = models.PositiveSmallIntegerField(
        _("free training days"),
        default=5,
        help_text=_(
            "The first training is free for this many person-days; later ones are charged."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner terms")
        verbose_name_plural = _("partner terms")
        ordering = ["partner", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "valid_from"], name="partner_terms_once"),
            models.CheckConstraint(
                condition=~Q(billing_mode="person_day") | Q(person_day_rate__isnull=False),
                name="partner_terms_person_day_needs_rate",
            ),
            models.CheckConstraint(
                condition=~Q(billing_mode="fee_share") | Q(fee_share_percent__isnull=False),
                name="partner_terms_fee_share_needs_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.valid_from}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _partner_scope(user)


class CertificationExam(models.Model):
    """「我方培训结束后，实施人员必须经过我方培训考核，方能上岗」: one sitting of an engineer's
    certification exam (docs/domain.md §partners.certification)."""

    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="exams",
    )
    taken_on = models.DateField(_("exam date"))
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1, default=60)
    passed = models.BooleanField(_("passed"))
    valid_until = models.DateField(_("certificate valid until"), null=True, blank=True)
    subject = models.CharField(_("exam subject"), max_length=200, blank=True)
    examiner = models.ForeignKey(
        User, verbose_name=_("examiner"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certification exam")
        verbose_name_plural = _("certification exams")
        ordering = ["-taken_on", "-id"]

    def __str__(self) -> str:
        return f"{self.engineer} {self.taken_on} {self.score}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _partner_scope(user, "engineer__partner_id")


class EngineerEvaluation(models.Model):
    """Our evaluation of an engineer for a period (scores 1–5), with the right to ask the
    partner for a replacement (docs/domain.md §partners.evaluation)."""

    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    skill_score = models.PositiveSmallIntegerField(
        _("skills (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    attitude_score = models.PositiveSmallIntegerField(
        _("attitude (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    customer_score = models.PositiveSmallIntegerField(
        _("customer feedback (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    remarks = models.TextField(_("remarks"), blank=True)
    replacement_requested = models.BooleanField(_("replacement requested"), default=False)
    evaluated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField(_("evaluated"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("engineer evaluation")
        verbose_name_plural = _("engineer evaluations")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="evaluation_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.engineer} {self.period_start}–{self.period_end}"

    @property
    def average(self) -> Decimal:
        total = self.skill_score + self.attitude_score + self.customer_score
        return (Decimal(total) / 3).quantize(Decimal("0.1"))

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _partner_scope(user, "engineer__partner_id")


class EngineerHandover(models.Model):
    """A partner engineer replaced or leaving: the hand-over record of open work (docs/
    domain.md §partners.replacement). The leaving engineer is deactivated with it."""

    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("leaving engineer"),
        on_delete=models.PROTECT,
        related_name="handovers_given",
    )
    successor = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers_received",
    )
    reason = models.CharField(
        _("why"),
        max_length=20,
        choices=[("replacement", _("Replacement asked by us")), ("departure", _("Departure"))],
    )
    open_work = models.TextField(_("open work handed over"))
    customers = models.TextField(_("customers and their state"), blank=True)
    effective_on = models.DateField(_("effective on"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("engineer hand-over")
        verbose_name_plural = _("engineer hand-overs")
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.engineer} → {self.successor or '—'}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _partner_scope(user, "engineer__partner_id")


class PartnerPenalty(models.Model):
    """A penalty for an incident caused by the partner's staff, deducted in the month of
    the incident (docs/domain.md §partners.settlement)."""

    partner = models.ForeignKey(
        "fieldservice.Partner",
        verbose_name=_("partner company"),
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
    )
    dispatch = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="penalties",
    )
    occurred_on = models.DateField(_("incident date"))
    incident = models.TextField(_("incident"))
    amount = models.DecimalField(_("penalty (CNY)"), **_MONEY)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner penalty")
        verbose_name_plural = _("partner penalties")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["partner", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.partner} {self.occurred_on} ¥{self.amount}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _partner_scope(user)


class TrainingFeeRate(models.Model):
    """The training-fee table: the price per trainee and day of a course after the free
    days (docs/domain.md §partners.training)."""

    course = models.CharField(_("course"), max_length=100, unique=True)
    price_per_day = models.DecimalField(_("price per trainee-day (CNY)"), **_MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training fee")
        verbose_name_plural = _("training fee table")
        ordering = ["course"]

    def __str__(self) -> str:
        return f"{self.course} ¥{self.price_per_day}"


class PartnerTraining(models.Model):
    """A training of a partner's engineers by us: the partner's first training is free for
    the agreed number of days, the rest and every later training are charged by the fee
    table per trainee and day; the charge is fixed when recorded, so a past month's
    statement never changes (docs/domain.md §partners.training)."""

    partner = models.ForeignKey(
        "fieldservice.Partner",
        verbose_name=_("partner company"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    rate = models.ForeignKey(
        TrainingFeeRate, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    days = models.PositiveSmallIntegerField(_("days"), validators=[MinValueValidator(1)])
    trainees = models.PositiveSmallIntegerField(_("trainees"), validators=[MinValueValidator(1)])
    free_days = models.PositiveSmallIntegerField(_("free days"), default=0)
    fee = models.DecimalField(_("fee (CNY)"), **_MONEY)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner training")
        verbose_name_plural = _("partner trainings")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.partner} {self.rate.course} {self.starts_on}"

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _partner_scope(user)
