"""Satisfaction surveys by one-time link (docs/architecture.md §links.surveys): a closed
ticket sends its caller a survey once; the answer is recorded once; a score of 2 or less
opens a complaint ticket for the technical manager with its deadline; the dashboard's
figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import CustomerLink, DomainEvent, LinkPurpose, LinkState, SlaTimer
from servicedesk.core.services.links import link_token
from servicedesk.core.services.surveys import survey_answer, survey_figures, survey_send
from tests.tickets.factories import make_contact, make_contract, take_call
from tickets.choices import TicketKind
from tickets.models import Ticket
from tickets.services import ticket_answer, ticket_close

pytestmark = pytest.mark.django_db

RESOLUTION = {
    "problem": "填制凭证后保存失败",
    "cause": "凭证中使用的会计科目已被停用",
    "solution": "在会计科目中重新启用该科目",
    "steps": "1. 基础设置→会计科目 2. 启用",
    "precautions": "停用科目前先确认",
}


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="lihua", last_name="李", first_name="华")


@pytest.fixture
def tech_manager(make_user):
    return make_user(Role.TECH_MANAGER, username="techlead")


@pytest.fixture
def customer(make_user):
    customer = make_contract(make_user(Role.SALES_MANAGER)).customer
    make_contact(customer, name="张会计", email="zhang@example.com", is_primary=True)
    return customer


@pytest.fixture
def closed_ticket(engineer, customer):
    ticket = take_call(engineer, customer)
    ticket = ticket_answer(ticket, by=engineer, **RESOLUTION)
    return ticket_close(ticket, by=engineer)


def test_closing_a_ticket_sends_one_survey(closed_ticket, engineer, settings, mailoutbox):
    link = CustomerLink.objects.get(purpose=LinkPurpose.SURVEY)
    assert link.target == closed_ticket and link.event_kind == "ticket.close"
    assert link.contact_name == "张会计" and link.created_by == engineer
    assert DomainEvent.objects.filter(kind="survey.sent").count() == 1
    # The same occasion again sends nothing more.
    assert survey_send(target=closed_ticket, occasion="ticket.close", by=engineer) is None
    assert CustomerLink.objects.filter(purpose=LinkPurpose.SURVEY).count() == 1


def test_good_answer_through_the_page(client, closed_ticket):
    link = CustomerLink.objects.get(purpose=LinkPurpose.SURVEY)
    url = reverse("core:link", args=[link_token(link)])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="survey-form"' in page.content.decode()
    bad = client.post(url, {"score": "9", "would_recommend": "yes"})
    assert bad.status_code == 400
    done = client.post(url, {"score": "5", "would_recommend": "yes", "comment": "很及时"})
    assert done.status_code == 200
    link.refresh_from_db()
    assert link.state == LinkState.ANSWERED and link.answer.score == 5
    assert client.get(url).status_code == 404  # once
    assert not Ticket.objects.filter(kind=TicketKind.COMPLAINT).exists()
    figures = survey_figures()
    assert figures == {"answers": 1, "average": 5.0, "recommend_percent": 100, "low": 0}


def test_dashboard_shows_satisfaction_to_managers(client, make_user, closed_ticket):
    link = CustomerLink.objects.get(purpose=LinkPurpose.SURVEY)
    survey_answer(link=link, score=4, would_recommend=True)
    client.force_login(make_user(Role.SERVICE_MANAGER))
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'data-testid="satisfaction-average">4.0<' in html
    client.force_login(make_user(Role.HOTLINE_ENGINEER))
    assert (
        'data-testid="satisfaction"' not in client.get(reverse("core:dashboard")).content.decode()
    )


def test_low_score_opens_a_complaint_for_the_tech_manager(closed_ticket, tech_manager):
    link = CustomerLink.objects.get(purpose=LinkPurpose.SURVEY)
    with pytest.raises(ApplicationError) as bad:
        survey_answer(link=link, score=2, would_recommend=False, comment="")
    assert "comment" in bad.value.extra  # a low score says why
    survey_answer(link=link, score=2, would_recommend=False, comment="工程师态度差，问题没解决")
    complaint = Ticket.objects.get(kind=TicketKind.COMPLAINT)
    assert complaint.assignee == tech_manager
    assert "工程师态度差" in complaint.description and complaint.customer == closed_ticket.customer
    deadline = SlaTimer.objects.for_subject(complaint).get(target="acknowledge")
    assert deadline.due_at > complaint.received_at
    assert survey_figures()["low"] == 1
    with pytest.raises(ApplicationError):  # answered once
        survey_answer(link=link, score=5, would_recommend=True)
