"""Errors the API and the portal render in one place (docs/architecture.md §transitions.errors)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """Bad input or a business rule that refuses the action: 400 / a form message."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


def raise_field_errors(errors: dict[str, list[Any]]) -> None:
    """Refuse with every field's messages (a 400 with field errors, or form errors); the
    first message is the summary. Does nothing when ``errors`` is empty."""
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(str(first), extra=errors)


def field_error(field: str, message: Any) -> ApplicationError:
    """The refusal ``raise_field_errors({field: [message]})`` raises, to ``raise`` where
    the code (and mypy) must know that it does not go on."""
    return ApplicationError(str(message), extra={field: [message]})


class TransitionConflict(ApplicationError):
    """The transition is not allowed now, or someone else changed the record: 409."""


class NotPermitted(ApplicationError):
    """The user may not perform this action: 403."""
