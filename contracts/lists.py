"""The customer and contract lists with filters, sorting, saved filters and export
(docs/architecture.md §lists)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from servicedesk.core.lists import Column, ListSpec, common_labels, list_register

from .api.visits import FirstVisitFilter, RevisitFilter
from .choices import ContractState
from .filters import ContractFilter, CustomerFilter
from .models import Contract, Customer, FirstVisit, Revisit, ServicePeriod

#: contracts that count as the customer's active ones, and those whose service ended early
ACTIVE_STATES = [ContractState.SIGNED, ContractState.IN_SERVICE]
ENDED_STATES = [ContractState.TERMINATED]
#: "no service period": sorts before every real date (never null, so the plain
#: ``ORDER BY`` of docs/architecture.md §lists), shown as empty
NO_SERVICE = dt.date(1, 1, 1)


def _last_day_of_service(periods: QuerySet, per: str) -> Coalesce:
    """The last ``ends_on`` of ``periods`` grouped by ``per`` (a scalar subquery of the
    outer row), ``NO_SERVICE`` when there is none."""
    last = periods.order_by().values(per).annotate(last=Max("ends_on")).values("last")
    return Coalesce(Subquery(last), Value(NO_SERVICE))


def _last_day_ranked(ends_on: str, **where: Any) -> Coalesce:
    """The same last day as an aggregate over a join (``Column.rank``): sorting every row
    by the scalar subquery ran it once per row — 10,000 customers, 50,000 index probes
    into their contracts and periods; the grouped join reads each table once."""
    condition = ~Q(**where) if where else None
    return Coalesce(Max(ends_on, filter=condition), Value(NO_SERVICE))


def _customers(user):
    """Restricted, with each customer's active contracts and last day of service (scalar
    subqueries, computed for the page's rows only: sorted by the last day, the page ranks
    the keys by the column's ``rank`` first) — the old customer page's columns."""
    active = (
        Contract.objects.filter(customer=OuterRef("pk"), state__in=ACTIVE_STATES)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Customer.objects.restrict(user)
        .select_related("sales_manager")
        .annotate(
            active_contracts=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
            service_until=_last_day_of_service(
                ServicePeriod.objects.filter(contract__customer=OuterRef("pk")).exclude(
                    contract__state__in=ENDED_STATES
                ),
                "contract__customer",
            ),
        )
    )


def _service_until(record):
    until = record.service_until
    return None if until in (None, NO_SERVICE) else until


CUSTOMERS = ListSpec(
    code="customers",
    title=_("Customers"),
    filterset=CustomerFilter,
    queryset=_customers,
    permission="contracts.view_customer",
    labels=common_labels(),
    url_name="contracts:all-customers",
    export_name="customers",
    columns=(
        Column("name", _("Customer"), order="name", link=True),
        Column("short_name", _("Short name"), order="short_name"),
        Column("region", _("Region"), order="region"),
        Column("category", _("Category"), "get_category_display", order="category"),
        Column("industry", _("Industry"), order="industry"),
        Column("phone", _("Main phone"), order="phone"),
        Column("sales_manager", _("Sales manager"), order="sales_manager__last_name"),
        Column("active", _("Active contracts"), "active_contracts", order="active_contracts"),
        Column(
            "until",
            _("Service until"),
            _service_until,
            order="service_until",
            rank=_last_day_ranked("contracts__periods__ends_on", contracts__state__in=ENDED_STATES),
        ),
    ),
    filters=("search", "region", "category", "industry", "sales_manager"),
    default_sort="name",
    create_url="contracts:customer-add",
    create_label=_("New customer"),
    create_permission="contracts.add_customer",
)


def _amount(contract):
    return contract.amount


def _contracts(user):
    """Restricted, with the last day of service (a scalar subquery) — the old contract
    page's column."""
    return (
        Contract.objects.restrict(user)
        .select_related("customer", "sales_manager")
        .annotate(
            service_until=_last_day_of_service(
                ServicePeriod.objects.filter(contract=OuterRef("pk")), "contract"
            )
        )
    )


CONTRACTS = ListSpec(
    code="contracts",
    title=_("Contracts"),
    filterset=ContractFilter,
    queryset=_contracts,
    permission="contracts.view_contract",
    labels=common_labels(),
    url_name="contracts:all-contracts",
    export_name="contracts",
    columns=(
        Column("number", _("Number"), order="number", link=True, classes="text-nowrap"),
        Column("customer", _("Customer"), "customer", order="customer__name"),
        Column("title", _("Title"), order="title"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("level", _("Service level"), "get_service_level_display", order="service_level"),
        Column("signed", _("Signed on"), "signed_on", order="signed_on"),
        Column(
            "until",
            _("Service until"),
            _service_until,
            order="service_until",
            rank=_last_day_ranked("periods__ends_on"),
        ),
        Column(
            "amount",
            _("Amount"),
            _amount,
            order="amount",
            classes="text-end",
            permission="contracts.view_full_copy",  # the prices: director and sales only
        ),
        Column("sales_manager", _("Sales manager"), order="sales_manager__last_name"),
    ),
    filters=(
        "q",
        "state",
        "service_level",
        "sales_manager",
        "customer_name",
        "region",
        "signed_on",
    ),
    default_sort="-signed",
)


def _contract_number(visit):
    return visit.contract.number if visit.contract_id else None


def _needs_open(visit):
    return visit.needs_unrouted


FIRST_VISITS = ListSpec(
    code="first-visits",
    title=_("First visits"),
    filterset=FirstVisitFilter,  # the API's (contracts/api/visits.py)
    queryset=lambda user: (
        FirstVisit.objects.restrict(user)
        .select_related("customer", "contract", "agent")
        .annotate(
            needs_unrouted=Count("needs", filter=Q(needs__routed_at__isnull=True)),
        )
    ),
    permission="contracts.view_firstvisit",
    labels=common_labels(state=_("State"), agent=_("First-visit agent")),
    url_name="contracts:all-first-visits",
    export_name="first-visits",
    columns=(
        Column("customer", _("Customer"), "customer", order="customer__name", link=True),
        Column("contract", _("Contract"), _contract_number, order="contract__number"),
        Column("region", _("Region"), "customer.region", order="customer__region"),
        Column("agent", _("First-visit agent"), "agent", order="agent__last_name"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("needs", _("Needs to route"), _needs_open, order="needs_unrouted"),
        Column("started", _("Started"), "started_at", order="started_at"),
        Column("completed", _("Completed"), "completed_at", order="completed_at"),
        Column("created", _("Created"), "created_at", order="created_at"),
    ),
    filters=("search", "state", "agent", "customer_name", "region", "created_on", "overdue"),
    default_sort="-created",
)


REVISITS = ListSpec(
    code="revisits",
    title=_("Revisits"),
    filterset=RevisitFilter,  # the API's (contracts/api/visits.py)
    queryset=lambda user: Revisit.objects.restrict(user).select_related(
        "customer", "contract", "assignee"
    ),
    permission="contracts.view_revisit",
    labels=common_labels(due_after=_("Due from"), due_before=_("Due until")),
    url_name="contracts:all-revisits",
    export_name="revisits",
    columns=(
        Column("customer", _("Customer"), "customer", order="customer__name", link=True),
        Column("reason", _("Reason"), "get_reason_display", order="reason"),
        Column("due", _("Due on"), "due_on", order="due_on"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("assignee", _("Assignee"), "assignee", order="assignee__last_name"),
        Column("contract", _("Contract"), "contract", order="contract__number"),
        Column("done", _("Done"), "done_at", order="done_at"),
        Column("satisfaction", _("Satisfaction"), "satisfaction", order="satisfaction"),
    ),
    filters=("state", "reason", "assignee", "due_after", "due_before", "overdue"),
    default_sort="due",
)


def register() -> None:
    list_register(CUSTOMERS, CONTRACTS, REVISITS, FIRST_VISITS)
