"""Filters shared by the portal's lists and the API (docs/architecture.md §lists)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: a record's number or its customer's name or short name: most lists' search box
NUMBER_OR_CUSTOMER = (
    "number__icontains",
    "customer__name__icontains",
    "customer__short_name__icontains",
)


def matching_any(queryset: QuerySet, value: str | None, *lookups: str) -> QuerySet:
    """The rows where any of ``lookups`` (``"number__icontains"``, …) matches the typed
    text, stripped; every row when nothing was typed. A list's ``q`` search box."""
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q()
    for lookup in lookups:
        condition |= Q(**{lookup: value})
    return queryset.filter(condition)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class LocalDateRangeFilter(django_filters.DateFromToRangeFilter):
    """``<name>_after`` / ``<name>_before`` as local dates (both inclusive) on a
    date-time column: from the start of the first day to the end of the last, so the
    column's index serves it."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        if value.start is not None:
            qs = qs.filter(**{f"{self.field_name}__gte": _start_of(value.start)})
        if value.stop is not None:
            end = _start_of(value.stop + dt.timedelta(days=1))
            qs = qs.filter(**{f"{self.field_name}__lt": end})
        return qs


class CustomerNameFilter(django_filters.CharFilter):
    """Part of the customer's full or short name."""

    def __init__(self, *args, prefix: str = "customer__", **kwargs) -> None:
        kwargs.setdefault("label", _("Customer"))
        super().__init__(*args, **kwargs)
        self.prefix = prefix

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(**{f"{self.prefix}name__icontains": value})
            | Q(**{f"{self.prefix}short_name__icontains": value})
        )
