from __future__ import annotations

import operator
from decimal import Decimal
from functools import cache, reduce

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import CalendarBasis, Role, TimerState, TimeUnit
from ..people import display_name
from ..querysets import RestrictedManager, RestrictedQuerySet
from .calendar import WorkCalendar


class SlaPolicy(models.Model):
    """How long a target may take (docs/domain.md §deadlines), editable by managers in the admin."""

    subject = models.CharField(
        _("subject"), max_length=40, help_text=_("ticket, dispatch, defect, requirement, …")
    )
    target = models.CharField(_("target"), max_length=40)
    condition = models.CharField(
        _("condition"),
        max_length=100,
        blank=True,
        help_text=_(
            "Comma-separated field=value pairs the subject must match, e.g. severity=serious."
        ),
    )
    amount = models.DecimalField(
        _("amount"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    unit = models.CharField(_("unit"), max_length=30, choices=TimeUnit.choices)
    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the calendar basis decides."),
    )
    calendar_basis = models.CharField(
        _("calendar basis"),
        max_length=20,
        choices=CalendarBasis.choices,
        default=CalendarBasis.SERVICE_LEVEL,
        # Rows seeded by other apps' migrations that do not know this field get it too.
        db_default=CalendarBasis.SERVICE_LEVEL,
        help_text=_(
            "Internal steps run on the office calendar whatever the contract; promises to "
            "the customer on the calendar of the contract's service level (else the office "
            "calendar). A calendar chosen above overrides both."
        ),
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warning at (percent of the time)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    notify = models.JSONField(
        _("notify"),
        default=list,
        blank=True,
        help_text=_(
            'Who is told of warnings and breaches: "assignee", "assignee_manager" or role names.'
        ),
    )
    description = models.CharField(_("rule"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["subject", "target", "condition"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "target", "condition"], name="one_policy_per_condition"
            )
        ]

    def __str__(self) -> str:
        from ..choices import timer_target_label
        from ..selectors import sla_condition_label, sla_subject_label

        cond = sla_condition_label(self.subject, self.condition)
        cond = f"（{cond}）" if cond else ""
        amount = format(self.amount.normalize(), "f")
        return (
            f"{sla_subject_label(self.subject)}·{timer_target_label(self.target)}{cond}："
            f"{amount} {self.get_unit_display()}"
        )

    def condition_items(self) -> dict[str, str]:
        items = {}
        for part in filter(None, (p.strip() for p in self.condition.split(","))):
            key, _sep, value = part.partition("=")
            items[key.strip()] = value.strip()
        return items


@cache
def timer_subject_models() -> tuple[type[models.Model], ...]:
    """Models whose records carry deadlines (they name an ``sla_subject`` or give an
    ``sla_context``) and are scoped by ``restrict(user)``."""
    from django.apps import apps

    return tuple(
        model
        for model in apps.get_models()
        if (hasattr(model, "sla_subject") or hasattr(model, "sla_context"))
        and hasattr(model._default_manager, "restrict")
    )


def subject_customer_field(model: type[models.Model]) -> str | None:
    """The column holding the customer of a record of ``model`` (``customer_id``), or
    None when its records name no customer (duty shifts)."""
    try:
        field = model._meta.get_field("customer")
    except FieldDoesNotExist:
        return None
    if not isinstance(field, models.ForeignKey) or not field.many_to_one:
        return None
    return str(field.attname)


def subject_customer_id(subject: models.Model) -> int | None:
    """The customer of ``subject`` (copied onto its timers), or None."""
    column = subject_customer_field(type(subject))
    return getattr(subject, column) if column else None


class SlaTimerQuerySet(RestrictedQuerySet):
    def running(self) -> SlaTimerQuerySet:
        return self.filter(state=TimerState.RUNNING)

    def open(self) -> SlaTimerQuerySet:
        return self.filter(state__in=[TimerState.RUNNING, TimerState.PAUSED])

    def due_for_check(self, now) -> SlaTimerQuerySet:
        return self.filter(state=TimerState.RUNNING, next_check_at__lte=now)

    def for_subject(self, obj: models.Model) -> SlaTimerQuerySet:
        return self.filter(subject_type=ContentType.objects.get_for_model(obj), subject_id=obj.pk)


class SlaTimer(models.Model):
    """One running deadline of one object. The database is the only source of due times.

    ``next_check_at`` is the warning instant until the warning is given, then the due
    instant: the sweeper's query is one scan of a partial index on running timers.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    target = models.CharField(_("target"), max_length=40)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, null=True, blank=True
    )
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=30, choices=TimeUnit.choices)
    warn_percent = models.PositiveSmallIntegerField(default=80)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sla_timers",
    )
    owner_role = models.CharField(
        _("responsible role"),
        max_length=40,
        blank=True,
        default="",
        db_default="",  # rows written by raw SQL (bulk loads) need no value
        help_text=_("The role that must act while no one person is responsible."),
    )
    notify = models.JSONField(default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=TimerState.choices, default=TimerState.RUNNING
    )
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due"))
    warn_at = models.DateTimeField(_("warning at"))
    next_check_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(
        _("paused time (s)"), default=0, help_text=_("Working time excluded by pauses.")
    )
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    met_at = models.DateTimeField(_("met"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The customer of the record, copied when the timer starts and kept in step when the
    # record's customer changes (apps.py): the charts count deadlines by customer from
    # this table alone (docs/architecture.md §dashboards). A plain number, not a foreign
    # key: the kernel names no app's model.
    subject_customer_id = models.PositiveBigIntegerField(
        _("customer of the record"), null=True, blank=True, editable=False
    )

    objects = SlaTimerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                condition=Q(state="running"),
                name="sla_timer_sweep",
            ),
            models.Index(fields=["subject_type", "subject_id"], name="sla_timer_subject"),
            models.Index(fields=["state", "due_at"], name="sla_timer_state_due"),
            # The charts count the deadlines started in a period by state and by kind,
            # person or customer (docs/architecture.md §dashboards): the columns they group
            # by ride along in the index.
            models.Index(
                fields=["started_at"],
                include=["state", "target", "assignee", "subject_customer_id"],
                name="sla_timer_started_cover",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "target"],
                condition=Q(state__in=["running", "paused"]),
                name="one_open_timer_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target} → {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_breached(self) -> bool:
        return self.breached_at is not None

    @property
    def responsible(self) -> str:
        """Who must act, in words: the person, else the role (e.g. "Tester")."""
        if self.assignee_id:
            return display_name(self.assignee)
        if self.owner_role in Role.values:
            return str(Role(self.owner_role).label)
        return self.owner_role

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        """A deadline is shown to whoever may open its record (docs/domain.md §visibility):
        timers of records outside the user's scope (another partner's dispatch, a ticket behind no
        dispatch of a field engineer's), or of a kind of record the user may not read, are
        hidden, with the customer names and titles they would show."""
        known: list[int] = []
        visible: list[Q] = []
        narrowed = False
        for model in timer_subject_models():
            ct = ContentType.objects.get_for_model(model)
            known.append(ct.pk)
            opts = model._meta
            if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
                narrowed = True
                continue
            scope = getattr(model, "scope_for_user", None)
            rows = scope(user) if scope is not None else None
            if rows is None:
                visible.append(Q(subject_type_id=ct.pk))
                continue
            narrowed = True
            subjects = model._default_manager.filter(rows).values("pk")
            visible.append(Q(subject_type_id=ct.pk, subject_id__in=subjects))
        if not narrowed:
            return None
        return reduce(operator.or_, visible, ~Q(subject_type_id__in=known))


class Escalation(models.Model):
    """A warning or breach of a timer, recorded once (the constraint makes it so)."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")

    timer = models.ForeignKey(SlaTimer, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    recipients = models.JSONField(_("notified"), default=list, blank=True)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["timer", "kind"], name="one_escalation_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.timer}"
