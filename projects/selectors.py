"""Reads of implementation projects (docs/domain.md §project.progress): lists with
slippage and confirmed hours in a constant number of queries, the detail page's parts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from .choices import ACTIVE_STATES, IncidentState, ProjectState
from .models import (
    HOURS_PER_DAY,
    DailyLog,
    ImportTemplateHandover,
    Incident,
    Project,
    Stage,
    SurveyIssue,
)

SORTS: dict[str, list[Any]] = {
    "number": ["number"],
    "-number": ["-number"],
    "created": ["created_at"],
    "-created": ["-created_at"],
    "state": ["state"],
    "customer": ["customer__name"],
    # most behind first: the earliest planned end of an unfinished stage of an active project
    "-slip": [F("slip_since").asc(nulls_last=True)],
    "slip": [F("slip_since").desc(nulls_first=True)],
}


def projects_for_list(user: Any) -> QuerySet[Project]:
    """Projects ``user`` may see, with ``behind_since`` (the planned end of its earliest
    unfinished stage), ``hours_confirmed`` (confirmed logs only) — both stored on the
    project by projects.services.progress — and ``open_incidents``."""
    open_incidents = (
        Incident.objects.filter(project=OuterRef("pk"), state=IncidentState.OPEN)
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        Project.objects.restrict(user)
        .select_related("customer", "project_manager")
        .annotate(
            open_incidents=Coalesce(Subquery(open_incidents, output_field=IntegerField()), 0),
        )
    )


def slip_of(project: Project, today: dt.date | None = None) -> int:
    """Days the project is behind: past the planned end of its earliest unfinished stage
    (only while it is being carried out)."""
    since = getattr(project, "behind_since", None)
    if since is None or project.state not in ACTIVE_STATES:
        return 0
    today = today or timezone.localdate()
    return max(0, (today - since).days)


def project_list(
    user: Any,
    *,
    state: str = "",
    q: str = "",
    manager: Any = None,
    sort: str = "",
    behind_only: bool = False,
) -> QuerySet[Project]:
    """Projects filtered and sorted in the database (paginate the result); call
    :func:`decorate` on the page's rows."""
    qs = projects_for_list(user).annotate(
        slip_since=Case(
            When(state__in=ACTIVE_STATES, then=F("behind_since")),
            default=None,
            output_field=DateField(),
        )
    )
    if state in ProjectState.values:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(customer__name__icontains=q)
        )
    if manager is not None:
        qs = qs.filter(project_manager=manager)
    if behind_only:
        qs = qs.filter(slip_since__lt=timezone.localdate())
    return qs.order_by(*SORTS.get(sort, ["-created_at"]), "-id")


def decorate(projects: Any) -> list[Project]:
    """Days behind and confirmed person-days of listed projects (no query)."""
    rows: list[Any] = list(projects)
    today = timezone.localdate()
    for project in rows:
        project.slip_days = slip_of(project, today)
        project.person_days_confirmed = (project.hours_confirmed / HOURS_PER_DAY).quantize(
            Decimal("0.1")
        )
    return rows


def counts_by_state(user: Any) -> dict[str, int]:
    rows = Project.objects.restrict(user).values("state").annotate(n=Count("pk")).order_by()
    return {r["state"]: r["n"] for r in rows}


def project_detail(user: Any, pk: int) -> Project:
    """One project with what its page shows, in a fixed number of queries whatever the
    number of logs: stages, the last 30 days' logs grouped per day, open incidents."""
    project: Any = (
        projects_for_list(user)
        .select_related(
            "contract",
            "implementation_manager",
            "first_visit_need",
            "pause_requested_by",
            "pause_approved_by",
            "handover_book",
        )
        .prefetch_related(
            "consultants",
            Prefetch("stages", queryset=Stage.objects.order_by("order")),
            "documents",
            "incidents",
            "imports",
            "evaluations",
            Prefetch(
                "survey_issues",
                queryset=SurveyIssue.objects.select_related(
                    "reviewer_1", "reviewer_2", "decided_by"
                ),
            ),
            Prefetch("plan_revisions", to_attr="revisions"),
            Prefetch(
                "import_templates",
                queryset=ImportTemplateHandover.objects.select_related("contact", "handed_by"),
            ),
        )
        .get(pk=pk)
    )
    project.slip_days = slip_of(project)
    project.person_days_confirmed = (project.hours_confirmed / HOURS_PER_DAY).quantize(
        Decimal("0.1")
    )
    project.detail_loaded = True
    signed = [r for r in project.revisions if r.state == "signed"]
    project._plan_in_force = max(signed, key=lambda r: r.number) if signed else None
    return project


def logs_by_day(project: Project, *, days: int = 30) -> list[tuple[dt.date, list[DailyLog]]]:
    since = timezone.localdate() - dt.timedelta(days=days)
    logs = (
        DailyLog.objects.filter(project=project, day__gte=since)
        .select_related("consultant", "stage")
        .order_by("-day", "consultant_id")
    )
    grouped: dict[dt.date, list[DailyLog]] = defaultdict(list)
    for log in logs:
        grouped[log.day].append(log)
    return list(grouped.items())


def timeline(project: Project) -> dict[str, Any]:
    """Stages on a timeline: planned bar and actual bar as percentages of the span."""
    stages = list(project.stages.all())
    if not stages:
        return {"stages": [], "start": None, "end": None}
    today = timezone.localdate()
    start = min(s.planned_start for s in stages)
    start = min([start, *[s.actual_start for s in stages if s.actual_start]])
    end = max(s.planned_end for s in stages)
    end = max([end, *[s.actual_end for s in stages if s.actual_end], today])
    span = max(1, (end - start).days + 1)

    def pct(day: dt.date) -> float:
        return round((day - start).days * 100 / span, 2)

    rows = []
    for stage in stages:
        actual_end = stage.actual_end or (today if stage.actual_start else None)
        rows.append(
            {
                "stage": stage,
                "planned_left": pct(stage.planned_start),
                "planned_width": max(1.0, pct(stage.planned_end) - pct(stage.planned_start)),
                "actual_left": pct(stage.actual_start) if stage.actual_start else None,
                "actual_width": (
                    max(1.0, pct(actual_end) - pct(stage.actual_start))
                    if stage.actual_start and actual_end
                    else None
                ),
                "slip": stage.slip_days(today),
            }
        )
    return {"stages": rows, "start": start, "end": end, "today": pct(today)}


def today_logs(user: Any) -> list[DailyLog]:
    return list(
        DailyLog.objects.filter(consultant=user)
        .select_related("project__customer")
        .order_by("-day")[:10]
    )


def requirements_of(project: Project) -> list[Any]:
    from defects.models import Requirement

    return list(Requirement.objects.filter(project=project).order_by("-recorded_at"))


def log_hours_by_project(*, user_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The hours of ``user_id``'s submitted or confirmed daily logs of days in [start, end],
    per project, in one aggregate query: the implementation part of a weekly report
    (reports app, docs/domain.md §reports.weekly)."""
    from django.db.models import Count, Sum

    from .choices import LogState

    return list(
        DailyLog.objects.filter(consultant_id=user_id, day__gte=start, day__lte=end)
        .exclude(state=LogState.DRAFT)
        .values("project_id", "project__customer_id")
        .annotate(items=Count("id"), hours=Sum("hours"))
        .order_by("project_id")
    )
