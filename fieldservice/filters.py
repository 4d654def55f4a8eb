"""The dispatch filters, shared by the portal's dispatch list and the API
(docs/architecture.md §lists)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.filters import (
    NUMBER_OR_CUSTOMER,
    CustomerNameFilter,
    LocalDateRangeFilter,
    matching_any,
)

from .choices import OPEN_STATES
from .models import Dispatch, Engineer


class DispatchFilter(OverdueFilterMixin):
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    created_on = LocalDateRangeFilter(field_name="created_at", label=_("Requested"))

    # the engineers' names come with them (one query for the list's select, not one each)
    engineer = django_filters.ModelChoiceFilter(
        queryset=Engineer.objects.select_related("user").order_by("user__last_name", "pk")
    )
    open = django_filters.BooleanFilter(method="filter_open", label="Not finished")
    partner = django_filters.NumberFilter(field_name="engineer__partner")
    assignee = django_filters.NumberFilter(field_name="engineer__user", label="Engineer's user")
    appointment_after = django_filters.IsoDateTimeFilter(
        field_name="appointment_at", lookup_expr="gte"
    )
    appointment_before = django_filters.IsoDateTimeFilter(
        field_name="appointment_at", lookup_expr="lt"
    )
    q = django_filters.CharFilter(method="filter_q", label="Number, customer, contact or site")

    class Meta:
        model = Dispatch
        fields = [
            "state",
            "kind",
            "severity",
            "customer",
            "contract",
            "engineer",
            "ticket",
            "outcome",
        ]

    def filter_open(self, queryset, name, value):
        return (
            queryset.filter(state__in=OPEN_STATES)
            if value
            else queryset.exclude(state__in=OPEN_STATES)
        )

    def filter_q(self, queryset, name, value):
        return matching_any(
            queryset,
            value,
            *NUMBER_OR_CUSTOMER,
            "contact_name__icontains",
            "site_address__icontains",
        )
