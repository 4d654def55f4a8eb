"""Password disclosure (docs/domain.md §hotline.passwords: "在没有获取用户单位出面授权的
情况下，热线工程师不得泄露帐套或报表口令的任何解方法")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import Contact
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_user

from ..models import PasswordDisclosure, Ticket

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _refuse(*, ticket: Ticket, contact: Contact | None, what: str, by: User, why: str) -> None:
    # Refused attempts are audited too (kept unless the caller's transaction rolls back).
    event_record(
        kind="ticket.password_disclosure_refused",
        target=ticket,
        actor=by,
        data={"contact": getattr(contact, "pk", None), "what": what[:100], "why": why},
    )


def password_disclose(
    *, ticket: Ticket, contact: Contact, what: str, by: User
) -> PasswordDisclosure:
    """Record that ``by`` gave ``what`` (an account set or report password) to ``contact``.

    Allowed only with ``tickets.disclose_password`` and only to a contact of the ticket's
    customer whom the customer authorised (``Contact.may_receive_passwords``).
    """
    what = (what or "").strip()
    if not what or len(what) > 100:
        message = _("Say which password is disclosed (at most 100 characters).")
        raise ApplicationError(message, extra={"what": [message]})
    if not by.has_perm("tickets.disclose_password"):
        _refuse(ticket=ticket, contact=contact, what=what, by=by, why="permission")
        raise NotPermitted(_("You may not disclose passwords."))
    if contact is None or contact.customer_id != ticket.customer_id:
        _refuse(ticket=ticket, contact=contact, what=what, by=by, why="other_customer")
        message = _("This contact does not belong to the ticket's customer.")
        raise ApplicationError(message, extra={"contact": [message]})
    if not contact.may_receive_passwords:
        _refuse(ticket=ticket, contact=contact, what=what, by=by, why="not_authorised")
        message = _(
            "The customer has not authorised %(contact)s to receive passwords: ask the "
            "customer's organisation for a written authorisation first."
        ) % {"contact": contact.name}
        raise ApplicationError(message, extra={"contact": [message]})
    with transaction.atomic():
        disclosure = PasswordDisclosure(ticket=ticket, contact=contact, what=what, disclosed_by=by)
        history_user(disclosure, by)
        disclosure.save()
        event_record(
            kind="ticket.password_disclosed",
            target=ticket,
            actor=by,
            data={
                "disclosure": disclosure.pk,
                "contact": contact.pk,
                "contact_name": contact.name,
                "what": what,
                "authorised_by": contact.authorised_by,
                "authorised_on": contact.authorised_on.isoformat()
                if contact.authorised_on
                else None,
            },
        )
    return disclosure
