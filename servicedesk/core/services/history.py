"""Plain field changes saved with their audit trail (docs/architecture.md §audit.history)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from ..types import User


def history_reason(obj: models.Model, reason: str) -> None:
    """The change reason of ``obj``'s next history row (simple-history reads
    ``obj._change_reason`` when it saves; a plain attribute the model's type does not
    declare, hence ``setattr``)."""
    setattr(obj, "_change_reason", reason)  # noqa: B010


def history_user(obj: models.Model, user: User | None) -> None:
    """The user of ``obj``'s next history row (``obj._history_user``; ``None``: nobody,
    not the request's user)."""
    setattr(obj, "_history_user", user)  # noqa: B010


def save_with_history(
    obj: models.Model, *, by: User | None, reason: str, fields: Iterable[str] | None = None
) -> models.Model:
    """Save ``obj`` (only ``fields`` when given) with the history row's user and reason."""
    if by is not None and by.is_authenticated:
        history_user(obj, by)
    history_reason(obj, reason)
    obj.save(update_fields=list(fields) if fields is not None else None)
    return obj
