"""Domain events: an audit row per business event, and the other apps' reactions to it.

Apps announce events (``contract_signed``) without importing the apps that react to them.
Reactions run **after the announcing change commits**, each in its own transaction, never
inside the announcer's row lock: the event row remembers which subscribers are still to
react, so a reaction that fails (or a process that dies before it ran) is retried by the
``core.event_reactions`` task and runs exactly once. Why: docs/architecture.md §apps.events.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from ..models import DomainEvent

if TYPE_CHECKING:
    from ..types import User

logger = logging.getLogger(__name__)

Subscriber = Callable[[DomainEvent], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)

#: a reaction that failed this often is left for an operator (it stays pending and logged)
REACTION_MAX_ATTEMPTS = 10
#: the retry task leaves fresh events to the on-commit run
REACTION_RETRY_AFTER = timedelta(seconds=30)


def subscriber_key(handler: Subscriber) -> str:
    """The name a pending reaction is stored under (stable across processes)."""
    module = getattr(handler, "__module__", None) or type(handler).__module__
    name = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    return f"{module}.{name}"


def event_subscribe(kind: str, handler: Subscriber) -> None:
    """Register ``handler`` for ``kind``; call from an AppConfig.ready (idempotent)."""
    if handler not in _subscribers[kind]:
        _subscribers[kind].append(handler)


def event_record(
    *,
    kind: str,
    target: models.Model,
    actor: User | None = None,
    data: dict | None = None,
    new_target: bool = False,
) -> DomainEvent:
    """Record that ``kind`` happened to ``target``; its subscribers react after commit.
    ``new_target``: the record was created in this transaction, so no earlier
    notification about it can have been passed (none is looked for)."""
    handlers = _subscribers.get(kind, ())
    event = DomainEvent.objects.create(
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        data=data or {},
        reactions_pending=[subscriber_key(h) for h in handlers],
        reactions_done=not handlers,
    )
    if handlers:
        after_commit(partial(event_react, event.pk))
    if new_target:
        return event
    # Whatever happened may have moved the record past a step someone was told about.
    from .notifications import notifications_close_passed

    notifications_close_passed(target=target)
    return event


def after_commit(func: Callable[[], object]) -> None:
    """Run ``func`` once the current transaction commits (at once outside one); a failure
    is logged and does not stop the other callbacks (the retry task picks it up)."""
    transaction.on_commit(func, robust=True)


def _handler(event: DomainEvent, key: str) -> Subscriber | None:
    for handler in _subscribers.get(event.kind, ()):
        if subscriber_key(handler) == key:
            return handler
    return None


def event_react(event_id: int) -> int:
    """Run the pending reactions of one event, each in its own transaction with the event
    row locked, so two runners (the on-commit call and the retry task) never run the same
    reaction twice. Returns the number of reactions run."""
    ran = 0
    tried: set[str] = set()
    while True:
        with transaction.atomic():
            event = DomainEvent.objects.select_for_update().filter(pk=event_id).first()
            if event is None:
                return ran
            keys = [k for k in event.reactions_pending if k not in tried]
            if not keys:
                return ran
            key = keys[0]
            tried.add(key)
            handler = _handler(event, key)
            try:
                with transaction.atomic():
                    if handler is not None:
                        handler(event)
            except Exception as exc:  # logged, kept pending, retried
                logger.exception("reaction %s to event %s #%s failed", key, event.kind, event.pk)
                event.reaction_attempts += 1
                event.reaction_error = f"{key}: {exc!r}"[:2000]
                event.save(update_fields=["reaction_attempts", "reaction_error"])
                continue
            if handler is None:
                logger.warning("no subscriber %s for event %s #%s", key, event.kind, event.pk)
            event.reactions_pending = [k for k in event.reactions_pending if k != key]
            event.reactions_done = not event.reactions_pending
            event.save(update_fields=["reactions_pending", "reactions_done"])
            ran += handler is not None


def event_reactions_run_now(*, target: models.Model) -> int:
    """Run now, inside the caller's transaction, the reactions still pending to events about
    ``target``. For a loader (the demo, an import) that plays several people's steps in one
    transaction, as if each step were its own request; the on-commit call then finds them
    done. Returns how many ran."""
    ids = DomainEvent.objects.filter(
        reactions_done=False,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
    ).values_list("id", flat=True)
    return sum(event_react(pk) for pk in list(ids))


def event_reactions_retry(*, limit: int = 500) -> int:
    """Run the reactions still pending a while after their event (a failed reaction, or a
    process that died between the commit and the reaction). Returns how many ran."""
    due = timezone.now() - REACTION_RETRY_AFTER
    ids = list(
        DomainEvent.objects.filter(
            reactions_done=False,
            created_at__lte=due,
            reaction_attempts__lt=REACTION_MAX_ATTEMPTS,
        )
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(event_react(pk) for pk in ids)
