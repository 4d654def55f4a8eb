"""Template helpers shared by every page, so status colours and countdowns mean the same
everywhere."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.html import format_html

from .. import printforms, selectors
from ..choices import timer_target_label

register = template.Library()

# One colour family per meaning, used on every page (badges, board columns, lists).
STATE_TONES = {
    "waiting": {
        "new",
        "draft",
        "requested",
        "recorded",
        "pending",
        "applied",
        "scheduled",
        "planned",
    },
    "active": {
        "in_progress",
        "in_service",
        "assigned",
        "confirmed",
        "on_site",
        "verifying",
        "evaluating",
        "in_fix",
        "in_development",
        "allocated",
        "planning",
        "ready",
        "dispatch_requested",
        "dispatched",
        "reported",
        "verified",
    },
    "attention": {
        "shelved",
        "paused",
        "scope_review",
        "commercial_review",
        "acceptance_review",
        "reopened",
        "quoted",
        "expired",
    },
    "done": {
        "answered",
        "resolved",
        "completed",
        "written_off",
        "fixed",
        "confirmed_fix",
        "accepted",
        "delivered",
        "customer_accepted",
        "done",
        "signed",
        "met",
        "solution_confirmed",
        "workaround",
    },
    "closed": {"closed", "archived", "terminated", "cancelled", "rejected", "declined", "missed"},
}
TONE_CLASS = {
    "waiting": "text-bg-secondary",
    "active": "text-bg-primary",
    "attention": "text-bg-warning",
    "done": "text-bg-success",
    "closed": "text-bg-dark",
}


def state_tone(state: str) -> str:
    for tone, states in STATE_TONES.items():
        if state in states:
            return tone
    return "waiting"


@functools.lru_cache(maxsize=256)
def _choice_labels(model: type, field: str) -> dict[Any, Any] | None:
    """A field's value → label map, built once per model field (``get_FOO_display``
    rebuilds it on every call, which shows on long lists)."""
    try:
        choices = model._meta.get_field(field).flatchoices
    except Exception:
        return None
    return dict(choices) if choices else None


@register.simple_tag
def state_badge(obj: Any, field: str = "state") -> str:
    state = getattr(obj, field)
    labels = _choice_labels(type(obj), field) if hasattr(type(obj), "_meta") else None
    if labels is not None and state in labels:
        label = labels[state]
    else:
        label = getattr(obj, f"get_{field}_display", lambda: state)()
    tone = state_tone(state)
    return format_html(
        '<span class="badge state-badge {} " data-state="{}">{}</span>',
        TONE_CLASS[tone],
        state,
        label,
    )


@register.filter
def timer_tone(timer: Any) -> str:
    """on_time / warning / breached / met / paused / cancelled: one rule for all pages."""
    now = timezone.now()
    if timer.state == "breached" or (timer.state == "running" and timer.due_at <= now):
        return "breached"
    if timer.state == "running" and (timer.warned_at or timer.warn_at <= now):
        return "warning"
    if timer.state == "running":
        return "on_time"
    return timer.state


@register.filter
def timer_target(target: str) -> str:
    """The on-screen name of a deadline (``write_off`` → "Service form written off")."""
    return timer_target_label(target)


@register.filter
def duration(value: Any) -> str:
    """Seconds or a timedelta in words, to the minute (``1 h 5 min``)."""
    from ..durations import duration_text

    return duration_text(value)


@register.inclusion_tag("partials/customer_wait.html")
def customer_wait_banner(obj: Any) -> dict:
    """The record waits for the customer: what for, since when, promises paused."""
    return {"wait": selectors.customer_wait_open(obj)}


@register.inclusion_tag("partials/timers.html")
def timers_widget(obj: Any, compact: bool = False) -> dict:
    timers = getattr(obj, "prefetched_timers", None)
    if timers is None:
        timers = list(selectors.timers_for(obj))
    return {"timers": timers, "compact": compact}


@register.filter
def content_type_id(obj: Any) -> int:
    return ContentType.objects.get_for_model(obj).pk


@register.inclusion_tag("partials/forms_panel.html", takes_context=True)
def forms_panel(context: dict, obj: Any) -> dict:
    ct_id = ContentType.objects.get_for_model(obj).pk
    items = []
    for spec in printforms.forms_for(type(obj)):
        items.append(
            {
                "spec": spec,
                "signatures": list(selectors.signatures_for(obj, spec.code)),
                # A customer box can be signed through a one-time link (issue 17).
                "customer_box": any(s.customer for s in spec.slots),
            }
        )
    return {
        "items": items,
        "ct_id": ct_id,
        "object": obj,
        "request": context.get("request"),
        "perms": context.get("perms"),
    }


@register.filter
def signer_role(signature: Any) -> str:
    return printforms.signer_role_label(signature)


@register.filter
def person(user: Any) -> str:
    from ..people import display_name

    return display_name(user)


@register.inclusion_tag("partials/history.html")
def history_panel(obj: Any, limit: int = 30) -> dict:
    """The change history of a detail page, in words (core.history)."""
    from ..history import panel_entries

    return {"entries": panel_entries(obj, limit=limit)}


@register.simple_tag
def colon() -> str:
    """The colon after a label: full-width in Chinese (``金额：``), ``: `` in English."""
    from django.utils.translation import get_language

    return "：" if (get_language() or "").startswith("zh") else ": "


@register.filter
def product_version(obj: Any) -> str:
    """``U8 ERP V16.0``: the product and its version, the version once even when the
    product was typed with it."""
    product = (getattr(obj, "product", "") or "").strip()
    version = (getattr(obj, "version", "") or "").strip()
    if version and version not in product.split():
        return f"{product} {version}".strip()
    return product
