"""The special arrangement of an out-of-scope request is signed (docs/domain.md
§hotline.special-plan, issue 10 item 21): when the sales manager's negotiation needs a special
arrangement, he writes the plan, he and the head of sales (the director) sign it — with the bound
staff signatures — and it is handed to the service owner; the ticket shows it."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification, Signature
from servicedesk.core.printforms import form_get, unsigned_document
from servicedesk.core.services.signatures import signature_record
from tests.fieldservice.factories import signature_png
from tests.tickets.factories import make_contract, reload, take_call
from tickets.choices import CommercialDecision, TicketState
from tickets.models import SPECIAL_PLAN_FORM, Ticket
from tickets.services import ticket_special_plan_hand_over, ticket_special_plan_write

pytestmark = pytest.mark.django_db

PLAN = "本次上门按半价 400 元收取，其余费用计入下年度服务合同续签优惠。"


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def people(make_user):
    return {
        "sales": make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军"),
        "other_sales": make_user(Role.SALES_MANAGER, username="sunli"),
        "director": make_user(Role.DIRECTOR, username="zhaomin", last_name="赵", first_name="敏"),
        "owner": make_user(Role.TECH_MANAGER, username="weidong", last_name="卫", first_name="东"),
        "hotline": make_user(
            Role.HOTLINE_ENGINEER, username="lihua", last_name="李", first_name="华"
        ),
    }


@pytest.fixture
def ticket(people):
    """A training request under a contract that covers only phone support: out of scope,
    with the sales manager negotiating."""
    customer = make_contract(people["sales"], scope=("phone_support",)).customer
    ticket = take_call(people["hotline"], customer, service_type="training")
    assert ticket.state == TicketState.COMMERCIAL_REVIEW
    return ticket


def sign(ticket: Ticket, role: str, by) -> Signature:
    return signature_record(
        target=ticket, form=SPECIAL_PLAN_FORM, signer_role=role, by=by, image=signature_png()
    )


def test_written_signed_by_both_and_handed_to_the_service_owner(ticket, people):
    sales, director, owner = people["sales"], people["director"], people["owner"]
    ticket = ticket_special_plan_write(ticket, by=sales, plan=PLAN)
    assert ticket.state == TicketState.COMMERCIAL_REVIEW and ticket.special_plan == PLAN
    assert Notification.objects.filter(kind="special_plan_to_sign", recipient=director).exists()
    # The printed arrangement carries the plan the signatures cover.
    doc = unsigned_document(form_get(Ticket, SPECIAL_PLAN_FORM), ticket)
    assert any(PLAN in str(getattr(block, "text", "")) for block in doc.blocks)

    # Not signed yet: refused with what is missing.
    with pytest.raises(TransitionConflict, match="销售经理、销售部负责人（总监）"):
        ticket_special_plan_hand_over(ticket, by=sales, owner=owner)

    # Bound signatures: the deal's sales manager and a director, nobody else.
    with pytest.raises(NotPermitted):
        sign(ticket, "sales_manager", people["other_sales"])
    with pytest.raises(NotPermitted):
        sign(ticket, "director", sales)
    with pytest.raises(NotPermitted):
        sign(ticket, "sales_manager", people["hotline"])
    first = sign(ticket, "sales_manager", sales)
    assert first.signer == sales and first.signer_name == "钱军"

    # Signed text no longer changes.
    with pytest.raises(TransitionConflict, match="已有签字"):
        ticket_special_plan_write(reload(ticket), by=sales, plan="改成全免")
    with pytest.raises(TransitionConflict, match="销售部负责人（总监）"):
        ticket_special_plan_hand_over(reload(ticket), by=sales, owner=owner)
    sign(ticket, "director", director)

    with pytest.raises(ApplicationError) as exc:  # only a service owner receives it
        ticket_special_plan_hand_over(reload(ticket), by=sales, owner=people["hotline"])
    assert "owner" in exc.value.extra
    handed = ticket_special_plan_hand_over(reload(ticket), by=sales, owner=owner, note="请安排")
    assert handed.state == TicketState.NEW
    assert handed.commercial_decision == CommercialDecision.SPECIAL
    assert handed.special_plan_owner == owner and handed.special_plan_handed_at is not None
    for person in (owner, people["hotline"]):
        assert Notification.objects.filter(
            kind="special_plan_handed_over", recipient=person, target_id=ticket.pk
        ).exists()
    assert DomainEvent.objects.filter(kind="ticket.hand_over_special_plan").exists()
    assert handed.history.first().history_change_reason == "hand_over_special_plan"


def test_the_ticket_page_shows_the_plan_its_signatures_and_the_hand_over(client, ticket, people):
    sales, director, owner = people["sales"], people["director"], people["owner"]
    client.force_login(sales)
    url = ticket.get_absolute_url()
    html = client.get(url).content.decode()
    assert 'data-testid="action-special_plan"' in html
    assert 'data-testid="action-hand_over_plan"' not in html  # no arrangement: none offered
    response = client.post(
        reverse("tickets:ticket-action", args=[ticket.pk, "special_plan"]),
        {"special_plan-plan": PLAN},
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert PLAN in html
    # Once in the timeline, in words (not again as a raw field change).
    from tickets.selectors import ticket_timeline

    entries = ticket_timeline(reload(ticket))
    assert [e.title for e in entries if e.title == "已制定特殊情况处理方案"]
    assert not [
        e for e in entries if any(c.get("field") == "special_plan" for c in e.changes or [])
    ]
    assert re.search(r'<button[^>]*disabled[^>]*data-testid="action-hand_over_plan"', html)
    assert "特殊情况处理方案尚缺签字：销售经理、销售部负责人（总监）。" in html
    link = re.search(r'href="([^"]+)" data-testid="sign-for-hand_over_plan-sales_manager"', html)
    assert link is not None

    # The sales manager signs from the link: as himself, no name typed.
    png = signature_png()
    signed = client.post(
        link.group(1).replace("&amp;", "&"), {"signer_role": "sales_manager", "image": png}
    )
    assert signed.status_code == 302 and signed["Location"] == url
    client.force_login(director)
    ct = ContentType.objects.get_for_model(Ticket)
    client.post(
        reverse("core:form-sign", args=[ct.pk, ticket.pk, SPECIAL_PLAN_FORM]),
        {"signer_role": "director", "image": png},
    )
    assert Signature.objects.filter(form=SPECIAL_PLAN_FORM).count() == 2

    client.force_login(sales)
    html = client.get(url).content.decode()
    assert 'data-testid="form-hand_over_plan"' in html
    assert "钱军" in html and "赵敏" in html
    response = client.post(
        reverse("tickets:ticket-action", args=[ticket.pk, "hand_over_plan"]),
        {"hand_over_plan-owner": owner.pk, "hand_over_plan-note": "请安排培训"},
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert 'data-testid="special-plan-handed"' in html and "卫东" in html
    assert reload(ticket).state == TicketState.NEW


def test_api_writes_signs_and_hands_over(ticket, people):
    sales, director, owner = people["sales"], people["director"], people["owner"]
    api = APIClient()
    api.force_authenticate(sales)
    base = f"/api/v1/tickets/{ticket.pk}"
    written = api.post(f"{base}/transitions/write_special_plan/", {"plan": PLAN}, format="json")
    assert written.status_code == 200, written.content
    assert written.json()["special_plan"] == PLAN
    early = api.post(f"{base}/transitions/hand_over_special_plan/", {"owner": owner.pk})
    assert early.status_code == 409 and "尚缺签字" in early.json()["detail"]
    png = signature_png()
    assert (
        api.post(
            f"{base}/signatures/",
            {"form": SPECIAL_PLAN_FORM, "signer_role": "director", "image": png},
            format="json",
        ).status_code
        == 403
    )
    for user, role in ((sales, "sales_manager"), (director, "director")):
        api.force_authenticate(user)
        response = api.post(
            f"{base}/signatures/",
            {"form": SPECIAL_PLAN_FORM, "signer_role": role, "image": png},
            format="json",
        )
        assert response.status_code == 201, response.content
    api.force_authenticate(sales)
    done = api.post(f"{base}/transitions/hand_over_special_plan/", {"owner": owner.pk})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "new"
    assert done.json()["commercial_decision"] == "special"
    assert done.json()["special_plan_owner"] == owner.pk


def test_the_commercial_decision_form_does_not_offer_the_special_arrangement(ticket, people):
    from tickets.services import ticket_commercial_decide

    with pytest.raises(ApplicationError):
        ticket_commercial_decide(ticket, by=people["sales"], decision=CommercialDecision.SPECIAL)
    assert reload(ticket).state == TicketState.COMMERCIAL_REVIEW
