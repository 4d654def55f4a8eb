"""Template helpers of the contracts app.

``{% entitlement_widget customer service_type %}`` is the entitlement component that
intake screens (hotline calls, dispatches, requirement requests) show: a service-type and
date picker that re-checks over htmx, with the result computed on the server first.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.urls import NoReverseMatch
from django.utils import timezone

from ..choices import EntitlementResult, ServiceType
from ..entitlement import entitlement_check

register = template.Library()

_widget_ids = itertools.count(1)

RESULT_TONES = {
    EntitlementResult.IN_SCOPE: "in-scope",
    EntitlementResult.OUT_OF_SCOPE: "out-of-scope",
    EntitlementResult.UNDETERMINED: "undetermined",
}
RESULT_ICONS = {
    EntitlementResult.IN_SCOPE: "check-circle-fill",
    EntitlementResult.OUT_OF_SCOPE: "exclamation-triangle-fill",
    EntitlementResult.UNDETERMINED: "question-circle-fill",
}


@register.inclusion_tag("contracts/partials/entitlement_widget.html", takes_context=True)
def entitlement_widget(
    context: dict,
    customer: Any,
    service_type: str | None = None,
    on: dt.date | str | None = None,
    check: bool = True,
) -> dict[str, Any]:
    """The entitlement of ``customer`` for ``service_type`` on ``on`` (today by default).

    ``customer`` is a Customer or its id (None: undetermined until the caller knows who is
    calling). ``check=False`` renders the picker only, for screens that fill it later.
    """
    customer_id = getattr(customer, "pk", customer)
    day = on or timezone.localdate()
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            day = timezone.localdate()
    service_type = service_type if service_type in ServiceType.values else ""
    result = None
    if check and service_type:
        result = entitlement_check(customer=customer_id, service_type=service_type, on=day)
    return {
        "widget_id": f"entitlement-{next(_widget_ids)}",
        "customer_id": customer_id,
        "service_type": service_type,
        "service_types": ServiceType.choices,
        "on": day,
        "entitlement": result,
        "request": context.get("request"),
    }


@register.filter
def entitlement_tone(result: str) -> str:
    """in-scope (green) / out-of-scope (amber) / undetermined (grey): one rule everywhere."""
    return RESULT_TONES.get(result, "undetermined")


@register.filter
def entitlement_icon(result: str) -> str:
    return RESULT_ICONS.get(result, "question-circle-fill")


@register.filter
def url_or_blank(obj: Any) -> str:
    """``obj.get_absolute_url()``, or "" while the page it points to does not exist yet."""
    getter = getattr(obj, "get_absolute_url", None)
    if getter is None:
        return ""
    try:
        return getter()
    except NoReverseMatch:
        return ""


@register.filter
def money(value: Any) -> str:
    """96000 → "96,000.00": amounts as Chinese business documents print them."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def period_status(period: Any, today: dt.date) -> str:
    """current / future / past, for highlighting the period in force."""
    if period.starts_on <= today <= period.ends_on:
        return "current"
    return "future" if period.starts_on > today else "past"


@register.filter
def days_until(day: dt.date | None, today: dt.date) -> int | None:
    return (day - today).days if day else None
