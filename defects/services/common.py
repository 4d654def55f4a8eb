from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.selectors import users_in_roles

REPORTED_AT_SKEW = dt.timedelta(minutes=2)


def blank(value: Any) -> bool:
    return not (value or "").strip() if isinstance(value, str) or value is None else False


def required(values: dict[str, Any], messages: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [str(messages[name])] for name in messages if blank(values.get(name))}


def not_in_future(at: dt.datetime | None, field: str, errors: dict[str, list[str]]) -> None:
    if at is not None and at > timezone.now() + REPORTED_AT_SKEW:
        errors[field] = [_("This cannot be in the future.")]


def role_members(*roles: str) -> list[Any]:
    return list(users_in_roles(*roles))
