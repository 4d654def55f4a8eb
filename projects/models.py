"""Implementation projects (实施项目): application, allocation, plan revisions signed by the
customer, stages with deliverables, daily implementation logs, kickoff, pause / resume /
terminate, acceptance evaluation and report, incidents on site, data-import tasks
(docs/domain.md §project)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy as pgettext
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.conditions import condition
from servicedesk.core.exceptions import raise_field_errors
from servicedesk.core.querysets import RestrictedManager, RestrictedQuerySet

from .choices import (
    ACTIVE_STATES,
    TERMINAL_FAILURES,
    DocumentKind,
    EvaluationOutcome,
    ImportState,
    IncidentState,
    LogState,
    PauseCategory,
    ProjectSource,
    ProjectState,
    StageState,
    TerminateCategory,
)

User = settings.AUTH_USER_MODEL

#: a reason for pausing or terminating must say something (docs/domain.md §project.reasons)
MIN_REASON_LENGTH = 10
#: hours of a person-day (docs/domain.md §project.logs)
HOURS_PER_DAY = Decimal(8)

PLAN_FORM = "implementation_plan"
READINESS_FORM = "readiness_confirmation"
STAGE_FORM = "stage_signoff"
LOG_FORM = "daily_log"
ACCEPTANCE_FORM = "acceptance_report"
HANDOVER_FORM = "handover_book"


def _customer_signed(obj: models.Model, form: str) -> bool:
    from servicedesk.core.selectors import signatures_for

    return signatures_for(obj, form).filter(signer_role="customer").exists()


def _roles_signed(obj: models.Model, form: str, roles: set[str]) -> bool:
    from servicedesk.core.selectors import signatures_for

    signed = set(signatures_for(obj, form).values_list("signer_role", flat=True))
    return roles <= signed


# -- who may do what on one project ------------------------------------------------------------


def is_manager(user: Any) -> bool:
    return user.has_perm("projects.manage_project")


def is_pm_of(project: Project, user: Any) -> bool:
    return project.project_manager_id == user.pk and user.has_perm("projects.run_project")


def is_member(project: Project, user: Any) -> bool:
    """The project's PM, its consultants and the implementation managers."""
    if is_manager(user) or project.project_manager_id == user.pk:
        return True
    prefetched = getattr(project, "_prefetched_objects_cache", {}).get("consultants")
    if prefetched is not None:  # the project page asks for every action: no query each
        return any(c.pk == user.pk for c in prefetched)
    return project.consultants.filter(pk=user.pk).exists()


def pm_or_manager(project: Project, user: Any) -> bool:
    return is_manager(user) or is_pm_of(project, user)


def team_member(project: Project, user: Any) -> bool:
    return user.has_perm("projects.work_project") and is_member(project, user)


# -- the guards of docs/domain.md §project.guards ----------------------------------------------


@condition(_("No plan revision has been signed by the customer yet (plan and scope)."))
def plan_signed(project: Project) -> bool:
    plan = project.plan_in_force
    return plan is not None and bool(plan.scope.strip())


@condition(_("The customer has not signed the readiness confirmation yet."))
def readiness_confirmed(project: Project) -> bool:
    return project.readiness_confirmed_at is not None


@condition(
    _("The kickoff meeting is not recorded (date, attendees and the customer's executives).")
)
def kickoff_recorded(project: Project) -> bool:
    return bool(
        project.kickoff_on
        and project.kickoff_attendees.strip()
        and project.kickoff_executives.strip()
    )


@condition(_("Not every stage is delivered and signed by the customer yet."))
def every_stage_signed(project: Project) -> bool:
    states = [s.state for s in project.stages.all()]
    return bool(states) and all(s == StageState.SIGNED for s in states)


@condition(_("The last acceptance evaluation did not find the stage work incomplete."))
def evaluation_incomplete(project: Project) -> bool:
    last = project.last_evaluation
    return last is not None and last.outcome == EvaluationOutcome.INCOMPLETE


@condition(_("The acceptance evaluation has not passed yet."))
def evaluation_passed(project: Project) -> bool:
    last = project.last_evaluation
    return last is not None and last.outcome == EvaluationOutcome.PASSED


@condition(_("The acceptance report is not signed by the customer and the sales manager yet."))
def acceptance_report_signed(project: Project) -> bool:
    return _roles_signed(project, ACCEPTANCE_FORM, {"customer", "sales_manager"})


@condition(
    _(
        "In acceptance review a project ends only when the evaluation failed for a pre-sales "
        "promise or a product gap."
    )
)
def may_terminate(project: Project) -> bool:
    if project.state != ProjectState.ACCEPTANCE_REVIEW:
        return True
    last = project.last_evaluation
    return last is not None and last.outcome in TERMINAL_FAILURES


@condition(_("Some project documents have not been reviewed by the project manager yet."))
def documents_reviewed(project: Project) -> bool:
    return not project.documents.filter(reviewed_at__isnull=True).exists()


class ProjectQuerySet(RestrictedQuerySet):
    def active(self) -> ProjectQuerySet:
        return self.filter(state__in=ACTIVE_STATES)


class Project(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=200)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    source = models.CharField(
        _("opened from"), max_length=20, choices=ProjectSource.choices, default=ProjectSource.MANUAL
    )
    first_visit_need = models.ForeignKey(
        "contracts.FirstVisitNeed",
        verbose_name=_("first-visit need"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    description = models.TextField(_("what is to be implemented"), blank=True)
    implementation_manager = models.ForeignKey(
        User,
        verbose_name=_("implementation manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_projects",
    )
    project_manager = models.ForeignKey(
        User,
        verbose_name=_("project manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_projects",
    )
    consultants = models.ManyToManyField(
        User, verbose_name=_("consultants"), blank=True, related_name="consulted_projects"
    )
    state = FSMField(
        _("state"), default=ProjectState.APPLIED, choices=ProjectState.choices, protected=True
    )
    readiness_confirmed_at = models.DateTimeField(_("readiness confirmed"), null=True, blank=True)
    kickoff_on = models.DateField(_("kickoff meeting on"), null=True, blank=True)
    kickoff_attendees = models.TextField(_("kickoff attendees"), blank=True)
    kickoff_executives = models.TextField(_("customer's executives at the kickoff"), blank=True)
    pause_category = models.CharField(
        _("pause reason"), max_length=30, choices=PauseCategory.choices, blank=True
    )
    pause_reason = models.TextField(_("why paused"), blank=True)
    pause_requested_by = models.ForeignKey(
        User,
        verbose_name=_("pause requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pause_approved_by = models.ForeignKey(
        User,
        verbose_name=_("pause approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    terminate_category = models.CharField(
        _("termination reason"), max_length=30, choices=TerminateCategory.choices, blank=True
    )
    terminate_reason = models.TextField(_("why terminated"), blank=True)
    terminate_approved_by = models.ForeignKey(
        User,
        verbose_name=_("termination approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acceptance_summary = models.TextField(_("acceptance report"), blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied"), default=timezone.now)
    #: stored progress figures, kept by projects.services.progress (docs/domain.md
    #: §project.progress): the planned end of the earliest unfinished stage, and the hours
    #: of the customer-confirmed logs — so lists sort and show them without reading stages
    #: and logs
    behind_since = models.DateField(
        _("earliest unfinished stage due"), null=True, blank=True, editable=False
    )
    hours_confirmed = models.DecimalField(
        _("confirmed hours"), max_digits=10, decimal_places=1, default=0, editable=False
    )

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("implementation project")
        verbose_name_plural = _("implementation projects")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("manage_project", _("Can allocate, review plans and terminate projects")),
            ("run_project", _("Can run projects as their project manager")),
            ("work_project", _("Can work on projects (logs, deliverables)")),
            ("view_all_projects", _("Can see every project")),
            ("reveal_credential", _("Can reveal hand-over credentials (members only)")),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            # the list's default order, most behind first (projects.selectors.slip_order)
            models.Index(
                models.Case(
                    models.When(state__in=ACTIVE_STATES, then=models.F("behind_since")),
                    default=None,
                    output_field=models.DateField(),
                ).asc(),  # PostgreSQL puts nulls last in ascending order: the query's order
                models.F("id").desc(),
                name="project_slip_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("projects:project", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        if user.has_perm("projects.view_all_projects"):
            return None
        mine = cls.consultants.through.objects.filter(user_id=user.pk).values("project_id")
        return Q(project_manager=user) | Q(pk__in=mine)

    # -- derived --------------------------------------------------------------------------

    @property
    def plan_in_force(self) -> PlanRevision | None:
        """The last revision the customer signed (docs/domain.md §project.plan)."""
        cached = getattr(self, "_plan_in_force", False)
        if cached is not False:
            return cached
        plan = (
            self.plan_revisions.filter(state=PlanRevision.State.SIGNED).order_by("-number").first()
        )
        self._plan_in_force = plan
        return plan

    @property
    def last_evaluation(self) -> AcceptanceEvaluation | None:
        return self.evaluations.order_by("-evaluated_at", "-pk").first()

    def confirmed_hours(self) -> Decimal:
        """Only customer-confirmed logs count (docs/domain.md §project.logs)."""
        return self.hours_confirmed or Decimal(0)

    def person_days(self) -> Decimal:
        return (self.confirmed_hours() / HOURS_PER_DAY).quantize(Decimal("0.1"))

    # -- transitions (pure: they change this instance only) -------------------------------

    @transition(
        field=state,
        source=ProjectState.APPLIED,
        target=ProjectState.ALLOCATED,
        permission=lambda p, u: is_manager(u),
    )
    def allocate(self, project_manager: Any, implementation_manager: Any = None) -> None:
        self.project_manager = project_manager
        if implementation_manager is not None:
            self.implementation_manager = implementation_manager

    @transition(
        field=state,
        source=ProjectState.ALLOCATED,
        target=ProjectState.PLANNING,
        permission=pm_or_manager,
    )
    def start_planning(self) -> None:
        pass

    @transition(
        field=state,
        source=ProjectState.PLANNING,
        target=ProjectState.READY,
        permission=pm_or_manager,
        conditions=[plan_signed, readiness_confirmed],
    )
    def confirm_ready(self) -> None:
        pass

    @transition(
        field=state,
        source=ProjectState.READY,
        target=ProjectState.IN_PROGRESS,
        permission=pm_or_manager,
        conditions=[kickoff_recorded],
    )
    def kick_off(self) -> None:
        pass

    @transition(
        field=state,
        source=ProjectState.IN_PROGRESS,
        target=ProjectState.PAUSED,
        permission=pm_or_manager,
    )
    def pause(self, category: str, reason: str, requested_by: Any, approved_by: Any) -> None:
        reason_check(category, reason, PauseCategory, "category", "reason")
        self.pause_category = category
        self.pause_reason = reason.strip()
        self.pause_requested_by = requested_by
        self.pause_approved_by = approved_by

    @transition(
        field=state,
        source=ProjectState.PAUSED,
        target=ProjectState.IN_PROGRESS,
        permission=pm_or_manager,
    )
    def resume(self) -> None:
        pass

    @transition(
        field=state,
        source=[ProjectState.PAUSED, ProjectState.ACCEPTANCE_REVIEW],
        target=ProjectState.TERMINATED,
        permission=lambda p, u: is_manager(u),
        conditions=[may_terminate],
    )
    def terminate(self, category: str, reason: str, approved_by: Any) -> None:
        reason_check(category, reason, TerminateCategory, "category", "reason")
        self.terminate_category = category
        self.terminate_reason = reason.strip()
        self.terminate_approved_by = approved_by

    @transition(
        field=state,
        source=ProjectState.IN_PROGRESS,
        target=ProjectState.ACCEPTANCE_REVIEW,
        permission=pm_or_manager,
        conditions=[every_stage_signed],
    )
    def request_acceptance(self) -> None:
        pass

    @transition(
        field=state,
        source=ProjectState.ACCEPTANCE_REVIEW,
        target=ProjectState.IN_PROGRESS,
        permission=pm_or_manager,
        conditions=[evaluation_incomplete],
    )
    def rework(self) -> None:
        pass

    @transition(
        field=state,
        source=ProjectState.ACCEPTANCE_REVIEW,
        target=ProjectState.ACCEPTED,
        permission=pm_or_manager,
        conditions=[evaluation_passed, acceptance_report_signed],
    )
    def accept(self, on: dt.date) -> None:
        self.accepted_on = on

    @transition(
        field=state,
        source=ProjectState.ACCEPTED,
        target=ProjectState.ARCHIVED,
        permission=pm_or_manager,
        conditions=[documents_reviewed],
    )
    def archive(self) -> None:
        self.archived_at = timezone.now()


def reason_check(
    category: str, reason: str, choices: type[models.TextChoices], cat_field: str, text_field: str
) -> None:
    """A sufficient reason: a category and words enough to understand it."""
    from django.utils.translation import gettext as _g

    errors: dict[str, list[str]] = {}
    if category not in choices.values:
        errors[cat_field] = [_g("Choose the kind of reason.")]
    if len((reason or "").strip()) < MIN_REASON_LENGTH:
        errors[text_field] = [
            _g("Explain the reason in at least %(n)s characters.") % {"n": MIN_REASON_LENGTH}
        ]
    raise_field_errors(errors)


# -- plan revisions -------------------------------------------------------------------------------


@condition(_("The implementation manager has not reviewed this revision yet."))
def revision_reviewed(revision: PlanRevision) -> bool:
    return revision.reviewed_at is not None


@condition(_("The customer has not signed this plan revision yet."))
def revision_customer_signed(revision: PlanRevision) -> bool:
    return _customer_signed(revision, PLAN_FORM)


class PlanRevision(ConcurrentTransitionMixin, models.Model):
    """One version of the implementation plan and schedule; it takes effect only when the
    customer signs it (docs/domain.md §project.plan)."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext("plan", "Draft")
        REVIEWED = "reviewed", pgettext("plan", "Reviewed")
        SIGNED = "signed", pgettext("plan", "Signed by the customer (in force once latest)")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="plan_revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    scope = models.TextField(_("scope"))
    summary = models.TextField(_("plan"), blank=True)
    change_note = models.TextField(_("what changed"), blank=True)
    #: the schedule: [{"name", "planned_start", "planned_end", "deliverables"}]
    stages = models.JSONField(_("stages"), default=list)
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed by the customer"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="one_plan_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.project.number} · {_('revision')} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("projects:plan", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = Project.scope_for_user(user)
        return None if scope is None else Q(project__in=Project.objects.filter(scope))

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.REVIEWED,
        permission=lambda r, u: is_manager(u),
    )
    def review(self, by: Any) -> None:
        self.reviewed_by = by
        self.reviewed_at = timezone.now()

    @transition(
        field=state,
        source=State.REVIEWED,
        target=State.SIGNED,
        conditions=[revision_reviewed, revision_customer_signed],
    )
    def sign(self) -> None:
        self.signed_at = timezone.now()


# -- stages ------------------------------------------------------------------------------------


@condition(_("The customer has not signed the stage off yet."))
def stage_customer_signed(stage: Stage) -> bool:
    return _customer_signed(stage, STAGE_FORM)


def stage_pm(stage: Stage, user: Any) -> bool:
    return pm_or_manager(stage.project, user)


def stage_team(stage: Stage, user: Any) -> bool:
    return team_member(stage.project, user) or pm_or_manager(stage.project, user)


def deliverable_path(instance: Stage, filename: str) -> str:
    return f"projects/{instance.project_id}/stages/{instance.pk}-{filename}"


class Stage(ConcurrentTransitionMixin, models.Model):
    """A stage of the plan in force with its deliverables (docs/domain.md §project.stages)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("stage"), max_length=120)
    deliverables = models.TextField(_("deliverables"), blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    state = FSMField(
        _("state"), default=StageState.PLANNED, choices=StageState.choices, protected=True
    )
    deliverable = models.FileField(_("deliverable"), upload_to=deliverable_path, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    review_note = models.TextField(_("PM review"), blank=True)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed by the customer"), null=True, blank=True)

    objects = RestrictedManager()
    # The file path is no words for a reader: the "deliverable submitted" event says it.
    history = HistoricalRecords(excluded_fields=["deliverable"])

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["project", "order"]
        constraints = [
            models.UniqueConstraint(fields=["project", "order"], name="one_stage_per_order"),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="stage_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:stage", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = Project.scope_for_user(user)
        return None if scope is None else Q(project__in=Project.objects.filter(scope))

    def slip_days(self, today: dt.date | None = None) -> int:
        """Days behind the planned end: the actual end's, or today's while still open."""
        today = today or timezone.localdate()
        end = self.actual_end or (today if self.state in OPEN_STAGE_STATES else None)
        if end is None:
            return 0
        return max(0, (end - self.planned_end).days)

    @transition(
        field=state, source=StageState.PLANNED, target=StageState.IN_PROGRESS, permission=stage_team
    )
    def start(self, on: dt.date) -> None:
        self.actual_start = on

    @transition(
        field=state,
        source=StageState.IN_PROGRESS,
        target=StageState.DELIVERED,
        permission=stage_team,
    )
    def deliver(self) -> None:
        self.delivered_at = timezone.now()

    @transition(
        field=state, source=StageState.DELIVERED, target=StageState.REVIEWED, permission=stage_pm
    )
    def review(self, by: Any, note: str = "") -> None:
        self.reviewed_by = by
        self.reviewed_at = timezone.now()
        self.review_note = note

    @transition(
        field=state,
        source=StageState.DELIVERED,
        target=StageState.IN_PROGRESS,
        permission=stage_pm,
    )
    def return_for_rework(self, note: str) -> None:
        self.review_note = note

    @transition(
        field=state,
        source=StageState.REVIEWED,
        target=StageState.SIGNED,
        conditions=[stage_customer_signed],
    )
    def sign(self, on: dt.date) -> None:
        self.signed_at = timezone.now()
        self.actual_end = on

    @transition(
        field=state,
        source=StageState.SIGNED,
        target=StageState.IN_PROGRESS,
        permission=stage_pm,
    )
    def reopen(self, note: str) -> None:
        """A failed acceptance evaluation sends incomplete work back (rework)."""
        self.review_note = note
        self.actual_end = None
        self.signed_at = None


OPEN_STAGE_STATES = {StageState.PLANNED, StageState.IN_PROGRESS, StageState.DELIVERED}


# -- daily logs ---------------------------------------------------------------------------------


@condition(_("The customer has not confirmed (signed) this log yet."))
def log_customer_signed(log: DailyLog) -> bool:
    return _customer_signed(log, LOG_FORM)


def log_author(log: DailyLog, user: Any) -> bool:
    return log.consultant_id == user.pk


class DailyLog(ConcurrentTransitionMixin, models.Model):
    """A consultant's daily implementation log (实施日志), confirmed by the customer; only
    confirmed logs count in progress and person-days (docs/domain.md §project.logs)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="logs"
    )
    consultant = models.ForeignKey(
        User, verbose_name=_("consultant"), on_delete=models.PROTECT, related_name="project_logs"
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logs",
    )
    day = models.DateField(_("day"))
    work_done = models.TextField(_("work done"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(24))],
    )
    issues = models.TextField(_("issues"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    state = FSMField(_("state"), default=LogState.DRAFT, choices=LogState.choices, protected=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("daily log")
        verbose_name_plural = _("daily logs")
        ordering = ["project", "-day", "consultant"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "consultant", "day"], name="one_log_per_consultant_day"
            )
        ]
        indexes = [models.Index(fields=["project", "state", "day"])]

    def __str__(self) -> str:
        return f"{self.project.number} · {self.day}"

    def get_absolute_url(self) -> str:
        return reverse("projects:log", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = Project.scope_for_user(user)
        return None if scope is None else Q(project__in=Project.objects.filter(scope))

    @transition(
        field=state, source=LogState.DRAFT, target=LogState.SUBMITTED, permission=log_author
    )
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=LogState.SUBMITTED,
        target=LogState.CONFIRMED,
        conditions=[log_customer_signed],
    )
    def confirm(self) -> None:
        self.confirmed_at = timezone.now()


# -- documents, evaluations, incidents, data import -----------------------------------------------


def document_path(instance: ProjectDocument, filename: str) -> str:
    return f"projects/{instance.project_id}/{instance.kind}-{filename}"


class ProjectDocument(models.Model):
    """A document filed to the project; archiving needs each reviewed by the PM."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path)
    contract_document = models.ForeignKey(
        "contracts.ContractDocument",
        verbose_name=_("contract document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        User,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["project", "uploaded_at"]

    def __str__(self) -> str:
        return self.title


class AcceptanceEvaluation(models.Model):
    """The acceptance evaluation (验收评估): items checked and the outcome."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="evaluations"
    )
    items = models.TextField(_("items checked and results"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=EvaluationOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    evaluated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField(_("evaluated"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("acceptance evaluation")
        verbose_name_plural = _("acceptance evaluations")
        ordering = ["project", "evaluated_at"]

    def __str__(self) -> str:
        return f"{self.project.number} · {self.get_outcome_display()}"


class Incident(ConcurrentTransitionMixin, models.Model):
    """An event on site beyond the PM's control, escalated at once to the implementation
    manager and the sales manager (docs/domain.md §project.incidents)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="incidents"
    )
    occurred_at = models.DateTimeField(_("occurred"), default=timezone.now)
    description = models.TextField(_("what happened"))
    impact = models.TextField(_("impact on the project"), blank=True)
    state = FSMField(
        _("state"), default=IncidentState.OPEN, choices=IncidentState.choices, protected=True
    )
    resolution = models.TextField(_("resolution"), blank=True)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["project", "-occurred_at"]

    def __str__(self) -> str:
        return self.description[:60]

    @transition(field=state, source=IncidentState.OPEN, target=IncidentState.CLOSED)
    def close(self, resolution: str) -> None:
        self.resolution = resolution
        self.closed_at = timezone.now()


class DataImportTask(ConcurrentTransitionMixin, models.Model):
    """Importing the customer's data (docs/domain.md §project.data-import): free when the
    contract says so, otherwise out-of-scope work routed to the sales manager."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="imports"
    )
    description = models.TextField(_("data to import"))
    free = models.BooleanField(_("free of charge"))
    charge_note = models.CharField(_("charge"), max_length=200, blank=True)
    state = FSMField(
        _("state"), default=ImportState.OPEN, choices=ImportState.choices, protected=True
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data-import task")
        verbose_name_plural = _("data-import tasks")
        ordering = ["project", "created_at"]

    def __str__(self) -> str:
        return self.description[:60]

    @transition(field=state, source=ImportState.OPEN, target=ImportState.DONE)
    def finish(self) -> None:
        self.done_at = timezone.now()


# -- hand-over book (docs/domain.md §project.handover) --------------------------------------------


class HandoverBook(models.Model):
    """The work hand-over book (工作交接书) of one project (or a customer without one)."""

    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="handover_books",
    )
    project = models.OneToOneField(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="handover_book",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hand-over book")
        verbose_name_plural = _("hand-over books")

    def __str__(self) -> str:
        return str(self.project or self.customer)

    def get_absolute_url(self) -> str:
        return reverse("projects:handover", args=[self.project_id])


def handover_giver(version: HandoverVersion, user: Any) -> bool:
    return version.giver_id == user.pk


def handover_receiver(version: HandoverVersion, user: Any) -> bool:
    return version.receiver_id == user.pk


def network_path(instance: HandoverVersion, filename: str) -> str:
    return f"projects/handover/{instance.book_id}/{filename}"


class HandoverVersion(ConcurrentTransitionMixin, models.Model):
    """One hand-over: each is a new version of the book, acknowledged by both people."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext("handover", "Written")
        GIVEN = "given", pgettext("handover", "Acknowledged by the giver")
        ACKNOWLEDGED = "acknowledged", pgettext("handover", "Acknowledged by both")

    book = models.ForeignKey(
        HandoverBook, verbose_name=_("book"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    giver = models.ForeignKey(
        User, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        User, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=200)
    customer_info = models.TextField(_("customer information"), blank=True)
    system_config = models.TextField(_("system configuration"), blank=True)
    implementation_records = models.TextField(_("implementation records"), blank=True)
    #: every open defect and requirement of the customer when written: number, title, deadline
    open_problems = models.JSONField(_("open problems"), default=list)
    network_diagram = models.FileField(_("network diagram"), upload_to=network_path, blank=True)
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    given_at = models.DateTimeField(_("acknowledged by the giver"), null=True, blank=True)
    received_at = models.DateTimeField(_("acknowledged by the receiver"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hand-over version")
        verbose_name_plural = _("hand-over versions")
        ordering = ["book", "number"]
        constraints = [
            models.UniqueConstraint(fields=["book", "number"], name="one_handover_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.book} · v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("projects:handover", args=[self.book.project_id])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = Project.scope_for_user(user)
        if scope is None:
            return None
        return Q(book__project__in=Project.objects.filter(scope)) | Q(giver=user) | Q(receiver=user)

    @transition(field=state, source=State.DRAFT, target=State.GIVEN, permission=handover_giver)
    def give(self) -> None:
        self.given_at = timezone.now()

    @transition(
        field=state, source=State.GIVEN, target=State.ACKNOWLEDGED, permission=handover_receiver
    )
    def receive(self) -> None:
        self.received_at = timezone.now()


class Credential(models.Model):
    """An account of the customer's systems (installation record); the secret is stored
    encrypted only (projects/crypto.py) and shown to project members after they re-enter
    their password, every reveal logged."""

    book = models.ForeignKey(
        HandoverBook, verbose_name=_("book"), on_delete=models.CASCADE, related_name="credentials"
    )
    system = models.CharField(_("system"), max_length=120)
    username = models.CharField(_("account"), max_length=120)
    secret_encrypted = models.TextField(_("secret (encrypted)"), editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["book", "system"]

    def __str__(self) -> str:
        return f"{self.system} · {self.username}"


class CredentialReveal(models.Model):
    """Who saw which credential, when, from where (never the secret itself)."""

    credential = models.ForeignKey(
        Credential, verbose_name=_("credential"), on_delete=models.CASCADE, related_name="reveals"
    )
    user = models.ForeignKey(
        User, verbose_name=_("seen by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("seen"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("credential reveal")
        verbose_name_plural = _("credential reveals")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.credential} · {self.at:%Y-%m-%d %H:%M}"


# -- survey issues and the issue-handling opinion (docs/domain.md §project.survey) ----------------


@condition(_("Two reviewers have not both given their opinion yet."))
def two_opinions(issue: SurveyIssue) -> bool:
    return bool(issue.opinion_1.strip() and issue.opinion_2.strip())


class SurveyIssue(ConcurrentTransitionMixin, models.Model):
    """An issue the survey (项目调研报告单) found; the issue-handling opinion (问题处理意见书)
    is written by two reviewers and decided by the director."""

    class State(models.TextChoices):
        OPEN = "open", pgettext("survey issue", "Waiting for the decision")
        DECIDED = "decided", pgettext("survey issue", "Decided")

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="survey_issues"
    )
    description = models.TextField(_("issue found in the survey"))
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opinion_1 = models.TextField(_("first reviewer's opinion"), blank=True)
    reviewer_1 = models.ForeignKey(
        User,
        verbose_name=_("first reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opinion_2 = models.TextField(_("second reviewer's opinion"), blank=True)
    reviewer_2 = models.ForeignKey(
        User,
        verbose_name=_("second reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.TextField(_("director's decision"), blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = FSMField(_("state"), default=State.OPEN, choices=State.choices, protected=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("survey issue")
        verbose_name_plural = _("survey issues")
        ordering = ["project", "created_at"]
        permissions = [("decide_surveyissue", _("Can decide survey issues (director)"))]

    def __str__(self) -> str:
        return self.description[:60]

    @transition(
        field=state,
        source=State.OPEN,
        target=State.DECIDED,
        permission="projects.decide_surveyissue",
        conditions=[two_opinions],
    )
    def decide(self, decision: str, by: Any) -> None:
        self.decision = decision
        self.decided_by = by
        self.decided_at = timezone.now()


# -- the data-import template handed to the customer (docs/domain.md §project.import-template) ---


def import_template_path(instance: ImportTemplateHandover, filename: str) -> str:
    return f"projects/{instance.project_id}/import-template-{filename}"


class ImportTemplateHandover(models.Model):
    """The data-import template handed to the customer during planning: who handed it,
    when, to which of the customer's contacts, and the file handed (docs/domain.md
    §project.import-template). Each hand-over is a row; a corrected template is another."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="import_templates",
    )
    contact = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("handed to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("template file"), upload_to=import_template_path)
    handed_by = models.ForeignKey(
        User, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    handed_at = models.DateTimeField(_("handed over"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data-import template hand-over")
        verbose_name_plural = _("data-import template hand-overs")
        ordering = ["project", "handed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.project.number} · {self.file_name}"

    @property
    def file_name(self) -> str:
        """The file's own name, without the storage folder and our prefix."""
        name = self.file.name.rsplit("/", 1)[-1]
        return name.removeprefix("import-template-")

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        scope = Project.scope_for_user(user)
        return None if scope is None else Q(project__in=Project.objects.filter(scope))
