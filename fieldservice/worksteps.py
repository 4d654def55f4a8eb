"""What waits for whom in field service (the work queue, core.workqueue; issue 10 §12)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from servicedesk.core.choices import Role
from servicedesk.core.workqueue import ANY_TIMER, WaitingStep, waiting_steps_register

from .choices import DispatchState, PartUsageKind


def _state(*states: str):
    def waiting(qs: QuerySet) -> QuerySet:
        return qs.filter(state__in=states)

    return waiting


def _parts_to_approve(qs: QuerySet) -> QuerySet:
    from .models import SparePartUsage

    pending = SparePartUsage.objects.filter(dispatch=OuterRef("pk"), approved_at__isnull=True)
    pending = pending.filter(Q(emergency=True) | Q(kind=PartUsageKind.LOAN))
    return qs.filter(Exists(pending))


def _engineer(user) -> Q:
    return Q(engineer__user=user)


def register() -> None:
    waiting_steps_register(
        WaitingStep(
            "fieldservice.verify",
            _("Verify the on-site request"),
            "fieldservice.Dispatch",
            _state(DispatchState.REQUESTED),
            roles=(Role.SERVICE_MANAGER,),
            deadline=ANY_TIMER,
            notifications=("dispatch_requested",),
            order=20,
        ),
        WaitingStep(
            "fieldservice.assign",
            _("Assign an engineer"),
            "fieldservice.Dispatch",
            _state(DispatchState.VERIFIED),
            roles=(Role.SERVICE_MANAGER,),
            deadline=ANY_TIMER,
            order=21,
        ),
        WaitingStep(
            "fieldservice.confirm",
            _("Confirm the dispatch and agree the visit"),
            "fieldservice.Dispatch",
            _state(DispatchState.ASSIGNED, DispatchState.CONFIRMED),
            mine=_engineer,
            deadline=ANY_TIMER,
            notifications=("dispatch_assigned",),
            order=22,
        ),
        WaitingStep(
            "fieldservice.visit",
            _("Go on site and complete the visit"),
            "fieldservice.Dispatch",
            _state(DispatchState.SCHEDULED, DispatchState.ON_SITE),
            mine=_engineer,
            deadline=("arrival",),
            order=23,
        ),
        WaitingStep(
            "fieldservice.write_off",
            _("Write off the service form"),
            "fieldservice.Dispatch",
            _state(DispatchState.COMPLETED),
            roles=(Role.SERVICE_MANAGER,),
            deadline=("write_off",),
            order=24,
        ),
        WaitingStep(
            "fieldservice.parts",
            _("Approve the spare parts used"),
            "fieldservice.Dispatch",
            _parts_to_approve,
            roles=(Role.TECH_MANAGER,),
            notifications=("spare_part_approval",),
            order=25,
        ),
    )
