"""What waits for whom with customers and contracts (the work queue, core.workqueue;
issue 10 §12)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.choices import Role
from servicedesk.core.workqueue import (
    ANY_TIMER,
    WaitingStep,
    waiting_steps_register,
)

from .choices import ContractState, FirstVisitState, RevisitState

#: Revisits show in the queue this many days before they are due.
REVISIT_AHEAD_DAYS = 7


def _drafts(qs: QuerySet) -> QuerySet:
    return qs.filter(state=ContractState.DRAFT)


def _renewal_to_decide(qs: QuerySet) -> QuerySet:
    """docs/domain.md §contract.period-end: in the last 30 days of service or after it ended, until
    the customer's decision (renewed or not) is recorded for that last day."""
    from .models import RenewalDecision, ServicePeriod
    from .services.contracts import RENEWAL_NOTICE_DAYS

    horizon = timezone.localdate() + dt.timedelta(days=RENEWAL_NOTICE_DAYS)
    last_day = ServicePeriod.objects.filter(contract=OuterRef("pk")).order_by("-ends_on")
    decided = RenewalDecision.objects.filter(
        contract=OuterRef("pk"), period_end=OuterRef("work_due")
    )
    return (
        qs.filter(state__in=[ContractState.IN_SERVICE, ContractState.EXPIRED])
        .annotate(work_due=Subquery(last_day.values("ends_on")[:1]))
        .filter(work_due__lte=horizon)
        .exclude(Exists(decided))
    )


def _contract_sales_manager(user) -> Q:
    return Q(sales_manager=user) | Q(sales_manager__isnull=True, customer__sales_manager=user)


def _first_visits(qs: QuerySet) -> QuerySet:
    return qs.filter(state__in=[FirstVisitState.PENDING, FirstVisitState.VERIFYING])


def _revisits(qs: QuerySet) -> QuerySet:
    ahead = timezone.localdate() + dt.timedelta(days=REVISIT_AHEAD_DAYS)
    return qs.filter(state=RevisitState.SCHEDULED, due_on__lte=ahead).annotate(work_due=F("due_on"))


def register() -> None:
    waiting_steps_register(
        WaitingStep(
            "contracts.sign",
            _("Sign the contract"),
            "contracts.Contract",
            _drafts,
            roles=(Role.SALES_MANAGER,),
            mine=lambda user: Q(sales_manager=user),
            order=50,
        ),
        WaitingStep(
            "contracts.renewal",
            _("Ask the customer whether they buy service, and record it"),
            "contracts.Contract",
            _renewal_to_decide,
            roles=(Role.SALES_MANAGER,),
            mine=_contract_sales_manager,
            notifications=("renewal",),
            order=51,
        ),
        WaitingStep(
            "contracts.first_visit",
            _("First visit: verify the customer's data"),
            "contracts.FirstVisit",
            _first_visits,
            mine=lambda user: Q(agent=user),
            deadline=ANY_TIMER,
            notifications=("first_visit",),
            order=52,
        ),
        WaitingStep(
            "contracts.revisit",
            _("Revisit the customer"),
            "contracts.Revisit",
            _revisits,
            mine=lambda user: Q(assignee=user),
            order=53,
        ),
    )
