"""Reads of routine inspections (docs/architecture.md §layers.selectors)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from .models.inspections import Inspection, InspectionSchedule, ItemResult


def inspections_in_month(user: Any, first: dt.date) -> dict[dt.date, list[Inspection]]:
    """The month's inspections the user may see, per day, in one query."""
    following = (first + dt.timedelta(days=32)).replace(day=1)
    rows = (
        Inspection.objects.restrict(user)
        .filter(due_on__gte=first, due_on__lt=following)
        .select_related("customer", "dispatch__engineer__user")
        .annotate(issues=Count("items", filter=Q(items__result=ItemResult.ISSUE)))
        .order_by("due_on", "customer__name", "pk")
    )
    by_day: dict[dt.date, list[Inspection]] = defaultdict(list)
    for inspection in rows:
        by_day[inspection.due_on].append(inspection)
    return dict(by_day)


def schedules_for_list(user: Any) -> QuerySet[Any]:
    return (
        InspectionSchedule.objects.restrict(user)
        .select_related("contract__customer", "engineer__user", "backup_engineer__user")
        .annotate(made=Count("inspections"))
        .order_by("contract__customer__name", "pk")
    )


def inspections_for_archive(customer: Any, contracts: list[Any], *, user: Any) -> dict:
    """The customer's routine inspections under their contract, newest first (customer
    archive, docs/domain.md §customer.archive)."""
    from contracts.archive import group_by_contract

    items = (
        Inspection.objects.restrict(user)
        .filter(customer=customer)
        .select_related("dispatch", "contract")
        .order_by("-due_on", "-pk")[:200]
    )
    return group_by_contract(items)


def goods_inspections_for_archive(customer: Any, contracts: list[Any], *, user: Any) -> dict:
    """The customer's goods inspection records with where the media and licence backups
    are kept (docs/domain.md §goods-inspection)."""
    from contracts.archive import group_by_contract

    from .models.goods import GoodsInspection

    items = (
        GoodsInspection.objects.restrict(user)
        .filter(customer=customer)
        .select_related("dispatch")
        .order_by("-recorded_at", "-pk")[:100]
    )
    return group_by_contract(items)
