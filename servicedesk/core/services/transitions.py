"""The one way a workflow object changes state (STYLE.md rule 5).

Domain services call ``transition_run`` inside their own ``atomic()`` block: it locks the
row, checks the transition's conditions and the user's permission, applies the pure
transition method, saves the changed fields with a history reason and writes the domain
event. Conflicts surface as ``TransitionConflict`` (409), permissions as ``NotPermitted``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import (
    ConcurrentTransition,
    TransitionNotAllowed,
    can_proceed,
    has_transition_perm,
)

from ..exceptions import NotPermitted, TransitionConflict
from .events import event_record

M = TypeVar("M", bound=models.Model)


def fsm_field_name(model: type[models.Model]) -> str:
    from django_fsm import FSMFieldMixin

    for field in model._meta.fields:
        if isinstance(field, FSMFieldMixin):
            return field.name
    raise LookupError(f"{model.__name__} has no FSM field")


def lock(instance: M) -> M:
    """Re-read ``instance`` with a row lock; callers must be inside ``atomic()``."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def transition_run(
    *,
    instance: M,
    name: str,
    by: Any,
    kwargs: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    update_fields: Iterable[str] = (),
    reason: str = "",
    event_data: dict[str, Any] | None = None,
) -> M:
    """Lock, check, apply and save one transition; returns the locked, saved instance.

    ``update_fields`` names the fields the transition method sets besides the state.
    ``values`` are fields the service sets on the locked row before the transition (the
    caller's instance is re-read, so values set on it beforehand would be lost); they are
    saved with the state in one write and one history row.
    ``by`` is the acting user, or ``None`` for the system (scheduled tasks).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition_run must be called inside transaction.atomic()")
    expected_state = getattr(instance, fsm_field_name(type(instance)))
    obj = lock(instance)
    state_field = fsm_field_name(type(obj))
    if getattr(obj, state_field) != expected_state:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        )
    method = getattr(obj, name, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise TransitionConflict(_("Unknown transition “%(name)s”.") % {"name": name})
    # ``by=None`` is the system itself (a scheduled task): only the conditions apply.
    if by is not None and not has_transition_perm(method, by):
        if not can_proceed(method, check_conditions=False):
            raise TransitionConflict(_not_allowed_message(obj, name, state_field))
        raise NotPermitted(_("You may not perform this action."))
    if not can_proceed(method):
        raise TransitionConflict(_not_allowed_message(obj, name, state_field))
    source = getattr(obj, state_field)
    for field_name, value in (values or {}).items():
        setattr(obj, field_name, value)
    try:
        method(**(kwargs or {}))
    except TransitionNotAllowed as exc:
        raise TransitionConflict(_not_allowed_message(obj, name, state_field)) from exc
    obj._change_reason = reason or name
    if getattr(by, "is_authenticated", False):
        obj._history_user = by
    try:
        obj.save(update_fields=[state_field, *update_fields, *(values or {})])
    except ConcurrentTransition as exc:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        ) from exc
    event_record(
        kind=f"{obj._meta.model_name}.{name}",
        target=obj,
        actor=by,
        data={"from": source, "to": getattr(obj, state_field), **(event_data or {})},
    )
    # A record that may wait for the customer only in some states (``customer_wait_states``)
    # stops waiting when it leaves them (answered, closed…): its paused promises resume.
    wait_states = getattr(type(obj), "customer_wait_states", None)
    if wait_states and source in wait_states and getattr(obj, state_field) not in wait_states:
        from .waits import customer_wait_end

        customer_wait_end(subject=obj, by=by)
    return obj


def _not_allowed_message(obj: models.Model, name: str, state_field: str) -> str:
    display = getattr(obj, f"get_{state_field}_display", lambda: getattr(obj, state_field))()
    return _("“%(name)s” is not allowed now (state: %(state)s).") % {
        "name": name,
        "state": display,
    }


def available_transitions(instance: models.Model, user: Any) -> list[str]:
    """Names of the transitions ``user`` may run on ``instance`` now."""
    state_field = fsm_field_name(type(instance))
    getter = getattr(instance, f"get_available_user_{state_field}_transitions")
    return sorted({t.name for t in getter(user)})
