"""Plain field changes saved with their audit trail (docs/architecture.md §audit.history)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models


def save_with_history(
    obj: models.Model, *, by: Any, reason: str, fields: Iterable[str] | None = None
) -> models.Model:
    """Save ``obj`` (only ``fields`` when given) with the history row's user and reason."""
    if getattr(by, "is_authenticated", False):
        obj._history_user = by
    obj._change_reason = reason
    obj.save(update_fields=list(fields) if fields is not None else None)
    return obj
