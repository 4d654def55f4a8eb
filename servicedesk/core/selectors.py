"""Reads of the shared kernel, already shaped and restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from .models import DomainEvent, Notification, Signature, SlaTimer, WorkCalendar


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
    """Each history row with the fields it changed (who, when, what)."""
    rows = list(history_for(obj)[: limit + 1])
    out = []
    for i, record in enumerate(rows[:limit]):
        previous = rows[i + 1] if i + 1 < len(rows) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [
                {"field": c.field, "old": _plain(c.old), "new": _plain(c.new)}
                for c in delta.changes
            ]
        out.append(
            {
                "id": record.history_id,
                "when": record.history_date,
                "user": record.history_user.get_username() if record.history_user else None,
                "type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
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
