"""Stock pages and channels (docs/domain.md §stock): the stock page by warehouse with its
low-stock warnings in a constant number of queries, the moves page's refusal in words,
loans and repairs outstanding, and portal / admin / API offering the loans' and faulty
parts' declared actions alike (docs/architecture.md §action-layer)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fieldservice.actions_stock import LOAN_ACTIONS, REPAIR_ACTIONS
from fieldservice.models.stock import LoanState, RepairState
from fieldservice.services.stock import (
    faulty_restock,
    faulty_send,
    faulty_tag,
    loan_approve,
    loan_refuse,
    loan_request,
    loan_return,
    stock_set_minimum,
)
from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree
from tests.fieldservice.factories import make_engineer, make_partner, new_dispatch
from tests.fieldservice.stock_factories import level, make_part, make_store, make_van, stock
from tests.tickets.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    users = {role: make_user(role) for role in Role.values}
    users["staff_tech"] = make_user(Role.TECH_MANAGER, is_staff=True)
    ours = make_engineer(make_user)
    other = make_engineer(make_user, partner=make_partner())
    users["loan_engineer"] = ours.user
    users["partner_engineer"] = other.user
    return users, ours


def _page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_stock_page_warns_of_low_stock_in_constant_queries(client, make_user):
    keeper = make_user(Role.SERVICE_MANAGER)
    store, other = make_store(), make_store("二号库")
    parts = [make_part(f"备件{i}") for i in range(6)]
    for i, part in enumerate(parts):
        if i:
            stock(keeper, part, store, i)
        stock_set_minimum(by=keeper, part=part, warehouse=store, min_quantity=3)
    stock(keeper, parts[0], other, 9)
    client.force_login(keeper)
    url = reverse("fieldservice:stock") + f"?warehouse={store.pk}"
    client.get(url)
    connection.queries_log.clear()  # a full log (a deque of 9,000) captures nothing
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="low-line"') == 3  # 0, 1 and 2 are below 3
    assert "Low stock" in html and "3 low" in html
    for i in range(20):
        part = make_part(f"更多{i}")
        stock(keeper, part, store, 1)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) > 0
    low = client.get(url + "&low=1").content.decode()
    assert low.count('data-testid="low-line"') == 3 and "更多0" not in low


def test_moves_page_refuses_a_shortage_in_words(client, make_user):
    engineer = make_engineer(make_user)
    keeper = make_user(Role.SERVICE_MANAGER)
    part, van = make_part("风扇"), make_van(engineer)
    stock(keeper, part, van, 1)
    client.force_login(engineer.user)
    url = reverse("fieldservice:stock-move-op", args=["issue"])
    body = {"part": part.part_number, "warehouse": van.pk, "quantity": 2}
    response = client.post(url, body)
    assert response.status_code == 400
    assert "Not enough stock" in response.content.decode()
    body["quantity"] = 1
    response = client.post(url, body)
    assert response.status_code == 302
    assert level(part, van) == 0
    # Receiving is the stock keeper's: the engineer is refused.
    assert client.get(reverse("fieldservice:stock-move-op", args=["receive"])).status_code == 403


def test_outstanding_lists_open_loans_and_repairs(client, make_user):
    keeper = make_user(Role.SERVICE_MANAGER)
    engineer = make_engineer(make_user)
    part, store = make_part("硬盘"), make_store()
    customer = make_customer(keeper)
    loan = loan_request(
        by=engineer.user, part=part, warehouse=store, customer=customer, purpose="test",
        reason="测试",
    )  # fmt: skip
    faulty = faulty_tag(by=engineer.user, part=part, fault="坏道", customer=customer)
    html = _page(client, keeper, reverse("fieldservice:stock-outstanding")).content.decode()
    assert loan.number in html and faulty.tag_number in html
    assert _page(client, keeper, loan.get_absolute_url()).status_code == 200
    page = _page(client, keeper, faulty.get_absolute_url()).content.decode()
    assert "Faulty part tag" in page  # the tag label is on the printed forms panel


def _loan_in(state, users, engineer):
    keeper, tech = users[Role.SERVICE_MANAGER], users[Role.TECH_MANAGER]
    part, store = make_part(), make_store()
    stock(keeper, part, store, 2)
    dispatch = new_dispatch(keeper)
    emergency = state == "emergency"
    loan = loan_request(
        by=engineer.user, part=part, warehouse=store, customer=dispatch.customer,
        dispatch=dispatch, purpose="replacement", reason="更换", emergency=emergency,
    )  # fmt: skip
    if state in (LoanState.ON_LOAN, LoanState.RETURNED):
        loan = loan_approve(loan, by=tech)
    if state == LoanState.RETURNED:
        loan = loan_return(loan, by=engineer.user, warehouse=store, test_record="正常")
    if state == LoanState.REJECTED:
        loan = loan_refuse(loan, by=tech, reason="不同意")
    return loan


@pytest.mark.parametrize(
    "state",
    [LoanState.REQUESTED, "emergency", LoanState.ON_LOAN, LoanState.RETURNED, LoanState.REJECTED],
)
def test_every_channel_offers_the_declared_loan_actions(state, people):
    users, engineer = people
    loan = _loan_in(state, users, engineer)
    seen = assert_channels_agree(
        LOAN_ACTIONS,
        loan,
        list(users.values()),
        portal_url=loan.get_absolute_url(),
        api_url=f"/api/v1/part-loans/{loan.pk}/",
    )
    tech = users[Role.TECH_MANAGER].username
    expected = {
        LoanState.REQUESTED: {"approve", "refuse"},
        "emergency": {"approve"},
        LoanState.ON_LOAN: {"give_back", "sell"},
        LoanState.RETURNED: set(),
        LoanState.REJECTED: set(),
    }[state]
    assert seen[tech] == expected
    # The engineer who asked sees the loan; another partner's engineer does not.
    assert seen[users["partner_engineer"].username] == set()
    if state == LoanState.ON_LOAN:
        assert seen[users["loan_engineer"].username] == {"give_back"}


@pytest.mark.parametrize(
    "state", [RepairState.TAGGED, RepairState.AT_REPAIR, RepairState.RESTOCKED]
)
def test_every_channel_offers_the_declared_repair_actions(state, people):
    users, engineer = people
    keeper = users[Role.SERVICE_MANAGER]
    part, store = make_part(), make_store()
    faulty = faulty_tag(by=engineer.user, part=part, fault="故障", dispatch=new_dispatch(keeper))
    if state in (RepairState.AT_REPAIR, RepairState.RESTOCKED):
        faulty = faulty_send(faulty, by=keeper, repairer="厂商")
    if state == RepairState.RESTOCKED:
        faulty = faulty_restock(faulty, by=keeper, warehouse=store, test_record="正常")
    seen = assert_channels_agree(
        REPAIR_ACTIONS,
        faulty,
        list(users.values()),
        portal_url=faulty.get_absolute_url(),
        api_url=f"/api/v1/faulty-parts/{faulty.pk}/",
    )
    expected = {
        RepairState.TAGGED: {"send", "restock", "write_off"},
        RepairState.AT_REPAIR: {"restock", "write_off"},
        RepairState.RESTOCKED: set(),
    }[state]
    assert seen[keeper.username] == expected
    assert seen[users["loan_engineer"].username] == set()
