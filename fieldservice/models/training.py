"""Customer training (docs/domain.md §training; 《技术服务规范》5.6 顾客培训服务): a session
with its plan and timetable sent to the customer, attendees signing in (on a tablet, or
the printed sheet scanned), the feedback form with scores, a certificate per attendee,
the training report filed in the customer archive, and the follow-up call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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


class TrainingState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("training", "Planned")
    PLAN_SENT = "plan_sent", pgettext_lazy("training", "Plan sent to the customer")
    HELD = "held", pgettext_lazy("training", "Held")
    COMPLETED = "completed", pgettext_lazy("training", "Completed")
    ARCHIVED = "archived", pgettext_lazy("training", "Filed in the customer archive")
    CANCELLED = "cancelled", pgettext_lazy("training", "Cancelled")


class SignInMethod(models.TextChoices):
    TABLET = "tablet", _("Signed on a tablet")
    SHEET = "sheet", _("Printed sign-in sheet (scanned)")


#: The feedback form's scores (1–5), in the order printed.
SCORE_FIELDS = ("score_content", "score_trainer", "score_materials", "score_organisation")


def _score(label: Any) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


@condition(_("Nobody has signed in yet."))
def training_has_attendance(session: TrainingSession) -> bool:
    return session.attendees.filter(signed_in_at__isnull=False).exists()


@condition(_("No feedback form has been recorded yet."))
def training_has_feedback(session: TrainingSession) -> bool:
    return session.feedback.exists()


@condition(_("Write the plan and the timetable first."), field="plan")
def training_has_plan(session: TrainingSession) -> bool:
    return bool(session.plan.strip() and session.timetable.strip())


def may_run_training(session: TrainingSession, user: Any) -> bool:
    """The trainer runs the session; the managers who plan trainings may act for them."""
    if user.has_perm("fieldservice.plan_training"):
        return True
    if not user.has_perm("fieldservice.work_dispatch"):
        return False
    return session.trainer_id is not None and session.trainer.user_id == user.pk


class TrainingSession(ConcurrentTransitionMixin, models.Model):
    """培训: one training of a customer's people by one trainer over one or more days."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings",
    )
    title = models.CharField(_("training subject"), max_length=200)
    trainer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("trainer"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    location = models.CharField(_("place"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    expected_attendees = models.PositiveSmallIntegerField(_("expected attendees"), default=10)
    plan = models.TextField(_("plan (goals and content)"))
    timetable = models.TextField(
        _("timetable"), help_text=_("One line per slot, e.g. “12-10 09:00–10:30 系统概述”.")
    )
    state = FSMField(
        _("state"), default=TrainingState.PLANNED, choices=TrainingState.choices, protected=True
    )
    planned_by = models.ForeignKey(
        User, verbose_name=_("planned by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("planned"), default=timezone.now)
    plan_sent_at = models.DateTimeField(_("plan sent"), null=True, blank=True)
    plan_sent_to = models.CharField(_("plan sent to"), max_length=200, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    summary = models.TextField(_("how the training went"), blank=True)
    suggestions = models.TextField(_("suggestions and the customer's situation"), blank=True)
    archived_at = models.DateTimeField(_("filed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-starts_on", "-id"]
        permissions = [("plan_training", _("Can plan trainings and file their reports"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="training_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:training", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        """A trainer sees their trainings (docs/domain.md §visibility.field)."""
        from . import engineer_of

        if user.has_perm("fieldservice.view_all_dispatches"):
            return None
        engineer = engineer_of(user)
        if engineer is None:
            return Q(pk__in=[])
        if engineer.partner_id:
            return Q(trainer__partner_id=engineer.partner_id)
        return Q(trainer_id=engineer.pk)

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=TrainingState.PLANNED,
        target=TrainingState.PLAN_SENT,
        conditions=[training_has_plan],
        permission="fieldservice.plan_training",
    )
    def send_plan(self, at: Any, sent_to: str) -> None:
        self.plan_sent_at = at
        self.plan_sent_to = sent_to

    @transition(
        field=state,
        source=TrainingState.PLAN_SENT,
        target=TrainingState.HELD,
        conditions=[training_has_attendance],
        permission=may_run_training,
    )
    def hold(self, at: Any) -> None:
        self.held_at = at

    @transition(
        field=state,
        source=TrainingState.HELD,
        target=TrainingState.COMPLETED,
        conditions=[training_has_feedback],
        permission=may_run_training,
    )
    def complete(self, at: Any, summary: str, suggestions: str) -> None:
        self.completed_at = at
        self.summary = summary
        self.suggestions = suggestions

    @transition(
        field=state,
        source=TrainingState.COMPLETED,
        target=TrainingState.ARCHIVED,
        permission="fieldservice.plan_training",
    )
    def archive(self, at: Any) -> None:
        self.archived_at = at

    @transition(
        field=state,
        source=[TrainingState.PLANNED, TrainingState.PLAN_SENT],
        target=TrainingState.CANCELLED,
        permission="fieldservice.plan_training",
    )
    def cancel(self, at: Any, reason: str) -> None:
        self.cancelled_at = at
        self.cancel_reason = reason


class TrainingAttendee(models.Model):
    """One of the customer's people on the list; signed in on a tablet or on the printed
    sheet (scanned); a certificate once the training is completed."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="attendees",
    )
    name = models.CharField(_("name"), max_length=60)
    department = models.CharField(_("department"), max_length=100, blank=True)
    position = models.CharField(_("position"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True)
    sign_in_method = models.CharField(
        _("signed in by"), max_length=10, choices=SignInMethod.choices, blank=True
    )
    signature = models.ForeignKey(
        "core.Signature",
        verbose_name=_("signature"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    certificate_number = models.CharField(_("certificate number"), max_length=30, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="training_attendee_once"),
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~Q(certificate_number=""),
                name="training_certificate_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.session.get_absolute_url()

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = TrainingSession.scope_for_user(user)
        if scope is None:
            return None
        return Q(session__in=TrainingSession.objects.filter(scope).values("pk"))


class TrainingFeedback(models.Model):
    """培训反馈表: one attendee's scores (1–5) and comments."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    attendee = models.ForeignKey(
        TrainingAttendee,
        verbose_name=_("attendee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    score_content = _score(_("content"))
    score_trainer = _score(_("trainer"))
    score_materials = _score(_("materials"))
    score_organisation = _score(_("organisation"))
    comments = models.TextField(_("comments and wishes"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training feedback")
        verbose_name_plural = _("training feedback")
        ordering = ["session", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score_content__gte=1, score_content__lte=5)
                & Q(score_trainer__gte=1, score_trainer__lte=5)
                & Q(score_materials__gte=1, score_materials__lte=5)
                & Q(score_organisation__gte=1, score_organisation__lte=5),
                name="training_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session.number}: {self.average:.1f}"

    @property
    def average(self) -> float:
        return sum(getattr(self, f) for f in SCORE_FIELDS) / len(SCORE_FIELDS)
