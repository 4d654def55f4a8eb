"""The ticket page, the admin and the API offer the same actions to the same people
(docs/architecture.md §action-layer): every declared action of TICKET_ACTIONS, a ticket
in every state (and the states within a state that change what is offered: a special
arrangement written, a wait for the customer open), every role."""

from __future__ import annotations

import pytest

from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree
from tests.tickets.factories import in_state, make_contact, make_contract, take_call
from tickets.actions import TICKET_ACTIONS
from tickets.choices import TicketState
from tickets.models import Ticket
from tickets.services.waits import ticket_wait_for_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    """One person per role, each allowed into the admin (what the admin page shows is
    read from the page itself)."""
    return {role: make_user(role, username=f"p_{role}", is_staff=True) for role in Role.values}


@pytest.fixture
def new_ticket(people):
    customer = make_contract(people[Role.SALES_MANAGER]).customer
    make_contact(customer, authorised=True)
    return take_call(people[Role.HOTLINE_ENGINEER], customer)


def _agree(ticket: Ticket, people: dict) -> dict[str, set[str]]:
    return assert_channels_agree(
        TICKET_ACTIONS,
        ticket,
        list(people.values()),
        portal_url=f"/tickets/{ticket.pk}/",
        api_url=f"/api/v1/tickets/{ticket.pk}/",
    )


@pytest.mark.parametrize("state", TicketState.values)
def test_every_state_every_role(state, new_ticket, people):
    ticket = in_state(new_ticket, state)
    seen = _agree(ticket, people)
    hotline = seen[f"p_{Role.HOTLINE_ENGINEER}"]
    if state == TicketState.NEW:
        assert {"answer", "shelve", "request_dispatch", "wait_for_customer"} <= hotline
    if state == TicketState.CLOSED:
        assert not hotline & {"answer", "shelve", "transfer", "handover", "close"}


def test_a_written_special_arrangement_waits_for_its_signatures(new_ticket, people):
    ticket = in_state(new_ticket, TicketState.COMMERCIAL_REVIEW, special_plan="按特殊方案处理")
    seen = _agree(ticket, people)
    assert "hand_over_plan" not in seen[f"p_{Role.SALES_MANAGER}"]  # offered disabled
    assert "special_plan" in seen[f"p_{Role.SALES_MANAGER}"]


def test_a_ticket_waiting_for_the_customer(new_ticket, people):
    ticket = ticket_wait_for_customer(
        new_ticket, by=people[Role.HOTLINE_ENGINEER], reason="information", note="请发截图"
    )
    seen = _agree(ticket, people)
    hotline = seen[f"p_{Role.HOTLINE_ENGINEER}"]
    assert "customer_answered" in hotline and "wait_for_customer" not in hotline


def test_the_check_fails_when_a_channel_drifts(new_ticket, people, monkeypatch):
    """The parity check can fail: a portal page that drops one declared action is
    caught."""
    from tickets.views import tickets as views

    real = views.action_panels

    def without_answer(*args, **kwargs):
        return [s for s in real(*args, **kwargs) if s.name != "answer"]

    monkeypatch.setattr(views, "action_panels", without_answer)
    with pytest.raises(AssertionError, match="portal"):
        _agree(new_ticket, people)
