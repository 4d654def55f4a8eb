"""A revisit that raises an issue with follow-up "ticket" opens a hotline ticket."""

import datetime as dt

import pytest

from contracts.services.visits import revisit_record, revisit_schedule
from servicedesk.core.choices import Role
from tickets.models import Ticket

from .factories import make_contact, make_contract

pytestmark = pytest.mark.django_db


def test_revisit_follow_up_ticket_is_opened_for_the_agent(make_user):
    sales = make_user(Role.SALES_MANAGER)
    agent = make_user(Role.FIRST_VISIT_AGENT, Role.HOTLINE_ENGINEER)
    contract = make_contract(sales)
    make_contact(contract.customer, mobile="13900001111", is_primary=True)
    revisit = revisit_schedule(
        customer=contract.customer,
        reason="post_visit",
        due_on=dt.date(2026, 3, 2),
        by=agent,
        contract=contract,
        assignee=agent,
    )
    revisit_record(
        revisit,
        by=agent,
        contact_name="李会计",
        opinion="整体满意",
        satisfaction=4,
        issue_raised="月末结账时报表取数不对",
        follow_up="ticket",
    )
    ticket = Ticket.objects.get()
    assert ticket.customer == contract.customer
    assert ticket.first_contact_owner == agent
    assert ticket.description == "月末结账时报表取数不对"
    assert ticket.caller_name == "李会计"
    assert ticket.caller_phone == "13900001111"


def test_revisit_without_follow_up_opens_nothing(make_user):
    sales = make_user(Role.SALES_MANAGER)
    agent = make_user(Role.FIRST_VISIT_AGENT)
    contract = make_contract(sales)
    revisit = revisit_schedule(
        customer=contract.customer,
        reason="post_visit",
        due_on=dt.date(2026, 3, 2),
        by=agent,
        assignee=agent,
    )
    revisit_record(revisit, by=agent, contact_name="李会计", opinion="满意", satisfaction=5)
    assert not Ticket.objects.exists()
