"""Portal, admin and API offer the same actions on contracts, first visits and revisits
(docs/architecture.md §action-layer): every declared model, a record in every state, every
role — each channel read from what it renders (tests/action_parity.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.actions import CONTRACT_ACTIONS, FIRST_VISIT_ACTIONS, REVISIT_ACTIONS
from contracts.choices import ContractState, FirstVisitState, RevisitState
from contracts.models import Contract, Customer, FirstVisit, Revisit
from contracts.services import contract_save_draft
from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    """One staff user per role, and a superuser."""
    users = {role: make_user(role, username=role, is_staff=True) for role in Role.values}
    users["root"] = make_user(username="root", is_staff=True, is_superuser=True)
    return users


def _set_state(obj, state: str) -> None:
    # The state field is protected: tests put records straight into a state.
    type(obj).objects.filter(pk=obj.pk).update(state=state)
    obj.refresh_from_db()


def _contract(customer: Customer, sales, number: str, *, state: str, ends_in: int = 200, **kw):
    today = timezone.localdate()
    start = today - dt.timedelta(days=100)
    data = {
        "number": number,
        "customer": customer,
        "sales_manager": sales,
        "signed_on": start,
        "amount": Decimal("88000.00"),
        "scope_items": [
            {"service_type": "repair", "quota": None, "quota_period": "year", "note": ""}
        ],
        "free_period": {"starts_on": start, "ends_on": today + dt.timedelta(days=ends_in)},
        **kw,
    }
    contract = contract_save_draft(by=sales, data=data)
    _set_state(contract, state)
    return contract


def _contracts(people) -> list[Contract]:
    sales = people[Role.SALES_MANAGER]
    customer = Customer.objects.create(name="台州汽配有限公司", sales_manager=sales)
    records = [
        _contract(customer, sales, f"HT-{state}", state=state) for state in ContractState.values
    ]
    # A draft that still lacks its amount: "sign" offered disabled, with the reason.
    records.append(_contract(customer, sales, "HT-incomplete", state="draft", amount=None))
    # In its last 30 days and after its end: "not renewed" can be recorded.
    records.append(_contract(customer, sales, "HT-ending", state="in_service", ends_in=10))
    records.append(_contract(customer, sales, "HT-ended", state="expired", ends_in=-5))
    return records


def test_contracts_offer_the_same_actions_on_every_channel(people):
    users = list(people.values())
    seen = {}
    for contract in _contracts(people):
        seen[contract.number] = assert_channels_agree(
            CONTRACT_ACTIONS,
            contract,
            users,
            portal_url=f"/contracts/{contract.pk}/",
            api_url=f"/api/v1/contracts/{contract.pk}/",
        )
    sales = Role.SALES_MANAGER.value
    # The declarations are what the test walks: make sure it saw them offered.
    assert "sign" in seen["HT-draft"][sales]
    assert "sign" not in seen["HT-incomplete"][sales]  # offered disabled, not enabled
    assert {"renew", "not_renewed"} <= seen["HT-ending"][sales]
    assert "not_renewed" in seen["HT-ended"][sales]
    assert "not_renewed" not in seen["HT-in_service"][sales]
    assert seen["HT-terminated"][sales] == set()


def test_first_visits_offer_the_same_actions_on_every_channel(people):
    agent = people[Role.FIRST_VISIT_AGENT]
    customer = Customer.objects.create(name="宁波机电有限公司")
    seen = {}
    for state in FirstVisitState.values:
        visit = FirstVisit.objects.create(customer=customer, agent=agent)
        _set_state(visit, state)
        seen[state] = assert_channels_agree(
            FIRST_VISIT_ACTIONS,
            visit,
            list(people.values()),
            portal_url=f"/first-visits/{visit.pk}/",
            api_url=f"/api/v1/first-visits/{visit.pk}/",
        )
    assert seen[FirstVisitState.PENDING][agent.username] == {"start"}
    assert seen[FirstVisitState.VERIFYING][agent.username] == {"complete"}
    assert seen[FirstVisitState.COMPLETED][agent.username] == set()


def test_revisits_offer_the_same_actions_on_every_channel(people):
    agent = people[Role.FIRST_VISIT_AGENT]
    customer = Customer.objects.create(name="温州电器有限公司")
    seen = {}
    for state in RevisitState.values:
        revisit = Revisit.objects.create(
            customer=customer, reason="post_visit", due_on=timezone.localdate(), assignee=agent
        )
        _set_state(revisit, state)
        seen[state] = assert_channels_agree(
            REVISIT_ACTIONS,
            revisit,
            list(people.values()),
            portal_url=f"/revisits/{revisit.pk}/",
            api_url=f"/api/v1/revisits/{revisit.pk}/",
        )
    assert seen[RevisitState.SCHEDULED][agent.username] == {"record"}
    assert seen[RevisitState.DONE][agent.username] == set()


def test_the_check_fails_when_a_channel_drifts(people, monkeypatch):
    """The parity check can fail: a portal page that stops offering "terminate" is caught."""
    import contracts.views.customers as views

    real = views.action_panels

    def without_terminate(*args, **kwargs):
        return [state for state in real(*args, **kwargs) if state.name != "terminate"]

    monkeypatch.setattr(views, "action_panels", without_terminate)
    contract = _contracts(people)[0]
    with pytest.raises(AssertionError, match="portal"):
        assert_channels_agree(
            CONTRACT_ACTIONS,
            contract,
            [people[Role.SALES_MANAGER]],
            portal_url=f"/contracts/{contract.pk}/",
            api_url=f"/api/v1/contracts/{contract.pk}/",
        )
