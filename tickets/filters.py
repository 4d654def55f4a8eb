"""The ticket filters, shared by the portal's ticket list and the API (docs/architecture.md
§lists)."""

from __future__ import annotations

import django_filters
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.filters import CustomerNameFilter, LocalDateRangeFilter, matching_any
from servicedesk.core.search import min_tokens, tokens

from .choices import ArticleState, TicketState
from .models import KnowledgeArticle, Ticket


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
        return matching_any(
            queryset,
            value,
            "number__icontains",
            "caller_phone__contains",
            "caller_name__icontains",
            "caller_company__icontains",
        )


class KnowledgeArticleFilter(django_filters.FilterSet):
    """The knowledge base's filters, shared by the portal's list and the API.

    ``q`` looks for the words the way the global search does (docs/architecture.md
    §search.rank): the query's tokens (Chinese bigrams, latin words) in the article's
    ``search_text``, at least half of them, so 凭证过账 finds "月末凭证无法过账"."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    published = django_filters.BooleanFilter(method="filter_published", label="Published")
    source_kind = django_filters.ChoiceFilter(
        method="filter_source_kind",
        label=_("Written from"),
        choices=[
            ("ticket", _("Service ticket")),
            ("dispatch", _("On-site visit")),
            ("defect", _("Defect")),
            ("none", _("Written directly")),
        ],
    )
    updated_on = LocalDateRangeFilter(field_name="updated_at", label=_("Updated"))
    product = django_filters.CharFilter(lookup_expr="icontains", label=_("Product"))
    module = django_filters.CharFilter(lookup_expr="icontains", label=_("Module"))

    class Meta:
        model = KnowledgeArticle
        fields = ["state", "product", "module", "author", "source_ticket"]

    def filter_q(self, queryset, name, value):
        terms = tokens(value or "")
        if not terms:
            return queryset
        cases = [
            Case(When(search_text__contains=f" {t} ", then=Value(1)), default=Value(0))
            for t in terms
        ]
        return queryset.annotate(_hits=sum(cases[1:], cases[0])).filter(
            _hits__gte=min_tokens(len(terms))
        )

    def filter_published(self, queryset, name, value):
        published = Q(state=ArticleState.PUBLISHED)
        return queryset.filter(published) if value else queryset.exclude(published)

    def filter_source_kind(self, queryset, name, value):
        if value == "none":
            return queryset.filter(source_type__isnull=True)
        return queryset.filter(source_type__model=value)
