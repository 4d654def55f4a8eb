"""The project filters, shared by the portal's project list and the API
(docs/architecture.md §lists)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.filters import (
    NUMBER_OR_CUSTOMER,
    CustomerNameFilter,
    LocalDateRangeFilter,
    matching_any,
)

from .choices import ACTIVE_STATES
from .models import Project


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    behind = django_filters.BooleanFilter(method="filter_behind", label=_("Behind schedule"))
    applied_on = LocalDateRangeFilter(field_name="created_at", label=_("Applied"))

    class Meta:
        model = Project
        fields = ["state", "customer", "project_manager", "implementation_manager"]

    def filter_q(self, queryset, name, value):
        return matching_any(queryset, value, *NUMBER_OR_CUSTOMER, "title__icontains")

    def filter_behind(self, queryset, name, value):
        """Active projects whose earliest unfinished stage should have ended before today
        (docs/domain.md §project)."""
        behind = Q(state__in=ACTIVE_STATES, behind_since__lt=timezone.localdate())
        return queryset.filter(behind) if value else queryset.exclude(behind)
