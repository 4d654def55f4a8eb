"""Field engineers see only the work they do (docs/domain.md §visibility.field).

An engineer sees the dispatches assigned to them, a partner engineer their partner's
dispatches; and only the customers, contacts, contracts, tickets and deadlines behind that
work. The field-service app says which dispatches bound a user's view (it registers a
provider in its ``AppConfig.ready``); the models of the other apps narrow their rows from
it in their ``scope_for_user`` (core.querysets), without importing field service::

    work = field_work(user)            # None: the user's view is not limited to field work
    if work is None:
        return None
    return Q(customer_id__in=work.values("customer_id"))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

FieldWorkProvider = Callable[[Any], "QuerySet | None"]

_providers: list[FieldWorkProvider] = []
_CACHE = "_field_work_scope"


def field_work_register(provider: FieldWorkProvider) -> None:
    """Register ``provider(user)``: the dispatches that bound what ``user`` may see, or
    ``None`` when the user's view is not limited to their field work. Idempotent."""
    if provider not in _providers:
        _providers.append(provider)


def field_work(user: Any) -> QuerySet | None:
    """The dispatches that bound what ``user`` sees, or ``None`` (not limited).

    Cached on the user object, so one request asks once however many models it scopes."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, _CACHE):
        return getattr(user, _CACHE)
    work = None
    for provider in _providers:
        work = provider(user)
        if work is not None:
            break
    setattr(user, _CACHE, work)
    return work


def field_work_customers(work: QuerySet) -> QuerySet:
    """The customers of the dispatches in ``work`` (a subquery of customer ids)."""
    return work.values("customer_id")
