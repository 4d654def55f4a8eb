"""Reactions of the reports app to other apps' domain events (docs/architecture.md
§apps.events)."""

from __future__ import annotations

from servicedesk.core.models import DomainEvent


def trip_report_for_visit(event: DomainEvent) -> None:
    """``dispatch.complete``: draft the engineer's trip report of the visit (once)."""
    from fieldservice.selectors import dispatch_for_report

    from .services import trip_report_draft

    dispatch = dispatch_for_report(event.target_id)
    if dispatch is None or dispatch.engineer_id is None or dispatch.completed_at is None:
        return
    trip_report_draft(dispatch=dispatch)
