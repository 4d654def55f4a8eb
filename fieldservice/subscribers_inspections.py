"""Reactions of routine inspections to domain events (docs/architecture.md §apps.events)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from servicedesk.core.models import DomainEvent


def inspection_signed(event: DomainEvent) -> None:
    """``form.signed`` by the customer on an inspection report whose checklist is finished:
    the inspection is signed (docs/domain.md §inspection.report)."""
    from .models.inspections import Inspection, InspectionState, may_work_inspection
    from .services.inspections import INSPECTION_REPORT, inspection_sign

    data = event.data or {}
    if data.get("form") != INSPECTION_REPORT or str(data.get("role", "")).lower() != "customer":
        return
    if event.target_type_id != ContentType.objects.get_for_model(Inspection).pk:
        return
    inspection = Inspection.objects.filter(pk=event.target_id).first()
    if inspection is None or inspection.state != InspectionState.CHECKED:
        return
    actor = event.actor
    by = actor if actor is not None and may_work_inspection(inspection, actor) else None
    inspection_sign(inspection, by=by)
