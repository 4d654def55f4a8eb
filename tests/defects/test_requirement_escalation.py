"""Requirement disagreements escalate to the region lead like defect disagreements do
(docs/domain.md §requirement.escalate): the point is recorded with the time, the region
leads are told, the state stays, and it is audited (history reason and domain event)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from defects.choices import RequirementState
from defects.models import OPEN_REQUIREMENT_STATES
from defects.services import requirement_escalate
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification
from tests.defects.factories import in_state, record_requirement, reload

pytestmark = pytest.mark.django_db

POINT = "客户认为属于合同范围内的报表调整，销售认为是新增开发，双方意见不一致。"


@pytest.fixture
def item(sales, customer):
    return record_requirement(sales, customer)


def test_escalation_tells_the_region_lead_and_keeps_the_point(item, sales, region_lead):
    item = in_state(item, RequirementState.QUOTED)
    escalated = requirement_escalate(item, by=sales, point=POINT)
    assert escalated.state == RequirementState.QUOTED
    assert escalated.escalation_point == POINT and escalated.escalated_at is not None
    note = Notification.objects.get(kind="requirement_escalated", target_id=item.pk)
    assert note.recipient == region_lead and note.body == POINT
    assert note.url == item.get_absolute_url()
    event = DomainEvent.objects.get(kind="requirement.escalate", target_id=item.pk)
    assert event.actor == sales and event.data["point"] == POINT
    row = reload(item).history.first()
    assert row.history_change_reason == "escalate" and row.history_user == sales


@pytest.mark.parametrize("state", OPEN_REQUIREMENT_STATES)
def test_open_requests_escalate(item, sales, region_lead, state):
    item = in_state(item, state)
    assert requirement_escalate(item, by=sales, point=POINT).state == state


@pytest.mark.parametrize(
    "state",
    [RequirementState.DECLINED, RequirementState.WORKAROUND, RequirementState.CUSTOMER_ACCEPTED],
)
def test_closed_requests_do_not_escalate(item, sales, region_lead, state):
    item = in_state(item, state)
    with pytest.raises(TransitionConflict):
        requirement_escalate(item, by=sales, point=POINT)


def test_the_point_is_required_and_a_region_lead_must_exist(item, sales, make_user):
    with pytest.raises(ApplicationError) as exc:
        requirement_escalate(item, by=sales, point=" ")
    assert "point" in exc.value.extra
    with pytest.raises(ApplicationError):
        requirement_escalate(item, by=sales, point=POINT)  # nobody to escalate to
    make_user(Role.REGION_LEAD)
    assert requirement_escalate(item, by=sales, point=POINT).escalated_at is not None


def test_people_outside_the_request_cannot_escalate(item, region_lead, make_user):
    auditor = make_user(Role.AUDITOR)
    with pytest.raises(NotPermitted):
        requirement_escalate(item, by=auditor, point=POINT)


def test_portal_and_api(client, item, sales, evaluator, region_lead):
    client.force_login(evaluator)  # the evaluator disagrees with the sales manager
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="action-escalate"' in page
    response = client.post(
        reverse("defects:requirement-action", args=[item.pk, "escalate"]), {"escalate-point": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("defects:requirement-action", args=[item.pk, "escalate"]),
        {"escalate-point": POINT},
    )
    assert response.status_code == 302
    page = client.get(item.get_absolute_url()).content.decode()
    assert POINT in page and 'data-testid="escalated"' in page
    assert Notification.objects.filter(kind="requirement_escalated").count() == 1

    api = APIClient()
    api.force_authenticate(sales)
    again = api.post(
        f"/api/v1/requirements/{item.pk}/transitions/escalate/",
        {"point": "价格仍有分歧"},
        format="json",
    )
    assert again.status_code == 200, again.content
    assert again.json()["escalation_point"] == "价格仍有分歧"
    assert Notification.objects.filter(kind="requirement_escalated").count() == 2
