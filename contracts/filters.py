"""The customer and contract filters, shared by the portal's lists and the API
(docs/architecture.md §lists)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.filters import NUMBER_OR_CUSTOMER, CustomerNameFilter, matching_any

from . import selectors
from .models import Contract, Customer


class CustomerFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Customer
        fields = ["region", "category", "sales_manager", "industry"]

    def filter_search(self, queryset, name, value):
        # the list's own queryset kept (its annotations: the contract columns)
        found = selectors.customers_list(user=self.request.user, search=value)
        return queryset.filter(pk__in=found.values("pk"))


class ContractFilter(OverdueFilterMixin):
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    signed_on = django_filters.DateFromToRangeFilter(field_name="signed_on", label=_("Signed on"))
    q = django_filters.CharFilter(method="filter_q", label="Number or customer")

    class Meta:
        model = Contract
        fields = ["state", "customer", "sales_manager", "service_level"]

    def filter_q(self, queryset, name, value):
        return matching_any(queryset, value, *NUMBER_OR_CUSTOMER)
