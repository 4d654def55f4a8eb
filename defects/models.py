"""Defects (bugs with severity deadlines) and new-requirement requests with their
evaluation and the signed solution confirmation (docs/domain.md §defect,
§requirement)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from contracts.choices import EntitlementResult
from servicedesk.core.conditions import condition, words_list
from servicedesk.core.querysets import RestrictedQuerySet

from .choices import DefectState, Outcome, RejectReason, RequirementState, Severity

User = settings.AUTH_USER_MODEL

OPEN_DEFECT_STATES = [
    DefectState.RECORDED,
    DefectState.REPORTED,
    DefectState.VERIFIED,
    DefectState.IN_FIX,
    DefectState.FIXED,
    DefectState.CONFIRMED,
    DefectState.REOPENED,
]
SOLUTION_FORM = "solution_confirmation"
SOLUTION_SIGNERS = ("sales_manager", "director")


def _partner_of(user: Any) -> int | None:
    """The partner company (乙方) of a partner engineer, who sees only that partner's
    work (docs/domain.md §partners.scope); ``None`` for our own staff. Field service owns
    engineers and partners, so it answers."""
    from fieldservice.selectors import partner_scope_of

    return partner_scope_of(user)


class DefectQuerySet(RestrictedQuerySet):
    def open(self) -> DefectQuerySet:
        return self.filter(state__in=OPEN_DEFECT_STATES)


class Defect(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=200)
    steps = models.TextField(_("steps to reproduce"))
    customer_sees = models.TextField(
        _("what the customer sees"), help_text=_("The error message or behaviour, as seen.")
    )
    # Environment (docs/domain.md §defect.record: "详尽细致记录 … 协助测试人员进行问题重现")
    product = models.CharField(_("product"), max_length=100)
    version = models.CharField(_("version"), max_length=60)
    module = models.CharField(_("module"), max_length=100)
    site = models.CharField(_("customer site"), max_length=200)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
    )
    dispatch = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
        help_text=_("The on-site visit that escalated it to headquarters."),
    )
    reported_at = models.DateTimeField(
        _("reported"), help_text=_("When the problem was reported; the deadlines count from it.")
    )
    state = FSMField(
        _("state"), default=DefectState.RECORDED, choices=DefectState.choices, protected=True
    )
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        User,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="assigned_defects",
        help_text=_("Who follows it to the end for the customer."),
    )
    followers = models.ManyToManyField(
        User, verbose_name=_("followers"), blank=True, related_name="followed_defects"
    )
    # Emergency workaround (docs/domain.md §defect.workaround: "记录相关紧急解决方式")
    workaround = models.TextField(_("emergency workaround"), blank=True)
    knowledge_article = models.ForeignKey(
        "tickets.KnowledgeArticle",
        verbose_name=_("knowledge-base article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    tracker_key = models.CharField(_("external tracker key"), max_length=60, blank=True)
    tracker_url = models.URLField(_("external tracker URL"), max_length=500, blank=True)
    # Course
    report_note = models.TextField(_("report"), blank=True)
    reported_to_hq_at = models.DateTimeField(_("reported to headquarters"), null=True, blank=True)
    verify_note = models.TextField(_("verification"), blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    developer = models.ForeignKey(
        User,
        verbose_name=_("developer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fixing_defects",
    )
    fix_note = models.TextField(_("fix"), blank=True)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    fixed_version = models.CharField(_("fixed in version"), max_length=60, blank=True)
    confirm_note = models.TextField(_("customer's confirmation"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    reopen_reason = models.TextField(_("why reopened"), blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reject_reason = models.CharField(
        _("rejected as"), max_length=12, choices=RejectReason.choices, blank=True
    )
    reject_note = models.TextField(_("why rejected"), blank=True)
    escalation_point = models.TextField(_("point of disagreement"), blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DefectQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["followers"])

    class Meta:
        verbose_name = _("defect")
        verbose_name_plural = _("defects")
        ordering = ["-reported_at", "-id"]
        permissions = [
            ("work_defect", _("Can report, follow, confirm and close defects")),
            ("verify_defect", _("Can verify defects (tester)")),
            ("fix_defect", _("Can fix defects (developer)")),
            ("reject_defect", _("Can reject defects")),
            ("change_severity", _("Can change a defect's severity")),
            ("follow_defect", _("Can follow defects")),
        ]
        indexes = [
            models.Index(fields=["state", "-reported_at", "-id"], name="defect_state_reported"),
            models.Index(fields=["-reported_at", "-id"], name="defect_reported_desc"),
            models.Index(fields=["severity", "state"]),
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["product", "state"]),
            models.Index(fields=["assignee", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reject_reason=""),
                name="defect_rejected_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("defects:defect", args=[self.pk])

    def sla_context(self) -> dict[str, str]:
        level = self.contract.service_level if self.contract_id else ""
        return {"severity": self.severity, "service_level": level}

    #: States in which the defect may wait for the customer (its promises paused).
    customer_wait_states = frozenset(OPEN_DEFECT_STATES)

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        """Partner engineers: defects from their partner's visits, or their own."""
        partner = _partner_of(user)
        if partner is None:
            return None
        return (
            Q(dispatch__engineer__partner_id=partner)
            | Q(recorded_by_id=user.pk)
            | Q(assignee_id=user.pk)
        )

    def sla_followers(self) -> list[Any]:
        """Staff reminded of this defect's deadlines (docs/domain.md §defect.reminders)."""
        return list(self.followers.filter(is_active=True))

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_DEFECT_STATES

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=DefectState.RECORDED,
        target=DefectState.REPORTED,
        permission="defects.work_defect",
    )
    def report(self, note: str, at: dt.datetime) -> None:
        self.report_note = note
        self.reported_to_hq_at = at

    @transition(
        field=state,
        source=DefectState.REPORTED,
        target=DefectState.VERIFIED,
        permission="defects.verify_defect",
    )
    def verify(self, note: str, at: dt.datetime, by: Any) -> None:
        self.verify_note = note
        self.verified_at = at
        self.verified_by = by

    @transition(
        field=state,
        source=[DefectState.VERIFIED, DefectState.REOPENED],
        target=DefectState.IN_FIX,
        permission="defects.fix_defect",
    )
    def start_fix(self, developer: Any) -> None:
        self.developer = developer

    @transition(
        field=state,
        source=DefectState.IN_FIX,
        target=DefectState.FIXED,
        permission="defects.fix_defect",
    )
    def fix(self, note: str, version: str, at: dt.datetime) -> None:
        self.fix_note = note
        self.fixed_version = version
        self.fixed_at = at

    @transition(
        field=state,
        source=DefectState.FIXED,
        target=DefectState.CONFIRMED,
        permission="defects.work_defect",
    )
    def confirm(self, note: str, at: dt.datetime) -> None:
        self.confirm_note = note
        self.confirmed_at = at

    @transition(
        field=state,
        source=[DefectState.FIXED, DefectState.CONFIRMED],
        target=DefectState.REOPENED,
        permission="defects.work_defect",
    )
    def reopen(self, reason: str, at: dt.datetime) -> None:
        self.reopen_reason = reason
        self.reopened_at = at

    @transition(
        field=state,
        source=DefectState.CONFIRMED,
        target=DefectState.CLOSED,
        permission="defects.work_defect",
    )
    def close(self, at: dt.datetime) -> None:
        self.closed_at = at

    @transition(
        field=state,
        source=[DefectState.RECORDED, DefectState.REPORTED, DefectState.VERIFIED],
        target=DefectState.REJECTED,
        permission="defects.reject_defect",
    )
    def reject(self, reason: str, note: str, at: dt.datetime) -> None:
        self.reject_reason = reason
        self.reject_note = note
        self.closed_at = at

    @transition(
        field=state,
        source=OPEN_DEFECT_STATES,
        target=RETURN_VALUE(*OPEN_DEFECT_STATES),
        permission="defects.work_defect",
    )
    def escalate(self, point: str, at: dt.datetime) -> str:
        """People disagree: the region lead coordinates (docs/domain.md §defect.escalate)."""
        self.escalation_point = point
        self.escalated_at = at
        return self.state

    @transition(
        field=state,
        source=OPEN_DEFECT_STATES,
        target=RETURN_VALUE(*OPEN_DEFECT_STATES),
        permission="defects.change_severity",
    )
    def change_severity(self, severity: str) -> str:
        self.severity = severity
        return self.state


# -- requirement requests ---------------------------------------------------------------


SOLUTION_SIGNER_LABELS = {"sales_manager": _("Sales manager"), "director": _("Director")}


def missing_signers_text(requirement: Requirement) -> str:
    from django.utils.translation import gettext

    who = words_list(SOLUTION_SIGNER_LABELS[m] for m in requirement.missing_signers())
    return gettext("The solution confirmation still needs the signature of: %(who)s.") % {
        "who": who
    }


@condition(_("Write the agreed solution first."), field="solution")
def solution_written(requirement: Requirement) -> bool:
    return bool((requirement.solution or "").strip())


@condition(missing_signers_text)
def solution_signed(requirement: Requirement) -> bool:
    """The solution confirmation (方案确定书) carries the sales manager's and the
    director's signatures, drawn or uploaded as a signed scan (docs/domain.md §requirement.solution:
    "由销售经理签字和周喜进或金忠权签字后生效")."""
    return not requirement.missing_signers()


OPEN_REQUIREMENT_STATES = [
    RequirementState.RECORDED,
    RequirementState.EVALUATING,
    RequirementState.ACCEPTED,
    RequirementState.QUOTED,
    RequirementState.SOLUTION_CONFIRMED,
    RequirementState.SCHEDULED,
    RequirementState.IN_DEVELOPMENT,
    RequirementState.DELIVERED,
]


def may_escalate_requirement(requirement: Requirement, user: Any) -> bool:
    """Whoever takes part in a request may call in the region lead: who records it and
    works with the customer, who evaluates it, who negotiates it (docs/domain.md
    §requirement.escalate)."""
    return any(
        user.has_perm(perm)
        for perm in (
            "defects.work_requirement",
            "defects.evaluate_requirement",
            "defects.negotiate_requirement",
        )
    )


class RequirementQuerySet(RestrictedQuerySet):
    def open(self) -> RequirementQuerySet:
        return self.exclude(
            state__in=[
                RequirementState.DECLINED,
                RequirementState.WORKAROUND,
                RequirementState.CUSTOMER_ACCEPTED,
            ]
        )


class Requirement(ConcurrentTransitionMixin, models.Model):
    """A new-requirement request (新增需求)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), help_text=_("Clear, precise and detailed; nothing ambiguous.")
    )
    intent = models.TextField(
        _("the customer's real intent and purpose"),
        help_text=_("What it is for in the customer's daily work."),
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("implementation project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requirements",
        help_text=_("Raised during this implementation project."),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requirements",
    )
    product = models.CharField(_("product"), max_length=100)
    module = models.CharField(_("module"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("recorded"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(
        _("state"),
        default=RequirementState.RECORDED,
        choices=RequirementState.choices,
        protected=True,
    )
    tracker_key = models.CharField(_("external tracker key"), max_length=60, blank=True)
    tracker_url = models.URLField(_("external tracker URL"), max_length=500, blank=True)
    # Entitlement at recording (contracts.entitlement), the evaluators' starting point.
    entitlement = models.CharField(
        _("entitlement"), max_length=15, choices=EntitlementResult.choices, blank=True
    )
    entitlement_reason = models.CharField(_("entitlement reason"), max_length=300, blank=True)
    # Evaluation (docs/domain.md §requirement.evaluation)
    in_scope = models.BooleanField(_("within the contract's scope"), null=True, blank=True)
    urgent = models.BooleanField(_("urgent"), null=True, blank=True)
    affects_operation = models.BooleanField(_("affects normal operation"), null=True, blank=True)
    effort_days = models.DecimalField(
        _("effort (person-days)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    evaluators = models.ManyToManyField(
        User, verbose_name=_("evaluated by"), blank=True, related_name="evaluated_requirements"
    )
    evaluation_note = models.TextField(_("evaluation"), blank=True)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=12, choices=Outcome.choices, blank=True)
    # Quote: effort × the contract's person-day rate, negotiated by the sales manager.
    person_day_rate = models.DecimalField(
        _("person-day rate (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    quote_amount = models.DecimalField(
        _("quoted price (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    agreed_amount = models.DecimalField(
        _("agreed price (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    negotiation_note = models.TextField(_("negotiation"), blank=True)
    # Workaround: the customer is trained on it (docs/domain.md §requirement.outcomes).
    workaround = models.TextField(_("workaround"), blank=True)
    trained_people = models.CharField(_("customer staff trained"), max_length=200, blank=True)
    trained_by = models.ForeignKey(
        User,
        verbose_name=_("trained by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    trained_at = models.DateTimeField(_("trained"), null=True, blank=True)
    decline_explanation = models.TextField(_("explanation given to the customer"), blank=True)
    # Solution and delivery
    solution = models.TextField(_("agreed solution"), blank=True)
    solution_confirmed_at = models.DateTimeField(_("solution confirmed"), null=True, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_delivery = models.DateField(_("planned delivery"), null=True, blank=True)
    developer = models.ForeignKey(
        User,
        verbose_name=_("developer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="developing_requirements",
    )
    delivery_note = models.TextField(_("delivery"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    acceptance_note = models.TextField(_("customer's acceptance"), blank=True)
    customer_accepted_at = models.DateTimeField(
        _("accepted by the customer"), null=True, blank=True
    )
    escalation_point = models.TextField(_("point of disagreement"), blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RequirementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["evaluators"])

    class Meta:
        verbose_name = _("requirement request")
        verbose_name_plural = _("requirement requests")
        ordering = ["-recorded_at", "-id"]
        permissions = [
            ("evaluate_requirement", _("Can evaluate requirement requests")),
            ("negotiate_requirement", _("Can negotiate charged requirements (sales)")),
            ("confirm_solution", _("Can confirm requirement solutions")),
            ("develop_requirement", _("Can schedule and deliver requirements")),
            ("work_requirement", _("Can record the customer's acceptance")),
        ]
        indexes = [
            models.Index(fields=["state", "-recorded_at"], name="req_state_recorded"),
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["evaluated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("defects:requirement", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        """Partner engineers: only the requests they recorded."""
        partner = _partner_of(user)
        return None if partner is None else Q(recorded_by_id=user.pk)

    def sla_context(self) -> dict[str, str]:
        level = self.contract.service_level if self.contract_id else ""
        return {"service_level": level}

    def missing_signers(self) -> list[str]:
        """Which of the sales manager and the director have not signed the solution yet."""
        from servicedesk.core.models import Signature

        cached = getattr(self, "solution_signer_roles", None)
        if cached is not None:  # attached for a whole page by the selectors
            return [r for r in SOLUTION_SIGNERS if r not in cached]
        roles = {
            r.strip().lower()
            for r in Signature.objects.filter(
                target_type=ContentType.objects.get_for_model(self),
                target_id=self.pk,
                form=SOLUTION_FORM,
            ).values_list("signer_role", flat=True)
        }
        return [r for r in SOLUTION_SIGNERS if r not in roles]

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=RequirementState.RECORDED,
        target=RequirementState.EVALUATING,
        permission="defects.evaluate_requirement",
    )
    def start_evaluation(self) -> None:
        pass

    @transition(
        field=state,
        source=RequirementState.EVALUATING,
        target=RequirementState.ACCEPTED,
        permission="defects.evaluate_requirement",
    )
    def accept(self, at: dt.datetime) -> None:
        self.outcome = Outcome.ACCEPTED
        self.evaluated_at = at

    @transition(
        field=state,
        source=RequirementState.EVALUATING,
        target=RequirementState.QUOTED,
        permission="defects.evaluate_requirement",
    )
    def quote(self, rate: Decimal, amount: Decimal, at: dt.datetime) -> None:
        self.outcome = Outcome.QUOTED
        self.person_day_rate = rate
        self.quote_amount = amount
        self.evaluated_at = at

    @transition(
        field=state,
        source=RequirementState.EVALUATING,
        target=RequirementState.WORKAROUND,
        permission="defects.evaluate_requirement",
    )
    def offer_workaround(
        self,
        workaround: str,
        trained_people: str,
        trained_by: Any,
        trained_at: dt.datetime,
        at: dt.datetime,
    ) -> None:
        self.outcome = Outcome.WORKAROUND
        self.workaround = workaround
        self.trained_people = trained_people
        self.trained_by = trained_by
        self.trained_at = trained_at
        self.evaluated_at = at

    @transition(
        field=state,
        source=RequirementState.EVALUATING,
        target=RequirementState.DECLINED,
        permission="defects.evaluate_requirement",
    )
    def decline(self, explanation: str, at: dt.datetime) -> None:
        self.outcome = Outcome.DECLINED
        self.decline_explanation = explanation
        self.evaluated_at = at

    @transition(
        field=state,
        source=RequirementState.QUOTED,
        target=RequirementState.ACCEPTED,
        permission="defects.negotiate_requirement",
    )
    def agree(self, amount: Decimal, note: str) -> None:
        self.agreed_amount = amount
        self.negotiation_note = note

    @transition(
        field=state,
        source=RequirementState.QUOTED,
        target=RequirementState.DECLINED,
        permission="defects.negotiate_requirement",
    )
    def refuse_quote(self, explanation: str) -> None:
        self.decline_explanation = explanation

    @transition(
        field=state,
        source=RequirementState.ACCEPTED,
        target=RequirementState.SOLUTION_CONFIRMED,
        conditions=[solution_written, solution_signed],
        permission="defects.confirm_solution",
    )
    def confirm_solution(self, at: dt.datetime) -> None:
        self.solution_confirmed_at = at

    @transition(
        field=state,
        source=RequirementState.SOLUTION_CONFIRMED,
        target=RequirementState.SCHEDULED,
        conditions=[solution_signed],
        permission="defects.develop_requirement",
    )
    def schedule(self, planned_start: dt.date, planned_delivery: dt.date, developer: Any) -> None:
        self.planned_start = planned_start
        self.planned_delivery = planned_delivery
        self.developer = developer

    @transition(
        field=state,
        source=RequirementState.SCHEDULED,
        target=RequirementState.IN_DEVELOPMENT,
        permission="defects.develop_requirement",
    )
    def start_development(self) -> None:
        pass

    @transition(
        field=state,
        source=RequirementState.IN_DEVELOPMENT,
        target=RequirementState.DELIVERED,
        permission="defects.develop_requirement",
    )
    def deliver(self, note: str, at: dt.datetime) -> None:
        self.delivery_note = note
        self.delivered_at = at

    @transition(
        field=state,
        source=RequirementState.DELIVERED,
        target=RequirementState.CUSTOMER_ACCEPTED,
        permission="defects.work_requirement",
    )
    def customer_accept(self, note: str, at: dt.datetime) -> None:
        self.acceptance_note = note
        self.customer_accepted_at = at

    @transition(
        field=state,
        source=OPEN_REQUIREMENT_STATES,
        target=RETURN_VALUE(*OPEN_REQUIREMENT_STATES),
        permission=may_escalate_requirement,
    )
    def escalate(self, point: str, at: dt.datetime) -> str:
        """People disagree (on scope, price, solution or delivery): the region lead
        coordinates, as for defects (docs/domain.md §requirement.escalate)."""
        self.escalation_point = point
        self.escalated_at = at
        return self.state


class EvaluationReport(models.Model):
    """The periodic evaluation report (评估报告): every request evaluated in a period with
    its decision, for sales, implementation and management (docs/domain.md §requirement.report)."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    created_by = models.ForeignKey(
        User,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: made by the monthly schedule."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="evaluation_report_period",
            ),
            models.UniqueConstraint(
                fields=["period_start", "period_end"], name="one_evaluation_report_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("defects:report", args=[self.pk])
