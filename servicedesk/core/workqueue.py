"""What waits for whom: the registry behind the work queue (issue 10 §12).

Each app declares, in ``AppConfig.ready``, the steps at which its records wait for
someone's action — an approval, a signature, an evaluation, a negotiation, a write-off —
as ``WaitingStep``s: which records wait (a queryset filter), for which roles and, when a
particular person is meant, for whom (a ``Q`` built from the user). The core reads them
all for the dashboard's work queue without importing any app, and closes the
notifications that announced a step once the record no longer waits there
(``services.notifications.notifications_close_passed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

#: ``deadline=ANY_TIMER``: the record's nearest open deadline, whatever its target.
ANY_TIMER = ("*",)


@dataclass(frozen=True)
class WaitingStep:
    """One step at which records of ``model`` wait for someone's action.

    ``waiting`` narrows the model's rows (already restricted to what the user may see) to
    those at this step. The step is someone's when they hold one of ``roles`` (none: any
    role) and, with ``mine``, the record matches ``mine(user)``. ``deadline`` names the
    timer targets whose nearest open timer is the step's due time (a record may instead
    carry a ``work_due`` annotation, a date or a time). ``notifications`` are the kinds of
    notification that announce this step: they close themselves once the record has moved
    past it. A step with ``listed=False`` only closes notifications.
    """

    key: str
    label: Any
    model: str  # "app_label.ModelName"
    waiting: Callable[[QuerySet], QuerySet]
    roles: tuple[str, ...] = ()
    mine: Callable[[Any], Q] | None = None
    deadline: tuple[str, ...] = ()
    notifications: tuple[str, ...] = ()
    listed: bool = True
    order: int = 100

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def acts(self, user: Any) -> bool:
        """Whether the step may wait for ``user`` at all (before looking at records)."""
        if not self.listed or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if self.roles and not (user_roles(user) & {str(r) for r in self.roles}):
            return False
        return bool(self.roles) or self.mine is not None

    def queryset_for(self, user: Any) -> QuerySet:
        """The records waiting at this step for ``user``, among those they may see."""
        manager = self.model_class()._default_manager
        base = manager.restrict(user) if hasattr(manager, "restrict") else manager.all()
        qs = self.waiting(base)
        if self.mine is not None:
            qs = qs.filter(self.mine(user))
        return qs

    def still_waiting(self, record: models.Model) -> bool:
        """Whether ``record`` is still at this step (for anyone)."""
        manager = self.model_class()._default_manager
        return self.waiting(manager.filter(pk=record.pk)).exists()


_steps: dict[str, WaitingStep] = {}


def waiting_steps_register(*steps: WaitingStep) -> None:
    """Declare steps (call from ``AppConfig.ready``; registering a key again replaces it)."""
    for step in steps:
        _steps[step.key] = step


def waiting_steps(model: type[models.Model] | None = None) -> list[WaitingStep]:
    found = sorted(_steps.values(), key=lambda s: (s.order, s.key))
    if model is None:
        return found
    label = model._meta.label_lower
    return [s for s in found if s.model.lower() == label]


def user_roles(user: Any) -> set[str]:
    """The role groups of ``user`` (cached on the instance for the request)."""
    cached = getattr(user, "_desk_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.pk else set()
        user._desk_role_names = cached
    return cached


def sales_manager_of(prefix: str = "") -> Callable[[Any], Q]:
    """``mine`` for work that waits for the customer's sales manager: the contract's, else
    the customer's; any sales manager when neither has one (as the notifications go)."""

    def mine(user: Any) -> Q:
        contract, customer = f"{prefix}contract__sales_manager", f"{prefix}customer__sales_manager"
        return (
            Q(**{contract: user})
            | Q(**{f"{contract}__isnull": True, customer: user})
            | Q(**{f"{contract}__isnull": True, f"{customer}__isnull": True})
        )

    return mine


def as_due(value: Any) -> dt.datetime | None:
    """A step's due time: a date counts until the end of that day (local time)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    end = dt.datetime.combine(value, dt.time(23, 59))
    return timezone.make_aware(end)
