"""Survey answers feed the revisit records (docs/domain.md §revisit.survey): the follow-up
call scheduled for the surveyed record is recorded with the score, or a done revisit of
reason ``survey`` keeps it; ``satisfaction_by_month`` gives the dashboards every month's
figures from both calls and surveys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts.choices import RevisitReason, RevisitState
from contracts.models import Revisit
from contracts.selectors_visits import MonthSatisfaction, satisfaction_by_month
from contracts.services.visits import revisit_schedule
from servicedesk.core.choices import Role
from servicedesk.core.models import CustomerLink, LinkPurpose
from servicedesk.core.services.surveys import survey_answer
from tests.tickets.factories import make_contact, make_contract, take_call
from tickets.services import ticket_answer, ticket_close

pytestmark = pytest.mark.django_db

RESOLUTION = {
    "problem": "凭证保存失败",
    "cause": "科目停用",
    "solution": "重新启用科目",
    "steps": "基础设置→会计科目",
    "precautions": "停用前确认",
}


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER)


@pytest.fixture
def customer(make_user):
    customer = make_contract(make_user(Role.SALES_MANAGER)).customer
    make_contact(customer, name="张会计", email="zhang@example.com", is_primary=True)
    return customer


def close_ticket(engineer, customer):
    ticket = ticket_answer(take_call(engineer, customer), by=engineer, **RESOLUTION)
    return ticket_close(ticket, by=engineer)


def survey_of(ticket) -> CustomerLink:
    return CustomerLink.objects.get(purpose=LinkPurpose.SURVEY, target_id=ticket.pk)


def test_an_answer_becomes_a_done_revisit(engineer, customer):
    ticket = close_ticket(engineer, customer)
    survey_answer(link=survey_of(ticket), score=4, would_recommend=True, comment="响应很快")
    revisit = Revisit.objects.get(reason=RevisitReason.SURVEY)
    assert revisit.state == RevisitState.DONE and revisit.done_at is not None
    assert revisit.satisfaction == 4 and revisit.customer == customer
    assert revisit.source == ticket
    assert revisit.contact_name == "张会计"
    assert "响应很快" in revisit.opinion
    # The history says why in words (recorded by the system, not a person).
    assert revisit.history.filter(history_change_reason="survey answered").exists()


def test_the_scheduled_follow_up_call_takes_the_answer(engineer, customer):
    ticket = close_ticket(engineer, customer)
    call = revisit_schedule(
        customer=customer,
        reason=RevisitReason.POST_VISIT,
        due_on=timezone.localdate() + dt.timedelta(days=3),
        by=engineer,
        source=ticket,
    )
    survey_answer(link=survey_of(ticket), score=2, would_recommend=False, comment="没解决")
    call.refresh_from_db()
    assert call.state == RevisitState.DONE and call.satisfaction == 2
    assert "没解决" in call.opinion
    assert not Revisit.objects.filter(reason=RevisitReason.SURVEY).exists()


def test_satisfaction_by_month(engineer, customer, make_user):
    first = close_ticket(engineer, customer)
    second = close_ticket(engineer, customer)
    survey_answer(link=survey_of(first), score=5, would_recommend=True)
    survey_answer(link=survey_of(second), score=2, would_recommend=False, comment="太慢")
    today = timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    months = satisfaction_by_month(None, start, today)
    assert months[0].month == start and len(months) == 3
    assert months[-1] == MonthSatisfaction(
        month=today.replace(day=1), answers=2, average=3.5, low=1, surveys=2
    )
    assert all(m.answers == 0 and m.average is None for m in months[:-1])
    # Scoped to what the user may read: a manager sees them.
    manager = make_user(Role.SERVICE_MANAGER)
    assert satisfaction_by_month(manager, today, today)[-1].answers == 2
