from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.selectors import users_in_roles

REPORTED_AT_SKEW = dt.timedelta(minutes=2)


def raise_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(str(first), extra=errors)


def blank(value: Any) -> bool:
    return not (value or "").strip() if isinstance(value, str) or value is None else False


def required(values: dict[str, Any], messages: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [str(messages[name])] for name in messages if blank(values.get(name))}


def not_in_future(at: dt.datetime | None, field: str, errors: dict[str, list[str]]) -> None:
    if at is not None and at > timezone.now() + REPORTED_AT_SKEW:
        errors[field] = [_("This cannot be in the future.")]


def role_members(*roles: str) -> list[Any]:
    return list(users_in_roles(*roles))


def save_fields(obj: models.Model, *, by: Any, reason: str, fields: list[str]) -> None:
    """A plain field change (not a transition), with its history reason and user."""
    if getattr(by, "is_authenticated", False):
        obj._history_user = by
    obj._change_reason = reason
    obj.save(update_fields=fields)


def on_commit(func: Any) -> None:
    transaction.on_commit(func)
