"""Contributions of defects to other apps, registered in ``DefectsConfig.ready``: the
customer archive's sections (contracts.archive), one query each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .models import Defect, Requirement


def defects_for_archive(customer: Any, contracts: Any) -> dict[int | None, list[Defect]]:
    grouped: dict[int | None, list[Defect]] = defaultdict(list)
    for defect in Defect.objects.filter(customer=customer).order_by("-reported_at", "-id")[:200]:
        grouped[defect.contract_id].append(defect)
    return dict(grouped)


def requirements_for_archive(customer: Any, contracts: Any) -> dict[int | None, list[Requirement]]:
    grouped: dict[int | None, list[Requirement]] = defaultdict(list)
    for item in Requirement.objects.filter(customer=customer).order_by("-recorded_at", "-id")[:200]:
        grouped[item.contract_id].append(item)
    return dict(grouped)
