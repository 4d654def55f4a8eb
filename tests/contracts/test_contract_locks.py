"""A renewal is ``in_service → in_service`` (issue 10 item 6): two renewals of the same
period at once must not both add it. The contract's row lock serialises them and the
second sees the first's period (overlap refused), so one period is added."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections

from contracts.choices import ContractState, PeriodKind
from contracts.models import Contract, ServicePeriod
from contracts.services import contract_renew
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import DomainEvent
from tests.tickets.factories import make_contract


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_renewals_of_the_same_period_at_once_add_it_once(make_user):
    sales = [make_user(Role.SALES_MANAGER), make_user(Role.SALES_MANAGER)]
    contract = make_contract(sales[0])
    assert contract.state == ContractState.IN_SERVICE
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def renew(user):
        try:
            mine = Contract.objects.get(pk=contract.pk)
            barrier.wait(timeout=10)
            contract_renew(
                mine, by=user, starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2028, 12, 31)
            )
            outcomes.append("ok")
        except ApplicationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=renew, args=(u,)) for u in sales]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert ServicePeriod.objects.filter(contract=contract, kind=PeriodKind.PAID).count() == 1
    assert DomainEvent.objects.filter(kind="contract.renew").count() == 1
