"""An unknown caller is recorded, never refused (docs/domain.md §hotline.unknown-caller): from the
intake the engineer records the caller as a new customer (company, caller, phone); the
request has no contract behind it, so it goes to the arbiter as undetermined; a first
visit is created for the new customer (contracts app)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.choices import EntitlementResult, FirstVisitState
from contracts.models import Contact, Customer, FirstVisit
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import Notification
from tests.tickets.factories import make_customer, take_call
from tickets.choices import TicketState
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]

CALLER = {
    "caller_company": "无锡新源纺织有限公司",
    "caller_name": "周会计",
    "caller_phone": "13912345678",
    "product": "U8",
    "description": "月末结账提示有未记账凭证",
}


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="wangjing")


@pytest.fixture
def agent(make_user):
    return make_user(Role.FIRST_VISIT_AGENT, username="wufang")


@pytest.fixture
def arbiter(make_user):
    return make_user(Role.DIRECTOR, username="zhaomin")


def test_intake_records_an_unknown_caller_as_a_new_customer(engineer, agent, arbiter):
    ticket = take_call(engineer, None, new_customer=True, **CALLER)

    customer = Customer.objects.get(name="无锡新源纺织有限公司")
    assert ticket.customer == customer
    contact = Contact.objects.get(customer=customer)
    assert (contact.name, contact.mobile, contact.is_primary) == ("周会计", "13912345678", True)
    # No contract: undetermined, with the arbiter.
    assert ticket.entitlement == EntitlementResult.UNDETERMINED
    assert ticket.state == TicketState.SCOPE_REVIEW
    assert Notification.objects.filter(recipient=arbiter, kind="scope_review").exists()
    # A first visit for the new customer, with the agent, who is told.
    visit = FirstVisit.objects.get(customer=customer)
    assert visit.contract is None
    assert visit.agent == agent
    assert visit.state == FirstVisitState.PENDING
    assert Notification.objects.filter(recipient=agent, kind="first_visit").exists()
    # Audited with the engineer.
    assert customer.history.get().history_user == engineer


def test_a_landline_goes_to_the_contact_phone_and_the_main_phone(engineer):
    take_call(engineer, None, new_customer=True, **{**CALLER, "caller_phone": "0510-8888 1234"})
    customer = Customer.objects.get()
    assert customer.phone == "0510-8888 1234"
    assert customer.contacts.get().phone == "0510-8888 1234"


def test_without_customer_or_new_customer_the_intake_still_says_what_to_do(engineer):
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, None, **CALLER)
    assert "new customer" in exc.value.extra["customer"][0]
    assert not Customer.objects.exists()


def test_a_known_company_is_not_recorded_twice(engineer):
    known = make_customer(engineer, name=CALLER["caller_company"])
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, None, new_customer=True, **CALLER)
    assert list(exc.value.extra) == ["caller_company"]
    assert Customer.objects.get() == known
    assert not Ticket.objects.exists()
    assert not FirstVisit.objects.exists()


def test_bad_input_records_nothing(engineer):
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, None, new_customer=True, **{**CALLER, "caller_company": "公" * 201})
    assert list(exc.value.extra) == ["caller_company"]
    assert not Customer.objects.exists()
    assert not Ticket.objects.exists()


# -- portal ------------------------------------------------------------------------------


def _post(client, **fields):
    data = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "customer": "",
        "new_customer": "",
        "service_type": "phone_support",
        "channel": "phone",
        "severity": "normal",
        "kind": "request",
        **CALLER,
        **fields,
    }
    return client.post("/tickets/new/", data)


def test_portal_intake_records_the_new_customer(client, engineer, agent):
    client.force_login(engineer)
    page = client.get("/tickets/new/")
    assert b'data-testid="new-customer"' in page.content

    response = _post(client, new_customer="1")
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get()
    assert ticket.customer.name == CALLER["caller_company"]
    assert ticket.state == TicketState.SCOPE_REVIEW
    assert FirstVisit.objects.filter(customer=ticket.customer, contract=None).exists()


def test_portal_intake_without_a_customer_explains_the_way_on(client, engineer):
    client.force_login(engineer)
    response = _post(client)
    assert response.status_code == 400
    assert "record the caller as a new customer" in response.content.decode()
    assert not Customer.objects.exists()


def test_portal_lookup_without_match_offers_the_new_customer(client, engineer):
    client.force_login(engineer)
    response = client.get("/tickets/new/lookup/", {"q": "无锡新源"})
    assert b'data-testid="lookup-new-customer"' in response.content


# -- API ---------------------------------------------------------------------------------


def test_api_records_the_new_customer(engineer, agent):
    api = APIClient()
    api.force_authenticate(engineer)
    response = api.post("/api/v1/tickets/", {**CALLER, "new_customer": True}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["customer_name"] == CALLER["caller_company"]
    assert data["entitlement"] == "undetermined"
    assert data["state"] == "scope_review"
    visit = FirstVisit.objects.get(customer_id=data["customer"])
    api.force_authenticate(agent)
    shown = api.get(f"/api/v1/first-visits/{visit.pk}/")
    assert shown.status_code == 200, shown.content
    assert (shown.json()["contract"], shown.json()["contract_number"]) == (None, "")


def test_api_known_company_is_a_400_on_the_company(engineer):
    make_customer(engineer, name=CALLER["caller_company"])
    api = APIClient()
    api.force_authenticate(engineer)
    response = api.post("/api/v1/tickets/", {**CALLER, "new_customer": True}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["caller_company"]


def test_the_ticket_page_shows_the_arbiters_ruling(client, engineer, arbiter):
    """The entitlement stays what the intake found (undetermined); the ruling that decided
    it is shown next to it, so nobody reads "undetermined" after the arbiter ruled."""
    from tickets.services import ticket_scope_decide

    ticket = take_call(engineer, None, new_customer=True, **CALLER)
    ticket_scope_decide(ticket, by=arbiter, in_scope=True, note="按首访后补签合同处理")
    client.force_login(engineer)
    html = client.get(ticket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="scope-ruling"' in html
    assert "按首访后补签合同处理" in html
