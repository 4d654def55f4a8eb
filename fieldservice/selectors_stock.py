"""Reads of the spare-parts stock pages and API (docs/domain.md §stock), each a constant
number of queries (docs/architecture.md §layers.selectors).

The stock page shows one warehouse at a time: its lines joined to the catalogue, sorted
by part number, a page of 50; the warehouse tabs count their low-stock lines from the
partial index ``stock_low_by_warehouse`` (only low lines are in it), so the page stays
fast with 10,000 parts in 50 warehouses (tests/bench/test_bench_stock.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet

from .models.stock import (
    LOAN_OPEN_STATES,
    REPAIR_OPEN_STATES,
    FaultyPart,
    Part,
    PartLoan,
    StockLevel,
    StockMovement,
    Warehouse,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User


def warehouses_for_stock(user: User) -> list[Warehouse]:
    """The active warehouses, each with ``low`` (its lines below their warning level)."""
    warehouses = list(
        Warehouse.objects.restrict(user)
        .filter(active=True)
        .select_related("engineer__user")
        .order_by("kind", "name")
    )
    low = dict(
        # No ordering: the model's (by part) would join the catalogue into the count.
        StockLevel.objects.filter(quantity__lt=F("min_quantity"))
        .order_by()
        .values_list("warehouse")
        .annotate(n=Count("*"))
        .values_list("warehouse", "n")
    )
    for warehouse in warehouses:
        warehouse.low = low.get(warehouse.pk, 0)
    return warehouses


def stock_lines(
    user: User, *, warehouse: Warehouse, q: str = "", low_only: bool = False
) -> QuerySet[StockLevel]:
    """The lines of one warehouse, by part number."""
    qs = StockLevel.objects.restrict(user).filter(warehouse=warehouse)
    if low_only:
        qs = qs.filter(quantity__lt=F("min_quantity"))
    if q:
        qs = qs.filter(Q(part__part_number__icontains=q) | Q(part__name__icontains=q))
    return qs.select_related("part").order_by("part__part_number")


def part_detail(user: User, pk: int) -> Part:
    return Part.objects.restrict(user).get(pk=pk)


def part_levels(user: User, part: Part) -> QuerySet[StockLevel]:
    return (
        StockLevel.objects.restrict(user)
        .filter(part=part)
        .select_related("warehouse")
        .order_by("warehouse__kind", "warehouse__name")
    )


def part_movements(user: User, part: Part, limit: int = 50) -> list[StockMovement]:
    return list(
        StockMovement.objects.restrict(user)
        .filter(part=part)
        .select_related("from_warehouse", "to_warehouse", "by", "dispatch", "loan", "repair")
        .order_by("-at", "-id")[:limit]
    )


def loans_outstanding(user: User) -> QuerySet[PartLoan]:
    """Loans waiting for approval or still with the customer, the oldest first."""
    return (
        PartLoan.objects.restrict(user)
        .filter(state__in=LOAN_OPEN_STATES)
        .select_related("part", "customer", "warehouse", "requested_by", "dispatch")
        .order_by("requested_at", "id")
    )


def repairs_outstanding(user: User) -> QuerySet[FaultyPart]:
    """Faulty parts tagged or at repair, the oldest first."""
    return (
        FaultyPart.objects.restrict(user)
        .filter(state__in=REPAIR_OPEN_STATES)
        .select_related("part", "customer", "tagged_by", "dispatch")
        .order_by("tagged_at", "id")
    )


def loan_detail(user: User, pk: int) -> PartLoan:
    return (
        PartLoan.objects.restrict(user)
        .select_related(
            "part", "customer", "warehouse", "returned_to", "dispatch", "requested_by", "usage"
        )
        .get(pk=pk)
    )


def repair_detail(user: User, pk: int) -> FaultyPart:
    return (
        FaultyPart.objects.restrict(user)
        .select_related("part", "customer", "restocked_to", "dispatch", "tagged_by", "usage")
        .get(pk=pk)
    )
