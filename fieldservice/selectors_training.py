"""Reads of the training pages and API (docs/domain.md §training)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from .models.training import TrainingAttendee, TrainingFeedback, TrainingSession, TrainingState

if TYPE_CHECKING:
    from servicedesk.core.types import User


def trainings_for_list(user: User) -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.restrict(user)
        .select_related("customer", "trainer__user")
        .order_by("-starts_on", "-id")
    )


def training_detail(user: User, pk: int) -> TrainingSession:
    return (
        TrainingSession.objects.restrict(user)
        .select_related("customer", "contract", "trainer__user", "planned_by")
        .get(pk=pk)
    )


def training_attendees(session: TrainingSession) -> list[TrainingAttendee]:
    return list(TrainingAttendee.objects.filter(session=session).order_by("id"))


def training_feedback(session: TrainingSession) -> list[TrainingFeedback]:
    return list(
        TrainingFeedback.objects.filter(session=session).select_related("attendee").order_by("id")
    )


def trainings_for_archive(customer: Any, contracts: list[Any], *, user: User) -> dict:
    """The customer's trainings whose report is filed, under their contract
    (docs/domain.md §training; §customer.archive)."""
    from contracts.archive import group_by_contract

    items = (
        TrainingSession.objects.restrict(user)
        .filter(customer=customer, state=TrainingState.ARCHIVED)
        .select_related("trainer__user")
        .order_by("-starts_on", "-id")[:200]
    )
    return group_by_contract(items)
