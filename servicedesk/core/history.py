"""The change history in words (issue 10 §16), one implementation for every detail page.

simple-history keeps raw values (codes, ids, booleans, aware datetimes) and a change reason
(a transition's name, or a short code such as ``"workaround"``); domain events keep their
kind (``"ticket.shelve"``). What a reader sees instead: the transition's label, the field's
verbose name, choice labels, people's names, 是/否, times to the minute.

Each app says what its events and history reasons are called in ``<app>/history.py``
(``EVENTS = {"ticket.shelve": _("Shelved to consult")}``, ``REASONS = {"workaround":
_("...")}``), found on first use like ``<app>/demo.py``; ``history_labels_register`` adds
more. A label may also be an ``(icon, label)`` pair, the shape the apps' timelines use. A
code nobody named is never printed: the entry falls back to "Changed" / "Recorded".
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from .people import display_name

_event_labels: dict[str, Any] = {}
_reason_labels: dict[str, Any] = {
    # the core's own history reasons (timers, calendars, signatures, notifications)
    "start": gettext_lazy("Deadline started"),
    "meet": gettext_lazy("Deadline met"),
    "met late": gettext_lazy("Deadline met late"),
    "cancel": gettext_lazy("Deadline cancelled"),
    "pause": gettext_lazy("Deadline paused"),
    "resume": gettext_lazy("Deadline resumed"),
    "sla sweep": gettext_lazy("Deadline checked by the system"),
}
_CORE_EVENTS = {
    "form.signed": gettext_lazy("Form signed"),
    # One-time customer links and surveys (docs/architecture.md §links).
    "link.sent": gettext_lazy("Signing link sent to the customer"),
    "link.emailed": gettext_lazy("Customer link e-mailed"),
    "link.revoked": gettext_lazy("Customer link withdrawn"),
    "link.declined": gettext_lazy("Customer declined to sign"),
    "survey.sent": gettext_lazy("Satisfaction survey sent"),
    "survey.answered": gettext_lazy("Satisfaction survey answered"),
    "survey.low_score": gettext_lazy("Low satisfaction score"),
}
_event_labels.update(_CORE_EVENTS)

TYPE_LABELS = {
    "+": pgettext_lazy("history", "Created"),
    "~": pgettext_lazy("history", "Changed"),
    "-": pgettext_lazy("history", "Deleted"),
}
#: a record's number before it is numbered (``uuid4().hex[:20]``): not worth a line
_PLACEHOLDER = re.compile(r"^[0-9a-f]{16,32}$")
_CJK = re.compile(r"[\u3400-\u9fff]")
#: a value that is a code (``post_visit``, ``out_of_scope``), not words
_CODE = re.compile(r"^[a-z0-9_.:-]+$")
EMPTY = "—"
#: two writes this close together are one action (a transition's save and its event)
SAME_ACTION = dt.timedelta(seconds=5)


_discovered = False


def _discover() -> None:
    """Register every installed app's ``history.EVENTS`` and ``history.REASONS`` once."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        if config.name == "servicedesk.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.history")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.history":
                raise
            continue
        history_labels_register(
            events=getattr(module, "EVENTS", None), reasons=getattr(module, "REASONS", None)
        )


def history_labels_register(
    *, events: Mapping[str, Any] | None = None, reasons: Mapping[str, Any] | None = None
) -> None:
    """Labels for domain event kinds (``"ticket.shelve"``) and history reasons."""
    for kind, label in (events or {}).items():
        if kind in _CORE_EVENTS:
            continue  # the core's own events read the same on every page
        _event_labels[kind] = label[1] if isinstance(label, tuple) else label
    _reason_labels.update(reasons or {})


def event_label(kind: str) -> str:
    _discover()
    label = _event_labels.get(kind)
    if label is None:
        label = _reason_labels.get(kind.rsplit(".", 1)[-1])
    return str(label) if label is not None else pgettext("history", "Recorded")


def reason_words(model: type[models.Model], reason: str, history_type: str) -> tuple[str, str]:
    """``(title, note)`` of a history row: the transition's or the reason's label, and the
    free text the reason carried (``"reschedule: 客户临时停产"`` → its label, the text)."""
    _discover()
    reason = (reason or "").strip()
    head, _sep, detail = reason.partition(":")
    head = head.strip()
    label = _event_labels.get(f"{model._meta.model_name}.{head}") or _reason_labels.get(head)
    if label is not None:
        return str(label), detail.strip() if _CJK.search(detail) else ""
    title = str(TYPE_LABELS.get(history_type, TYPE_LABELS["~"]))
    # A reason typed by a person (a termination reason…) is worth showing; a code is not.
    return title, reason if _CJK.search(reason) else ""


# -- values ------------------------------------------------------------------------------


def _model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except Exception:  # a field dropped since the row was written
        return None


def field_label(model: type[models.Model], name: str) -> str:
    """The field's verbose name. A name Django made up from the attribute (``verified
    by``) is a plain string: it is looked up in the catalogue like any message."""
    field = _model_field(model, name)
    label = getattr(field, "verbose_name", None)
    if not label:
        return _("Other field")
    return _(label) if isinstance(label, str) else str(label)


def _related_names(pairs: Iterable[tuple[type[models.Model], Any]]) -> dict[tuple, str]:
    """``{(model, pk): name}`` for the foreign keys of a page: one query per model."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for model, pk in pairs:
        if pk not in (None, ""):
            wanted[model].add(pk)
    names: dict[tuple, str] = {}
    user_model = get_user_model()
    for model, pks in wanted.items():
        for obj in model._base_manager.filter(pk__in=pks):
            names[(model, obj.pk)] = display_name(obj) if model is user_model else str(obj)
    return names


def value_words(
    field: models.Field | models.ForeignObjectRel | None,
    value: Any,
    related: Mapping[tuple, str] | None = None,
) -> str:
    """One stored value as a reader says it."""
    if value is None or value == "":
        return EMPTY
    if field is not None and field.is_relation and field.many_to_one:
        name = (related or {}).get((field.related_model, value))
        return name if name is not None else _("(deleted)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and getattr(field, "flatchoices", None):
        choices = {str(k): v for k, v in field.flatchoices}
        if str(value) in choices:
            return str(choices[str(value)])
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(field, models.FileField) or (hasattr(value, "name") and hasattr(value, "url")):
        return os.path.basename(str(getattr(value, "name", value))) or EMPTY
    if isinstance(value, dict):
        return _("(updated)")
    if isinstance(value, (list, tuple)):
        return "、".join(value_words(None, v) for v in value) or EMPTY
    return str(value)


def changes_in_words(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Add ``label``, ``old_text`` and ``new_text`` to each change of ``rows`` (from
    ``selectors.history_changes``), resolving the foreign keys of all rows at once."""
    pairs = []
    for row in rows:
        for change in row["changes"]:
            field = _model_field(model, change["field"])
            change["_field"] = field
            if field is not None and field.is_relation and field.many_to_one:
                pairs += [(field.related_model, value) for value in change["raw"]]
    related = _related_names(pairs)
    for row in rows:
        for change in row["changes"]:
            field = change.pop("_field")
            old, new = change.pop("raw")
            change["label"] = field_label(model, change["field"])
            change["old_text"] = value_words(field, old, related)
            change["new_text"] = value_words(field, new, related)


def is_numbering(row: dict[str, Any]) -> bool:
    """The write that numbers a record right after it was created (placeholder → number)."""
    return bool(row["changes"]) and all(
        c["field"] == "number" and _PLACEHOLDER.match(str(c["old"] or "")) for c in row["changes"]
    )


# -- the panel ---------------------------------------------------------------------------


def _state_field_name(model: type[models.Model]) -> str | None:
    from .services.transitions import fsm_field_name

    try:
        return fsm_field_name(model)
    except LookupError:
        return None


def _state_words(model: type[models.Model], state: Any) -> str:
    name = _state_field_name(model)
    return value_words(_model_field(model, name) if name else None, state)


def event_text(model: type[models.Model], event: Any, *, states: bool = True) -> str:
    """What an event's data says, in words (never the data itself); ``states=False``
    leaves out the state change (shown with the field changes)."""
    from . import printforms

    data = event.data or {}
    if event.kind == "form.signed":
        role = printforms.role_label(model, str(data.get("form", "")), str(data.get("role", "")))
        signer = str(data.get("signer") or "")
        return f"{signer}（{role}）" if signer and role else signer or role
    parts = []
    if states and data.get("from") not in (None, data.get("to")) and data.get("to") is not None:
        parts.append(f"{_state_words(model, data['from'])} → {_state_words(model, data['to'])}")
    for key in ("note", "reason", "point", "description"):
        text = data.get(key)
        if isinstance(text, str) and text.strip() and not _CODE.match(text.strip()):
            parts.append(text.strip())
            break
    return "；".join(parts)


def _same_action(
    model: type[models.Model],
    row: dict[str, Any],
    events: list[Any],
    used: set[int],
    state_field: str | None,
) -> Any:
    """The event written with history ``row`` by the same action, if any: the same kind
    (``<model>.<reason>``), or the same new state, within a few seconds."""
    name = model._meta.model_name
    head = (row["reason"] or "").partition(":")[0].strip()
    kinds = {f"{name}.{head}"}
    if row["history_type"] == "+":
        kinds |= {f"{name}.created", f"{name}.recorded"}
    new_state = next((c["new"] for c in row["changes"] if c["field"] == state_field), None)
    for event in events:
        if event.pk in used or abs(event.created_at - row["when"]) >= SAME_ACTION:
            continue
        to = (event.data or {}).get("to")
        if event.kind in kinds or (new_state is not None and to == new_state):
            return event
    return None


def panel_entries(obj: models.Model, limit: int = 30) -> list[dict[str, Any]]:
    """Events and field changes of ``obj`` in words, newest first.

    A transition writes a history row and an event at the same moment: they are shown as
    one entry (the event's label over the row's field changes).
    """
    from .selectors import events_for, history_changes

    model = type(obj)
    # A page that also draws a timeline read both once (selectors.trail_attach).
    rows = getattr(obj, "prefetched_history", None)
    if rows is None:
        rows = history_changes(obj, limit=limit)
    rows = rows[:limit]
    events = getattr(obj, "prefetched_events", None)
    if events is None:
        events = list(events_for(obj).order_by("-created_at", "-id")[:limit])
    else:
        events = sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True)[:limit]
    used: set[int] = set()
    entries = []
    state_field = _state_field_name(model)
    for row in rows:
        if is_numbering(row):
            continue
        match = _same_action(model, row, events, used, state_field)
        title, note = row["title"], row["note"]  # reason_words, from history_changes
        if match is not None:
            used.add(match.pk)
            title = event_label(match.kind)
            note = note or event_text(model, match, states=not row["changes"])
        entries.append(
            {
                "when": row["when"],
                "who": row["user_name"] or _("System"),
                "title": title,
                "note": note,
                "changes": row["changes"],
                "kind": "change",
            }
        )
    for event in events:
        if event.pk in used:
            continue
        entries.append(
            {
                "when": event.created_at,
                "who": display_name(event.actor) if event.actor_id else _("System"),
                "title": event_label(event.kind),
                "note": event_text(model, event),
                "changes": [],
                "kind": "event",
            }
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]
