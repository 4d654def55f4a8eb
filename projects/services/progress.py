"""The stored progress figures of projects (docs/domain.md §project.progress): the planned
end of the earliest unfinished stage (``behind_since``) and the hours of the
customer-confirmed logs (``hours_confirmed``). Every service that changes a stage's state or
dates, or confirms a log, recomputes them in its transaction, so the lists sort by days
behind and show person-days without reading the stages and logs of every project."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from ..choices import LogState
from ..models import OPEN_STAGE_STATES, DailyLog, Project, Stage

_HOURS = DecimalField(max_digits=10, decimal_places=1)


def progress_refresh(projects: int | Project | QuerySet[Project]) -> int:
    """Recompute the stored figures of ``projects`` (a project, its id or a queryset) in
    one UPDATE; returns the number of projects updated."""
    if isinstance(projects, QuerySet):
        rows = projects
    else:
        pk = projects if isinstance(projects, int) else projects.pk
        rows = Project.objects.filter(pk=pk)
    earliest_open = (
        Stage.objects.filter(project=OuterRef("pk"), state__in=OPEN_STAGE_STATES)
        .order_by("planned_end")
        .values("planned_end")[:1]
    )
    confirmed = (
        DailyLog.objects.filter(project=OuterRef("pk"), state=LogState.CONFIRMED)
        .order_by()
        .values("project")
        .annotate(total=Sum("hours"))
        .values("total")[:1]
    )
    return rows.update(
        behind_since=Subquery(earliest_open),
        hours_confirmed=Coalesce(
            Subquery(confirmed, output_field=_HOURS), Decimal(0), output_field=_HOURS
        ),
    )
