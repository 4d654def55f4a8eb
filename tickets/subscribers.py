"""Domain events the hotline reacts to (docs/architecture.md §apps.events)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from servicedesk.core.models import DomainEvent


def ticket_from_revisit(event: DomainEvent) -> None:
    """A revisit raised an issue and asked for a ticket: open it in the same transaction,
    owned by whoever made the call (first-contact responsibility)."""
    data = event.data or {}
    if data.get("follow_up") != "ticket" or event.actor is None:
        return
    from contracts.models import Customer

    from .services import ticket_intake

    customer = Customer.objects.filter(pk=data.get("customer")).first()
    if customer is None:
        return
    contact = customer.contacts.order_by("-is_primary", "pk").first()
    product = customer.products.order_by("pk").first()
    ticket_intake(
        by=event.actor,
        customer=customer,
        caller_name=data.get("contact_name") or (contact.name if contact else str(customer)),
        caller_company=customer.name,
        caller_phone=(contact.mobile or contact.phone) if contact else customer.phone or "-",
        product=str(product) if product else _("(not recorded)"),
        description=data.get("issue") or "",
        channel="phone",
    )


def ticket_resolved_by_defect(event: DomainEvent) -> None:
    """``defect.close`` of a defect recorded from a call: a call still waiting on the
    dispatch is resolved with the defect's resolution (docs/architecture.md §apps.events)."""
    from .models import Ticket
    from .services import ticket_mark_resolved

    data = event.data or {}
    ticket = Ticket.objects.filter(pk=data.get("ticket")).first() if data.get("ticket") else None
    if ticket is None:
        return
    ticket_mark_resolved(
        ticket,
        by=event.actor,
        if_dispatched=True,
        **{k: data.get(k) or "" for k in ("problem", "cause", "solution", "steps")},
    )


def ticket_from_low_survey(event: DomainEvent) -> None:
    """``survey.low_score`` (docs/architecture.md §links.surveys): a customer scored the
    service 2 or less — a complaint ticket for the technical manager, with its deadline."""
    from contracts.models import Customer

    from .choices import TicketKind
    from .services import ticket_intake

    data = event.data or {}
    customer = Customer.objects.filter(pk=data.get("customer")).first()
    by = event.actor
    if customer is None or by is None:
        return
    contact = customer.contacts.order_by("-is_primary", "pk").first()
    product = customer.products.order_by("pk").first()
    ticket_intake(
        by=by,
        customer=customer,
        kind=TicketKind.COMPLAINT,
        caller_name=data.get("contact_name") or (contact.name if contact else str(customer)),
        caller_company=customer.name,
        caller_phone=data.get("contact_phone")
        or ((contact.mobile or contact.phone) if contact else "")
        or customer.phone
        or "-",
        product=str(product) if product else _("(not recorded)"),
        description=_("Satisfaction survey: %(score)s of 5 about %(subject)s. %(comment)s")
        % {
            "score": data.get("score"),
            "subject": str(event.target or ""),
            "comment": data.get("comment") or "",
        },
        channel="web",
    )
