"""A ticket waiting for the customer (information, a test, access to the system): its
promises to the customer (call back, reply, on-site submission) are paused until the
customer answers; the hand-over to the service manager keeps running
(docs/domain.md §deadlines.pause)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotPermitted, TransitionConflict, raise_field_errors
from servicedesk.core.services.transitions import lock
from servicedesk.core.services.waits import customer_wait_end, customer_wait_start

from ..models import Ticket

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _may(by: User) -> None:
    if not by.has_perm("tickets.work_ticket"):
        raise NotPermitted(_("You may not perform this action."))


def _check(ticket: Ticket) -> None:
    if ticket.state not in Ticket.customer_wait_states:
        raise TransitionConflict(
            _("A ticket that is %(state)s does not wait for the customer.")
            % {"state": ticket.get_state_display()}
        )


def ticket_wait_for_customer(ticket: Ticket, *, by: User, reason: str, note: str) -> Ticket:
    """The customer was asked for something: pause the ticket's promises meanwhile."""
    _may(by)
    with transaction.atomic():
        ticket = lock(ticket)
        _check(ticket)
        customer_wait_start(subject=ticket, by=by, reason=reason, note=note)
    return ticket


def ticket_customer_answered(ticket: Ticket, *, by: User, answer: str) -> Ticket:
    """The customer answered: the paused promises resume, moved by the time waited."""
    _may(by)
    raise_field_errors(
        {} if (answer or "").strip() else {"answer": [_("What did the customer answer?")]}
    )
    with transaction.atomic():
        ticket = lock(ticket)
        _check(ticket)
        if customer_wait_end(subject=ticket, by=by, answer=answer) is None:
            raise TransitionConflict(_("The ticket does not wait for the customer."))
    return ticket
