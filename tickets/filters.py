"""The ticket filters, shared by the portal's ticket list and the API (docs/architecture.md
§lists)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.filters import CustomerNameFilter, LocalDateRangeFilter

from .choices import TicketState
from .models import Ticket


class TicketFilter(OverdueFilterMixin):
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    received_on = LocalDateRangeFilter(field_name="received_at", label=_("Received"))

    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label="Open tickets I took (first contact) or am assigned",
    )
    open = django_filters.BooleanFilter(method="filter_open", label="Not closed")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_q", label="Number, caller, company or phone")

    class Meta:
        model = Ticket
        fields = ["state", "customer", "assignee", "first_contact_owner", "severity", "kind"]

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        mine = Q(first_contact_owner=user) | Q(assignee=user)
        if value:
            return queryset.filter(mine).exclude(state=TicketState.CLOSED)
        return queryset.exclude(mine)

    def filter_open(self, queryset, name, value):
        closed = Q(state=TicketState.CLOSED)
        return queryset.exclude(closed) if value else queryset.filter(closed)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(caller_phone__contains=value)
            | Q(caller_name__icontains=value)
            | Q(caller_company__icontains=value)
        )
