"""Domain events field service reacts to (docs/architecture.md §apps.events)."""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import DomainEvent, Signature

logger = logging.getLogger(__name__)


def dispatch_from_ticket_requested(event: DomainEvent) -> None:
    """``ticket.dispatch_requested``: the dispatch starts in ``requested``."""
    from tickets.models import Ticket

    from .services import dispatch_from_ticket

    ticket = (
        Ticket.objects.select_related("customer", "contract")
        .filter(pk=(event.data or {}).get("ticket") or event.target_id)
        .first()
    )
    if ticket is not None:
        dispatch_from_ticket(ticket=ticket, by=event.actor)


def dispatch_escalated_as_defect(event: DomainEvent) -> None:
    """``defect.recorded`` with a dispatch: that defect is the dispatch's next step."""
    from .models import Dispatch
    from .services import dispatch_mark_escalated

    data = event.data or {}
    dispatch = (
        Dispatch.objects.filter(pk=data.get("dispatch")).first() if data.get("dispatch") else None
    )
    if dispatch is None:
        return
    dispatch_mark_escalated(
        dispatch,
        defect_id=int(data.get("defect") or event.target_id),
        defect_number=str(data.get("number") or ""),
        by=event.actor,
    )


def dispatch_signed(event: DomainEvent) -> None:
    """``form.signed`` on a dispatch's service report by the customer: link it."""
    from .models import Dispatch
    from .printing import CUSTOMER_SLOT
    from .services import SERVICE_REPORT, dispatch_link_signature

    data = event.data or {}
    if data.get("form") != SERVICE_REPORT:
        return
    if event.target_type_id != ContentType.objects.get_for_model(Dispatch).pk:
        return
    role = str(data.get("role") or "").strip().lower()
    if role not in {CUSTOMER_SLOT.role, str(CUSTOMER_SLOT.label).lower()}:
        return
    signature = (
        Signature.objects.filter(
            target_type_id=event.target_type_id,
            target_id=event.target_id,
            form=SERVICE_REPORT,
            signer_role__iexact=data.get("role"),
        )
        .order_by("-signed_at", "-id")
        .first()
    )
    dispatch = Dispatch.objects.filter(pk=event.target_id).first()
    if signature is not None and dispatch is not None:
        dispatch_link_signature(dispatch, signature=signature, by=event.actor)


def dispatch_follow_up_call(event: DomainEvent) -> None:
    """``revisit.record`` of a post-visit revisit: the follow-up timer is met."""
    from contracts.choices import RevisitReason
    from contracts.models import Revisit

    from .models import Dispatch
    from .services import dispatch_follow_up_recorded

    revisit = Revisit.objects.filter(pk=event.target_id).first()
    if revisit is None or revisit.reason != RevisitReason.POST_VISIT:
        return
    if revisit.source_type_id != ContentType.objects.get_for_model(Dispatch).pk:
        return
    dispatch = Dispatch.objects.filter(pk=revisit.source_id).first()
    if dispatch is None:
        return
    satisfaction = (event.data or {}).get("satisfaction")
    dispatch_follow_up_recorded(
        dispatch,
        satisfaction=int(satisfaction) if satisfaction else None,
        at=revisit.done_at or event.created_at,
        by=event.actor,
    )


def dispatch_from_revisit(event: DomainEvent) -> None:
    """``revisit.follow_up_requested`` asking for an on-site visit: a ``requested``
    dispatch for the service manager to verify (the hotline handles ``ticket``)."""
    data = event.data or {}
    if data.get("follow_up") != "on_site":
        return
    from contracts.models import Contract, Customer

    from .choices import DispatchSource
    from .services import dispatch_create

    customer = Customer.objects.filter(pk=data.get("customer")).first()
    if customer is None:
        return
    contract = Contract.objects.filter(pk=data.get("contract")).first()
    contact = customer.contacts.order_by("-is_primary", "pk").first()
    try:
        with transaction.atomic():
            dispatch_create(
                by=event.actor,
                customer=customer,
                contract=contract,
                source=DispatchSource.REVISIT,
                problem=str(data.get("issue") or ""),
                site_address=customer.address or customer.name,
                contact_name=str(
                    data.get("contact_name") or (contact.name if contact else customer.name)
                ),
                contact_phone=(contact.mobile or contact.phone)
                if contact
                else customer.phone or "-",
            )
    except ApplicationError:
        # The revisit is recorded all the same; the service managers were told of the
        # request (contracts) and open the dispatch by hand.
        logger.warning("revisit %s: on-site request not turned into a dispatch", event.target_id)
