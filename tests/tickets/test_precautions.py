"""The caller is told the precautions (docs/domain.md §hotline.precautions: "对于能解决的问题要告知
用户预防措施与问题发生的原因"): a ticket answered on the phone records the cause and the
precautions told; they show on the ticket and print on the hotline record."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from tests.tickets.factories import make_contract, reload, take_call
from tickets.choices import TicketState
from tickets.models import Ticket
from tickets.printing import hotline_record

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]

ANSWER = {
    "problem": "凭证保存报错",
    "cause": "科目已停用",
    "solution": "启用科目后重新保存",
    "steps": "基础设置→会计科目→启用",
    "precautions": "停用科目前先确认没有未记账凭证",
}


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER)


@pytest.fixture
def ticket(make_user, engineer):
    sales = make_user(Role.SALES_MANAGER)
    return take_call(engineer, make_contract(sales).customer)


def test_answer_records_the_precautions_told(ticket, engineer):
    from tickets.services import ticket_answer

    ticket = ticket_answer(ticket, by=engineer, **ANSWER)
    assert reload(ticket).precautions == ANSWER["precautions"]


@pytest.mark.parametrize("missing", ["cause", "precautions"])
def test_answer_needs_the_cause_and_the_precautions(ticket, engineer, missing):
    from tickets.services import ticket_answer

    with pytest.raises(ApplicationError) as exc:
        ticket_answer(ticket, by=engineer, **{**ANSWER, missing: "  "})
    assert list(exc.value.extra) == [missing]
    assert reload(ticket).state == TicketState.NEW


def _texts(block) -> list[str]:
    if isinstance(block, printing.KeyValueGrid):
        return [str(part) for row in block.rows for part in row[:2]]
    return []


def test_the_precautions_print_on_the_hotline_record(ticket, engineer):
    from tickets.services import ticket_answer

    ticket = ticket_answer(ticket, by=engineer, **ANSWER)
    document = hotline_record(Ticket.objects.get(pk=ticket.pk))
    texts = [text for block in document.blocks for text in _texts(block)]
    assert "Precautions told to the caller" in texts
    assert ANSWER["precautions"] in texts


def test_portal_answer_form_asks_for_the_precautions(client, ticket, engineer):
    client.force_login(engineer)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="answer-precautions"' in page
    response = client.post(
        f"/tickets/{ticket.pk}/answer/", {f"answer-{k}": v for k, v in ANSWER.items()}
    )
    assert response.status_code == 302
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert ANSWER["precautions"] in page
    ct = ContentType.objects.get_for_model(Ticket).pk
    pdf = client.get(f"/print/{ct}/{ticket.pk}/hotline_record.pdf")
    assert pdf.status_code == 200
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert "停用科目前先确认" in text.replace("\n", "")


def test_api_answer_requires_and_returns_the_precautions(ticket, engineer):
    api = APIClient()
    api.force_authenticate(engineer)
    url = f"/api/v1/tickets/{ticket.pk}/transitions/answer/"
    without = {k: v for k, v in ANSWER.items() if k != "precautions"}
    response = api.post(url, without, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["precautions"]
    response = api.post(url, ANSWER, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["precautions"] == ANSWER["precautions"]
