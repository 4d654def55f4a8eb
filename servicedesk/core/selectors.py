"""Reads of the shared kernel, already shaped and restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import TimerState, timer_target_label
from .models import DomainEvent, Notification, Signature, SlaTimer, WorkCalendar

# Deadlines a list or board still shows: not met, not cancelled (a late meet keeps its
# breach but is done).
OPEN_TIMER_STATES = [TimerState.RUNNING, TimerState.PAUSED, TimerState.BREACHED]


def users_in_roles(*roles: str) -> QuerySet:
    """Active members of any of ``roles`` (role groups), each once, in a stable order."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(groups__name__in=[str(r) for r in roles], is_active=True)
        .distinct()
        .order_by("pk")
    )


def timers_for(obj: models.Model) -> QuerySet[SlaTimer]:
    """An object's timers, newest first within each target."""
    return SlaTimer.objects.for_subject(obj).order_by("started_at", "id")


def timers_attach(objects: list[models.Model]) -> list[models.Model]:
    """Give each object ``prefetched_timers`` with one query for the whole page."""
    if not objects:
        return objects
    content_type = ContentType.objects.get_for_model(objects[0])
    by_subject: dict[int, list[SlaTimer]] = {obj.pk: [] for obj in objects}
    for timer in SlaTimer.objects.filter(
        subject_type=content_type, subject_id__in=list(by_subject)
    ).order_by("started_at", "id"):
        by_subject[timer.subject_id].append(timer)
    for obj in objects:
        obj.prefetched_timers = by_subject[obj.pk]
    return objects


def timers_attach_open(objects: list[models.Model]) -> list[models.Model]:
    """``timers_attach`` for lists and boards: ``all_timers``, the open ones as
    ``prefetched_timers`` and the nearest running one as ``next_timer`` (one query)."""
    timers_attach(objects)
    for obj in objects:
        obj.all_timers = obj.prefetched_timers
        obj.prefetched_timers = [
            t
            for t in obj.all_timers
            if t.state in OPEN_TIMER_STATES and not (t.state == TimerState.BREACHED and t.met_at)
        ]
        running = [t for t in obj.prefetched_timers if t.state == TimerState.RUNNING]
        obj.next_timer = min(running, key=lambda t: t.due_at, default=None)
    return objects


def next_due(model: type[models.Model]) -> Subquery:
    """Annotation: the due time of the row's nearest running timer (NULL when none)."""
    return Subquery(
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(model),
            subject_id=OuterRef("pk"),
            state=TimerState.RUNNING,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


def has_breached_timer(model: type[models.Model]) -> Exists:
    """Filter: the row has a breached timer (``?overdue=`` everywhere)."""
    return Exists(
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(model),
            subject_id=OuterRef("pk"),
            state=TimerState.BREACHED,
        )
    )


@dataclass
class StateColumn:
    """One column of a board by state: its first cards and how many there are in all."""

    state: str
    label: str
    count: int = 0
    items: list[Any] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def columns_by_state(
    queryset: QuerySet,
    *,
    states: Sequence[str],
    choices: Any,
    order_by: Iterable[Any],
    per_column: int,
    annotations: dict[str, Any] | None = None,
) -> list[StateColumn]:
    """A board: ``queryset`` by its ``state``, each column's first ``per_column`` rows in
    ``order_by`` (which may use ``annotations``), with their open timers. Three queries
    whatever the number of rows: the counts, the ranked cards, their timers."""
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("pk")))
    ranked = (
        queryset.annotate(**(annotations or {}))
        .annotate(
            board_rank=Window(RowNumber(), partition_by=[F("state")], order_by=list(order_by))
        )
        .filter(board_rank__lte=per_column)
    )
    columns = {s: StateColumn(s, str(choices(s).label), counts.get(s, 0)) for s in states}
    for item in timers_attach_open(list(ranked.order_by("state", "board_rank"))):
        columns[item.state].items.append(item)
    return list(columns.values())


@dataclass
class TimelineEntry:
    """One line of a record's timeline (calls, events, notes, deadlines, field changes)."""

    when: dt.datetime
    kind: str  # call, note, event, timer, history
    icon: str
    title: str
    actor: Any = None
    text: str = ""
    tone: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)


def timeline_timer_entries(
    timers: Iterable[SlaTimer], *, cancelled: bool = False
) -> list[TimelineEntry]:
    """A record's deadlines on its timeline: started (with the due time), met, missed and,
    with ``cancelled``, cancelled."""
    entries = []
    for timer in timers:
        target = timer_target_label(timer.target)
        due = timezone.localtime(timer.due_at).strftime("%m-%d %H:%M")
        entries.append(
            TimelineEntry(
                timer.started_at,
                "timer",
                "stopwatch",
                _("Deadline: %(target)s, due %(due)s") % {"target": target, "due": due},
            )
        )
        if timer.met_at:
            title = _("Deadline met: %(target)s") % {"target": target}
            entries.append(TimelineEntry(timer.met_at, "timer", "check2", title, tone="success"))
        if timer.breached_at:
            title = _("Deadline missed: %(target)s") % {"target": target}
            entries.append(TimelineEntry(timer.breached_at, "timer", "alarm", title, tone="danger"))
        if cancelled and timer.state == TimerState.CANCELLED and timer.cancelled_at:
            title = _("Deadline cancelled: %(target)s") % {"target": target}
            entries.append(TimelineEntry(timer.cancelled_at, "timer", "x", title))
    return entries


def timers_list(*, user: Any) -> QuerySet[SlaTimer]:
    return SlaTimer.objects.restrict(user).select_related("subject_type", "assignee", "policy")


def my_open_timers(*, user: Any, limit: int = 20) -> list[SlaTimer]:
    timers = list(
        SlaTimer.objects.open()
        .filter(assignee=user)
        .select_related("subject_type")
        .order_by("due_at")[:limit]
    )
    models.prefetch_related_objects(timers, "subject")
    return timers


def notifications_for(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.restrict(user).select_related("target_type")


def unread_count(*, user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def events_for(obj: models.Model) -> QuerySet[DomainEvent]:
    return DomainEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
    ).select_related("actor")


def signatures_for(obj: models.Model, form: str | None = None) -> QuerySet[Signature]:
    qs = Signature.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
    ).select_related("recorded_by")
    return qs.filter(form=form) if form else qs


def history_for(obj: models.Model) -> QuerySet:
    """simple-history rows of ``obj``, newest first, with the acting user."""
    return obj.history.all().select_related("history_user").order_by("-history_date")


def history_changes(obj: models.Model, limit: int = 100) -> list[dict[str, Any]]:
    """Each history row with the fields it changed (who, when, what).

    ``field``/``old``/``new`` are the stored values (the API's); ``label``, ``old_text``
    and ``new_text`` say them in words, and ``title``/``note`` the reason (core.history).
    """
    from . import history
    from .people import display_name

    rows = list(history_for(obj)[: limit + 1])
    out = []
    for i, record in enumerate(rows[:limit]):
        previous = rows[i + 1] if i + 1 < len(rows) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [
                {
                    "field": c.field,
                    "old": _plain(c.old),
                    "new": _plain(c.new),
                    "raw": (c.old, c.new),
                }
                for c in delta.changes
            ]
        title, note = history.reason_words(
            type(obj), record.history_change_reason or "", record.history_type
        )
        out.append(
            {
                "id": record.history_id,
                "when": record.history_date,
                "user": record.history_user.get_username() if record.history_user else None,
                "actor": record.history_user,
                "user_name": display_name(record.history_user) if record.history_user else "",
                "type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "history_type": record.history_type,
                "reason": record.history_change_reason or "",
                "title": title,
                "note": note,
                "changes": changes,
            }
        )
    history.changes_in_words(type(obj), out)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def calendars_list(*, user: Any) -> QuerySet[WorkCalendar]:
    return WorkCalendar.objects.restrict(user).prefetch_related("exceptions")


# -- SLA policies in words (issue 10 §17) ------------------------------------------------


def sla_subjects() -> dict[str, type[models.Model]]:
    """``{policy subject code: model}``: every model whose timers policies name."""
    from django.apps import apps

    subjects = {}
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        code = getattr(model, "sla_subject", None)
        if code is None and hasattr(model, "sla_context"):
            code = model._meta.model_name
        if code:
            subjects[code] = model
    return subjects


def sla_subject_label(code: str) -> str:
    model = sla_subjects().get(code)
    return str(model._meta.verbose_name) if model is not None else code


def sla_notify_choices() -> list[tuple[str, Any]]:
    """Who a policy may tell: the timer's assignee, their manager, or a role."""
    from .choices import Role

    return [
        ("assignee", _("The responsible person")),
        ("assignee_manager", _("The responsible person's manager")),
        *Role.choices,
    ]


def sla_condition_label(subject: str, condition: str) -> str:
    """``severity=fatal`` → ``严重程度：致命`` (the subject's field and choice labels)."""
    from .history import field_label, value_words

    model = sla_subjects().get(subject)
    parts = []
    for part in filter(None, (p.strip() for p in (condition or "").split(","))):
        key, _sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(key)
            except Exception:  # a context key that is not a field (service_level)
                field = None
        if field is not None:
            parts.append(f"{field_label(model, key)}：{value_words(field, value)}")
        elif key == "service_level":
            from .choices import ServiceLevel

            label = dict(ServiceLevel.choices).get(value, value)
            parts.append(f"{_('Service level')}：{label}")
        else:
            parts.append(f"{key}：{value}")
    return "，".join(parts)
