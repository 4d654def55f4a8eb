"""Domain events: an audit row per business event, and in-process subscribers.

Apps announce events (``contract_signed``) without importing the apps that react to them;
subscribers run inside the same transaction, so a failure rolls the whole change back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ..models import DomainEvent

if TYPE_CHECKING:
    from ..types import User

Subscriber = Callable[[DomainEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def event_subscribe(kind: str, handler: Subscriber) -> None:
    """Register ``handler`` for ``kind``; call from an AppConfig.ready (idempotent)."""
    if handler not in _subscribers[kind]:
        _subscribers[kind].append(handler)


def event_record(
    *, kind: str, target: models.Model, actor: User | None = None, data: dict | None = None
) -> DomainEvent:
    event = DomainEvent.objects.create(
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        data=data or {},
    )
    for handler in list(_subscribers.get(kind, ())):
        handler(event)
    # Whatever happened may have moved the record past a step someone was told about.
    from .notifications import notifications_close_passed

    notifications_close_passed(target=target)
    return event
