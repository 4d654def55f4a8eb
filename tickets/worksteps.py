"""What waits for whom on the hotline (the work queue, core.workqueue; issue 10 §12)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.choices import Role
from servicedesk.core.workqueue import WaitingStep, sales_manager_of, waiting_steps_register

from .choices import TicketState
from .services.roster import CHECK_IN_OPENS


def _state(*states: str):
    def waiting(qs: QuerySet) -> QuerySet:
        return qs.filter(state__in=states)

    return waiting


def _check_in(qs: QuerySet) -> QuerySet:
    now = timezone.now()
    return qs.filter(
        checked_in_at__isnull=True, starts_at__lte=now + CHECK_IN_OPENS, ends_at__gt=now
    )


def _handover(qs: QuerySet) -> QuerySet:
    now = timezone.now()
    return qs.filter(handover_acknowledged_at__isnull=True, starts_at__lte=now, ends_at__gt=now)


def register() -> None:
    waiting_steps_register(
        WaitingStep(
            "tickets.check_in",
            _("Check in for your shift"),
            "tickets.DutyShift",
            _check_in,
            mine=lambda user: Q(engineer=user),
            deadline=("duty_check_in",),
            order=10,
        ),
        WaitingStep(
            "tickets.shift_handover",
            _("Take over the previous shift's open items"),
            "tickets.DutyShift",
            _handover,
            mine=lambda user: Q(engineer=user),
            deadline=("shift_handover",),
            order=11,
        ),
        WaitingStep(
            "tickets.work",
            _("Answer or call back the customer"),
            "tickets.Ticket",
            _state(TicketState.NEW, TicketState.SHELVED),
            mine=lambda user: Q(assignee=user),
            deadline=(
                "acknowledge",
                "callback",
                "reply",
                "dispatch_submission",
                "handover_to_manager",
            ),
            notifications=("ticket_transfer",),
            order=12,
        ),
        WaitingStep(
            "tickets.scope_review",
            _("Decide whether the request is in scope"),
            "tickets.Ticket",
            _state(TicketState.SCOPE_REVIEW),
            roles=(Role.DIRECTOR, Role.TECH_MANAGER),
            notifications=("scope_review",),
            order=13,
        ),
        WaitingStep(
            "tickets.commercial_review",
            _("Negotiate the charge with the customer"),
            "tickets.Ticket",
            _state(TicketState.COMMERCIAL_REVIEW),
            roles=(Role.SALES_MANAGER,),
            mine=sales_manager_of(),
            notifications=("commercial_review",),
            order=14,
        ),
        WaitingStep(
            "tickets.dispatch_requested",
            _("Turn the request into a dispatch"),
            "tickets.Ticket",
            _state(TicketState.DISPATCH_REQUESTED),
            notifications=("dispatch_requested",),
            listed=False,  # the dispatch itself waits in field service
        ),
    )
