"""The edge rules of ``core.text`` applied to every form field and API field, once
(docs/architecture.md §text-hygiene).

Hundreds of forms and serializers declare their fields; rather than asking each to
remember the rules, the field classes themselves get them when the core app is ready:

- text (Django ``forms.CharField``, DRF ``CharField``): control characters removed, and a
  length limit of ``TEXT_MAX_LENGTH`` when the field declares none;
- whole numbers (Django and DRF ``IntegerField``): within the 32-bit range the database stores when
  the field declares no bounds (model serializers already take the model field's range,
  e.g. 32,767 for a ``PositiveSmallIntegerField``);
- dates and datetimes (both): within ``BUSINESS_YEARS``, and an offset the database can
  store (±15:59).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import (
    BUSINESS_YEARS,
    TEXT_MAX_LENGTH,
    clean_text,
    date_in_business_range,
    offset_storable,
)

INT32 = (-(2**31), 2**31 - 1)

YEAR_MESSAGE = _("Enter a date between the years %(low)d and %(high)d.")
OFFSET_MESSAGE = _("Enter a time zone offset between -15:59 and +15:59.")


def _year_message() -> str:
    low, high = BUSINESS_YEARS
    return str(YEAR_MESSAGE) % {"low": low, "high": high}


def _install_forms() -> None:
    char_init = forms.CharField.__init__
    char_to_python = forms.CharField.to_python

    def init(self: forms.CharField, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("max_length") is None:
            kwargs["max_length"] = TEXT_MAX_LENGTH
        char_init(self, *args, **kwargs)

    def to_python(self: forms.CharField, value: Any) -> Any:
        if isinstance(value, str):
            value = clean_text(value)
        return char_to_python(self, value)

    forms.CharField.__init__ = init  # type: ignore[method-assign]
    forms.CharField.to_python = to_python  # type: ignore[method-assign]

    int_init = forms.IntegerField.__init__

    def int_init_bounded(self: forms.IntegerField, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("max_value") is None:
            kwargs["max_value"] = INT32[1]
        if kwargs.get("min_value") is None:
            kwargs["min_value"] = INT32[0]
        int_init(self, *args, **kwargs)

    forms.IntegerField.__init__ = int_init_bounded  # type: ignore[method-assign]

    for cls in (forms.DateField, forms.DateTimeField):
        _wrap_form_to_python(cls)


def _wrap_form_to_python(cls: type[forms.Field]) -> None:
    original = cls.to_python

    def to_python(self: forms.Field, value: Any) -> Any:
        result = original(self, value)
        if not date_in_business_range(result):
            raise ValidationError(_year_message(), code="year_range")
        if not offset_storable(result):
            raise ValidationError(str(OFFSET_MESSAGE), code="offset")
        return result

    cls.to_python = to_python  # type: ignore[method-assign]


def _install_drf() -> None:
    from rest_framework import serializers

    char_init = serializers.CharField.__init__
    char_internal = serializers.CharField.to_internal_value

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("max_length") is None and not kwargs.get("read_only"):
            kwargs["max_length"] = TEXT_MAX_LENGTH
        char_init(self, *args, **kwargs)

    def to_internal_value(self: Any, data: Any) -> Any:
        value = char_internal(self, data)
        return clean_text(value) if isinstance(value, str) else value

    serializers.CharField.__init__ = init
    serializers.CharField.to_internal_value = to_internal_value

    int_init = serializers.IntegerField.__init__

    def int_init_bounded(self: Any, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("read_only"):
            if kwargs.get("max_value") is None:
                kwargs["max_value"] = INT32[1]
            if kwargs.get("min_value") is None:
                kwargs["min_value"] = INT32[0]
        int_init(self, *args, **kwargs)

    serializers.IntegerField.__init__ = int_init_bounded

    json_internal = serializers.JSONField.to_internal_value

    def json_to_internal_value(self: Any, data: Any) -> Any:
        # In a form upload the text "null" is parsed here, after DRF's own null check: a
        # NOT NULL column then failed on save (a server error).
        value = json_internal(self, data)
        if value is None and not self.allow_null:
            self.fail("null")
        return value

    serializers.JSONField.to_internal_value = json_to_internal_value

    for cls in (serializers.DateField, serializers.DateTimeField):
        _wrap_drf_internal(cls)


def _wrap_drf_internal(cls: Any) -> None:
    from rest_framework import serializers

    original = cls.to_internal_value

    def to_internal_value(self: Any, value: Any) -> Any:
        if isinstance(value, str):
            value = clean_text(value)
        try:
            result = original(self, value)
        except (OverflowError, ValueError) as exc:
            # 0001-01-01+08:00 cannot be moved to the server's time zone.
            raise serializers.ValidationError(_year_message(), code="year_range") from exc
        if not date_in_business_range(result):
            raise serializers.ValidationError(_year_message(), code="year_range")
        if not offset_storable(result):
            raise serializers.ValidationError(str(OFFSET_MESSAGE), code="offset")
        return result

    cls.to_internal_value = to_internal_value


def install() -> None:
    """Called once from ``CoreConfig.ready``."""
    if getattr(install, "done", False):
        return
    _install_forms()
    _install_drf()
    install.done = True  # type: ignore[attr-defined]
