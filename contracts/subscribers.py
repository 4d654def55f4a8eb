"""Domain events the contracts app reacts to (docs/architecture.md §apps.events)."""

from __future__ import annotations

from servicedesk.core.models import DomainEvent


def revisit_from_survey(event: DomainEvent) -> None:
    """``survey.answered`` (docs/architecture.md §links.surveys): the customer's score is
    recorded on the revisit of the surveyed record (docs/domain.md §revisit.survey)."""
    from .models import Customer
    from .services.visits import revisit_record_survey

    data = event.data or {}
    customer = Customer.objects.filter(pk=data.get("customer")).first()
    if customer is None or not data.get("score"):
        return
    revisit_record_survey(
        customer=customer,
        source=event.target,
        score=int(data["score"]),
        would_recommend=bool(data.get("would_recommend")),
        comment=str(data.get("comment") or ""),
        contact_name=str(data.get("contact_name") or ""),
        at=event.created_at,
    )
