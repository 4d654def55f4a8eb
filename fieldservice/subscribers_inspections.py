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


def installation_signed(event: DomainEvent) -> None:
    """``form.signed`` by the customer on an installation report with assets recorded:
    the installation is accepted (docs/domain.md §installation.acceptance)."""
    from .models.installations import (
        Installation,
        InstallationState,
        installation_has_assets,
        may_work_installation,
    )
    from .services.installations import INSTALLATION_REPORT, installation_accept

    data = event.data or {}
    if data.get("form") != INSTALLATION_REPORT or str(data.get("role", "")).lower() != "customer":
        return
    if event.target_type_id != ContentType.objects.get_for_model(Installation).pk:
        return
    installation = Installation.objects.filter(pk=event.target_id).first()
    if installation is None or installation.state != InstallationState.OPEN:
        return
    if not installation_has_assets(installation):
        return
    actor = event.actor
    by = actor if actor is not None and may_work_installation(installation, actor) else None
    installation_accept(installation, by=by)
