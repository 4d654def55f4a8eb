"""Waiting for the customer (docs/domain.md §deadlines.pause): while a record waits for the
customer's information, a test or access to the system, its promises to the customer are paused and
its internal steps keep running; when the customer answers they resume, moved by the
working time they were paused.

The apps' workflow services (``ticket_wait_for_customer``, ``defect_customer_answered``,
…) check who may do it and when, then call these inside their transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import TimerState, WaitReason
from ..exceptions import TransitionConflict, raise_field_errors
from ..models import CustomerWait, SlaTimer
from .history import history_reason, history_user
from .timers import (
    WAIT_PAUSE_REASON,
    WAIT_RESUME_REASON,
    timer_is_promise,
    timer_pause,
    timer_resume,
)

if TYPE_CHECKING:
    from ..types import User


@transaction.atomic
def customer_wait_start(
    *, subject: models.Model, by: User | None, reason: str, note: str, at: dt.datetime | None = None
) -> CustomerWait:
    """Start waiting for the customer and pause the record's promises to the customer."""
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if reason not in WaitReason.values:
        errors["reason"] = [_("Choose what the customer must provide.")]
    if not note:
        errors["note"] = [_("Say what the customer was asked for.")]
    raise_field_errors(errors)
    at = at or timezone.now()
    if CustomerWait.objects.for_subject(subject).open().select_for_update().exists():
        raise TransitionConflict(_("It already waits for the customer."))
    paused = []
    timers = SlaTimer.objects.for_subject(subject).running().select_related("policy")
    for timer in timers.order_by("started_at", "id"):
        if not timer_is_promise(timer):
            continue  # internal steps keep running
        result = timer_pause(subject=subject, target=timer.target, at=at, reason=WAIT_PAUSE_REASON)
        if result is not None and result.state == TimerState.PAUSED:
            paused.append(timer.target)
    wait = CustomerWait(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        reason=reason,
        note=note,
        started_at=at,
        started_by=by if getattr(by, "is_authenticated", False) else None,
        paused_targets=paused,
    )
    _audit(wait, by, "wait for the customer")
    try:
        with transaction.atomic():
            wait.save()
    except IntegrityError:
        raise TransitionConflict(_("It already waits for the customer.")) from None
    return wait


@transaction.atomic
def customer_wait_end(
    *, subject: models.Model, by: User | None, answer: str = "", at: dt.datetime | None = None
) -> CustomerWait | None:
    """The customer answered (or the record is finished): resume the paused promises.

    Returns the wait that ended, ``None`` when the record was not waiting."""
    wait = CustomerWait.objects.for_subject(subject).open().select_for_update().first()
    if wait is None:
        return None
    at = max(at or timezone.now(), wait.started_at)
    moved = 0
    paused = SlaTimer.objects.for_subject(subject).filter(state=TimerState.PAUSED)
    for timer in paused.select_related("policy").order_by("started_at", "id"):
        if not timer_is_promise(timer):
            continue
        before = timer.paused_seconds
        resumed = timer_resume(
            subject=subject, target=timer.target, at=at, reason=WAIT_RESUME_REASON
        )
        if resumed is not None:
            moved = max(moved, resumed.paused_seconds - before)
    wait.ended_at = at
    wait.ended_by = by if getattr(by, "is_authenticated", False) else None
    wait.answer = (answer or "").strip()
    wait.paused_seconds = moved
    _audit(wait, by, "the customer answered" if wait.answer else "no longer waiting")
    wait.save(update_fields=["ended_at", "ended_by", "answer", "paused_seconds"])
    return wait


def _audit(wait: CustomerWait, by: User | None, reason: str) -> None:
    if by is not None and by.is_authenticated:
        history_user(wait, by)
    history_reason(wait, reason)
