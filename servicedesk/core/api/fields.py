"""Serializer fields shared by every app's API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a record the requesting user may see (``restrict(user)``, docs/domain.md
    §visibility.field): a record outside the user's scope reads as one that does not exist, so a
    field engineer can neither attach work to another's customer nor learn that it exists.

    Needs ``context={"request": request}`` (DRF views pass it to their own serializers).
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            queryset = queryset.restrict(request.user)
        return queryset


def required_text(message: Any = None, **kwargs: Any) -> serializers.CharField:
    """Text the service cannot do without: required and not blank, and the OpenAPI schema
    says so (``required`` with ``minLength: 1``, docs/api.md §inputs: "the schema marks what is
    required"). ``message`` is what a 400 says when it is missing or blank (the service's
    own words); DRF's translated default otherwise."""
    if message is not None:
        kwargs["error_messages"] = {"required": message, "blank": message}
    return serializers.CharField(required=True, allow_blank=False, **kwargs)


def optional_text(**kwargs: Any) -> serializers.CharField:
    """Text a client may leave out (docs/api.md §inputs: a field that may be blank has a
    default)."""
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


def model_bounds(model: Any, name: str) -> dict[str, int]:
    """``min_value`` / ``max_value`` of a model's integer field, for an input serializer's
    field that feeds it: its own validators and what the database column holds (32,767 for
    a ``PositiveSmallIntegerField``), docs/architecture.md §text-hygiene."""
    from django.core.validators import MaxValueValidator, MinValueValidator
    from django.db import connection

    field = model._meta.get_field(name)
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    if field.get_internal_type() == "PositiveSmallIntegerField":
        # SQLite reports no range; the column is PostgreSQL's smallint in production.
        high = 32_767 if high is None else min(high, 32_767)
    bounds = {}
    if low is not None:
        bounds["min_value"] = low
    if high is not None:
        bounds["max_value"] = high
    return bounds
