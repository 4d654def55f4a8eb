"""The one way a workflow object changes state (docs/architecture.md §transitions.run).

Domain services call ``transition_run`` inside their own ``atomic()`` block: it locks the
row, checks the transition's conditions and the user's permission, applies the pure
transition method, saves the changed fields with a history reason and writes the domain
event. Conflicts surface as ``TransitionConflict`` (409), permissions as ``NotPermitted``.

A transition whose target is its source (``assigned → assigned``, ``scheduled →
scheduled``, a severity change that keeps the state) passes the state check however many
requests run it at once, so the state alone is no lock. Under the row lock,
``transition_run`` then also compares the fields the transition writes with the values the
caller loaded: the second of two simultaneous changes finds them changed and gets a 409
instead of silently overwriting the first. ``expected`` states explicitly what the user
acted on (the engineer shown on the page, say), so a change made from a stale page is
refused too; ``lock(instance, expected=...)`` gives services that write outside a
transition the same check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils.translation import gettext as _
from django_fsm import (
    ConcurrentTransition,
    State,
    TransitionNotAllowed,
    can_proceed,
)

from ..conditions import unmet_reasons
from ..exceptions import NotPermitted, TransitionConflict
from .events import event_record
from .history import history_reason, history_user

if TYPE_CHECKING:
    from ..types import User

M = TypeVar("M", bound=models.Model)


class _AsLoaded:
    """Default of a service's ``expected_…`` argument: the value the caller's instance was
    loaded with (what a request saw when it began), as opposed to ``None`` (nobody)."""

    def __repr__(self) -> str:
        return "AS_LOADED"


AS_LOADED: Any = _AsLoaded()


def fsm_field_name(model: type[models.Model]) -> str:
    from django_fsm import FSMFieldMixin

    for field in model._meta.fields:
        if isinstance(field, FSMFieldMixin):
            return field.name
    raise LookupError(f"{model.__name__} has no FSM field")


def lock(instance: M, *, expected: Mapping[str, Any] | None = None) -> M:
    """Re-read ``instance`` with a row lock; callers must be inside ``atomic()``.

    ``expected``: field name → the value the caller acted on; when the locked row holds
    another value, someone changed it meanwhile and the caller gets a ``TransitionConflict``.
    """
    obj = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected:
        expect_unchanged(obj, expected)
    return obj


def _attname(model: type[models.Model], name: str) -> str:
    """``engineer`` and ``engineer_id`` both compare the key, never a fetched object."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a property: compared as named
        return name
    return field.attname if isinstance(field, models.Field) else name


def _key(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def expect_unchanged(obj: models.Model, expected: Mapping[str, Any]) -> None:
    """Refuse (409) when the locked ``obj`` no longer holds what the caller acted on."""
    model = type(obj)
    changed = [
        name
        for name, value in expected.items()
        if _key(getattr(obj, _attname(model, name))) != _key(value)
    ]
    if not changed:
        return
    labels = []
    for name in changed:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            labels.append(name)
        else:
            labels.append(str(getattr(field, "verbose_name", name)))
    raise TransitionConflict(
        _("Someone else changed %(fields)s meanwhile; reload the page and try again.")
        % {"fields": _(", ").join(labels)}
    )


def is_self_transition(method: Any, source: Any) -> bool:
    """Whether the transition ``method`` may leave a record in ``source`` where it was."""
    transition = method._django_fsm.get_transition(source)
    if transition is None:
        return False
    target = transition.target
    if isinstance(target, State):
        return source in (target.allowed_states or [source])
    return target is None or target == source


def transition_run(
    *,
    instance: M,
    name: str,
    by: User | None,
    kwargs: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    update_fields: Iterable[str] = (),
    reason: str = "",
    event_data: dict[str, Any] | None = None,
    expected: Mapping[str, Any] | None = None,
) -> M:
    """Lock, check, apply and save one transition; returns the locked, saved instance.

    ``update_fields`` names the fields the transition method sets besides the state.
    ``values`` are fields the service sets on the locked row before the transition (the
    caller's instance is re-read, so values set on it beforehand would be lost); they are
    saved with the state in one write and one history row.
    ``by`` is the acting user, or ``None`` for the system (scheduled tasks).
    ``expected``: field → value the user acted on, compared under the lock (409 when it
    changed). A self-transition without it compares the fields it writes with the values
    of the caller's ``instance`` (see the module docstring).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition_run must be called inside transaction.atomic()")
    update_fields = list(update_fields)
    values = values or {}
    _check_permitted(instance, name, by)
    expected_state = getattr(instance, fsm_field_name(type(instance)))
    obj = lock(instance)
    state_field = fsm_field_name(type(obj))
    if getattr(obj, state_field) != expected_state:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        )
    method = _transition_method(obj, name)
    if expected is None and is_self_transition(method, expected_state):
        expected = _as_loaded(instance, [*update_fields, *values])
    if expected:
        expect_unchanged(obj, expected)
    _check_allowed(obj, method, name, state_field, by)
    source = getattr(obj, state_field)
    for field_name, value in values.items():
        setattr(obj, field_name, value)
    try:
        method(**(kwargs or {}))
    except TransitionNotAllowed as exc:
        raise TransitionConflict(_not_allowed_message(obj, name, state_field)) from exc
    _save_transitioned(obj, [state_field, *update_fields, *values], reason or name, by)
    event_record(
        kind=f"{obj._meta.model_name}.{name}",
        target=obj,
        actor=by,
        data={"from": source, "to": getattr(obj, state_field), **(event_data or {})},
    )
    _end_customer_wait(obj, source, getattr(obj, state_field), by)
    return obj


def _transition_method(obj: models.Model, name: str) -> Any:
    """The bound transition method ``name`` of ``obj`` (409 when there is none)."""
    method = getattr(obj, name, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise TransitionConflict(_("Unknown transition “%(name)s”.") % {"name": name})
    return method


def _check_permitted(instance: models.Model, name: str, by: User | None) -> None:
    """403 for a user who may run transition ``name`` from no state at all: refused
    before the state is compared, so the answer never tells the record's state
    (docs/architecture.md §access-and-sessions)."""
    if by is None:
        return
    _transition_method(instance, name)  # 409 for a name that is no transition
    if not transition_permitted(instance, name, by):
        raise NotPermitted(_("You may not perform this action."))


def transition_permitted(instance: models.Model, name: str, user: User) -> bool:
    """Whether ``user`` holds the permission of transition ``name`` from some state."""
    method = getattr(type(instance), name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        return True  # not a transition: the service checks its own rights
    return any(t.has_perm(instance, user) for t in meta.transitions.values())


def _as_loaded(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` the caller's ``instance`` was loaded with."""
    model = type(instance)
    return {field: getattr(instance, _attname(model, field)) for field in fields}


def _check_allowed(
    obj: models.Model, method: Any, name: str, state_field: str, by: User | None
) -> None:
    """Refuse a transition ``by`` may not run (403) or whose conditions fail (409)."""
    # ``by=None`` is the system itself (a scheduled task): only the conditions apply.
    # The permission alone (django-fsm's has_transition_perm also checks the guards, which
    # would turn an unmet guard into a 403): an unmet guard is a 409 with its reason.
    meta = method._django_fsm
    if by is not None and not meta.has_transition_perm(obj, getattr(obj, state_field), by):
        if not can_proceed(method, check_conditions=False):
            raise TransitionConflict(_not_allowed_message(obj, name, state_field))
        raise NotPermitted(_("You may not perform this action."))
    if not can_proceed(method):
        reasons = _unmet(obj, name)
        raise TransitionConflict(
            " ".join(reasons) if reasons else _not_allowed_message(obj, name, state_field)
        )


def _save_transitioned(obj: models.Model, fields: list[str], reason: str, by: User | None) -> None:
    """Save the transitioned ``fields`` with the history row's reason and user."""
    history_reason(obj, reason)
    if by is not None and by.is_authenticated:
        history_user(obj, by)
    try:
        obj.save(update_fields=fields)
    except ConcurrentTransition as exc:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        ) from exc


def _end_customer_wait(obj: models.Model, source: Any, target: Any, by: User | None) -> None:
    """A record that may wait for the customer only in some states
    (``customer_wait_states``) stops waiting when it leaves them (answered, closed…): its
    paused promises resume."""
    wait_states = getattr(type(obj), "customer_wait_states", None)
    if wait_states and source in wait_states and target not in wait_states:
        from .waits import customer_wait_end

        customer_wait_end(subject=obj, by=by)


def _not_allowed_message(obj: models.Model, name: str, state_field: str) -> str:
    display = getattr(obj, f"get_{state_field}_display", lambda: getattr(obj, state_field))()
    return _("“%(name)s” is not allowed now (state: %(state)s).") % {
        "name": name,
        "state": display,
    }


def available_transitions(instance: models.Model, user: User) -> list[str]:
    """Names of the transitions ``user`` may run on ``instance`` now."""
    state_field = fsm_field_name(type(instance))
    getter = getattr(instance, f"get_available_user_{state_field}_transitions")
    return sorted({t.name for t in getter(user)})


def _all_transitions(instance: models.Model) -> list[Any]:
    state_field = fsm_field_name(type(instance))
    return list(getattr(instance, f"get_all_{state_field}_transitions")())


def _unmet(instance: models.Model, name: str) -> list[str]:
    """Why transition ``name`` cannot leave the current state: its failing guards."""
    state = getattr(instance, fsm_field_name(type(instance)))
    for t in _all_transitions(instance):
        if t.name == name and t.source in (state, "*"):
            reasons = unmet_reasons(t, instance)
            if reasons:
                return reasons
    return []


def blocked_transitions(instance: models.Model, user: User) -> dict[str, list[str]]:
    """The transitions ``user`` may run from the current state whose guards fail now,
    each with why (``core.conditions``): shown disabled with the reason, never offered
    as if they could succeed (issue 10 item 13)."""
    state = getattr(instance, fsm_field_name(type(instance)))
    available = set(available_transitions(instance, user))
    blocked: dict[str, list[str]] = {}
    for t in _all_transitions(instance):
        if t.name in available or t.source not in (state, "*") or not t.has_perm(instance, user):
            continue
        reasons = unmet_reasons(t, instance)
        if reasons:
            blocked.setdefault(t.name, reasons)
    return blocked
