"""Trip reports (出访报告): drafted when a visit is completed, written and submitted by the
engineer to the technical manager (docs/domain.md §reports.trips)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import NotPermitted, TransitionConflict
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.types import User

from ..choices import TripState
from ..models import TripReport

EDITABLE_FIELDS = ("what_happened", "lessons", "suggestions", "customer_situation")


def trip_report_draft(*, dispatch: Any, by: User | None = None) -> tuple[TripReport, bool]:
    """The visit's trip report, drafted once (one per dispatch, a unique key) with what the
    service report already says."""
    if dispatch.engineer_id is None or dispatch.completed_at is None:
        raise TransitionConflict(_("Only a completed visit has a trip report."))
    parts = [dispatch.problem, dispatch.cause, dispatch.solution]
    happened = "\n".join(p.strip() for p in parts if p and p.strip())
    with transaction.atomic():
        report, created = TripReport.objects.get_or_create(
            dispatch=dispatch,
            defaults={
                "author_id": dispatch.engineer.user_id,
                "customer_id": dispatch.customer_id,
                "visited_on": timezone.localdate(dispatch.checked_in_at or dispatch.completed_at),
                "what_happened": happened,
                "customer_situation": dispatch.new_needs or "",
            },
        )
        if created:
            save_with_history(report, by=by, reason="drafted")
    return report, created


def trip_report_edit(report: TripReport, *, by: User, **fields: Any) -> TripReport:
    if report.author_id != by.pk:
        raise NotPermitted(_("Only the engineer who visited writes the trip report."))
    with transaction.atomic():
        report = TripReport.objects.select_for_update().get(pk=report.pk)
        if report.state != TripState.DRAFT:
            raise TransitionConflict(_("A submitted trip report can no longer be changed."))
        changed = [n for n in EDITABLE_FIELDS if n in fields]
        for name in changed:
            setattr(report, name, (fields[name] or "").strip())
        save_with_history(report, by=by, reason="edited", fields=changed)
    return report


def trip_report_submit(report: TripReport, *, by: User) -> TripReport:
    with transaction.atomic():
        report = transition_run(
            instance=report, name="submit", by=by, update_fields=["submitted_at"]
        )
        notifications_create(
            recipients=users_in_roles(Role.TECH_MANAGER),
            kind="trip_report_submitted",
            title=_("Trip report %(number)s: %(customer)s")
            % {"number": report.number, "customer": report.customer.name},
            body=report.what_happened[:500],
            url=report.get_absolute_url(),
            target=report,
            dedupe_key=f"trip-submitted-{report.pk}",
        )
    return report


def trip_report_read(report: TripReport, *, by: User) -> TripReport:
    with transaction.atomic():
        return transition_run(instance=report, name="mark_read", by=by, update_fields=["read_at"])
