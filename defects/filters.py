"""The defect and requirement filters, shared by the portal's lists and the API
(docs/architecture.md §lists)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.filters import CustomerNameFilter, LocalDateRangeFilter

from .choices import DefectState
from .models import Defect, Requirement


class DefectFilter(OverdueFilterMixin):
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    reported_on = LocalDateRangeFilter(field_name="reported_at", label=_("Reported at"))

    open = django_filters.BooleanFilter(method="filter_open", label="Not closed or rejected")
    product = django_filters.CharFilter(field_name="product", lookup_expr="icontains")
    q = django_filters.CharFilter(method="filter_q", label="Number, title or tracker key")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")

    class Meta:
        model = Defect
        fields = ["state", "severity", "customer", "assignee", "developer", "ticket", "dispatch"]

    def filter_open(self, queryset, name, value):
        done = Q(state__in=[DefectState.CLOSED, DefectState.REJECTED])
        return queryset.exclude(done) if value else queryset.filter(done)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(title__icontains=value) | Q(tracker_key=value)
        )


class RequirementFilter(OverdueFilterMixin):
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    recorded_on = LocalDateRangeFilter(field_name="recorded_at", label=_("Recorded"))

    evaluated_after = django_filters.IsoDateTimeFilter(field_name="evaluated_at", lookup_expr="gte")
    evaluated_before = django_filters.IsoDateTimeFilter(field_name="evaluated_at", lookup_expr="lt")

    class Meta:
        model = Requirement
        fields = ["state", "customer", "outcome", "urgent", "in_scope"]
