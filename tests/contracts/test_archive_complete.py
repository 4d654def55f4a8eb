"""The customer archive is complete per contract (docs/domain.md §customer.archive:
以单一合同为最小单元建立客户服务档案): hotline tickets, on-site dispatches, customer service
reports, installation and acceptance documents and the contract copies, each under the contract it
belongs to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.models import ContractDocument
from contracts.services import contract_document_upload
from fieldservice.choices import DispatchState
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from tests.fieldservice.factories import advance, make_engineer, new_dispatch
from tests.tickets.factories import make_contract, make_customer, take_call

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(contract, kind: str, by) -> ContractDocument:
    return contract_document_upload(
        contract=contract,
        kind=kind,
        file=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
        by=by,
    )


def card_of(page: str, contract) -> str:
    card = page[page.index(f'data-contract="{contract.pk}"') :]
    return card[: card.index("</section>")]


@pytest.fixture
def archive(make_user):
    sales = make_user(Role.SALES_MANAGER, username="qianjun")
    manager = make_user(Role.SERVICE_MANAGER, username="zhengwei")
    hotline = make_user(Role.HOTLINE_ENGINEER, username="wangjing")
    tech = make_user(Role.TECH_MANAGER, username="weidong")
    engineer = make_engineer(make_user, username="chengang")
    customer = make_customer(sales, name="苏州精工机械制造有限公司", address="星湖街 328 号")
    erp = make_contract(sales, customer)
    hardware = make_contract(sales, customer, free=(dt.date(2026, 3, 1), dt.date(2028, 2, 28)))
    erp_call = take_call(hotline, customer, contract=erp)
    hardware_call = take_call(hotline, customer, contract=hardware, description="服务器告警")
    installation = advance(
        new_dispatch(manager, customer, contract=hardware, kind="installation"),
        DispatchState.COMPLETED,
        manager=manager,
        engineer=engineer,
    )
    repair = new_dispatch(manager, customer, contract=erp)  # requested, no report yet
    documents = {
        "redacted": upload(hardware, "redacted", sales),
        "full": upload(hardware, "full", sales),
        "install": upload(hardware, "install", tech),
        "acceptance": upload(hardware, "acceptance", tech),
        "design": upload(erp, "design", tech),
    }
    return {
        "sales": sales,
        "manager": manager,
        "tech": tech,
        "customer": customer,
        "erp": erp,
        "hardware": hardware,
        "erp_call": erp_call,
        "hardware_call": hardware_call,
        "installation": installation,
        "repair": repair,
        "documents": documents,
    }


def test_every_record_sits_under_the_contract_it_belongs_to(client, archive):
    client.force_login(archive["manager"])
    page = client.get(archive["customer"].get_absolute_url()).content.decode()
    erp, hardware = card_of(page, archive["erp"]), card_of(page, archive["hardware"])
    docs = archive["documents"]

    # hotline tickets (none showed before)
    assert 'data-testid="section-tickets"' in erp and 'data-testid="section-tickets"' in hardware
    assert archive["erp_call"].number in erp and archive["erp_call"].number not in hardware
    assert archive["hardware_call"].number in hardware
    # dispatches, and the customer service report of the completed one, signed
    assert archive["installation"].number in hardware
    assert archive["repair"].number in erp
    reports = hardware[hardware.index('data-testid="section-service_reports"') :]
    assert f'data-dispatch="{archive["installation"].pk}"' in reports
    assert 'data-signed="yes"' in reports
    assert 'data-testid="section-service_reports"' not in erp  # nothing completed there

    # installation and acceptance reports and the contract copies, per contract
    def link(kind: str) -> str:
        return reverse("contracts:contract-document", args=[archive["hardware"].pk, docs[kind].pk])

    for kind in ("install", "acceptance", "redacted"):
        assert link(kind) in hardware, kind
    assert link("full") not in hardware  # prices: management and sales only
    assert 'data-testid="technical-documents"' in hardware
    assert 'data-kind="design"' in erp and 'data-kind="install"' not in erp


def test_the_full_copy_stays_with_management_and_sales(client, archive):
    client.force_login(archive["tech"])
    page = client.get(archive["customer"].get_absolute_url()).content.decode()
    hardware = card_of(page, archive["hardware"])
    docs = archive["documents"]
    url = reverse("contracts:contract-document", args=[archive["hardware"].pk, docs["full"].pk])
    assert url not in hardware
    assert 'data-kind="redacted"' in hardware and 'data-kind="acceptance"' in hardware
    assert client.get(url).status_code == 403
    with pytest.raises(ApplicationError):
        upload(archive["hardware"], "full", archive["tech"])


def test_technical_documents_are_filed_from_the_contract_page(client, archive):
    client.force_login(archive["tech"])
    contract = archive["erp"]
    page = client.get(contract.get_absolute_url()).content.decode()
    assert 'data-testid="document-upload"' in page
    assert '<option value="full"' not in page  # not offered to who may not file it
    assert '<option value="acceptance"' in page
    response = client.post(
        reverse("contracts:contract-document-upload", args=[contract.pk]),
        {"kind": "acceptance", "file": SimpleUploadedFile("ys.pdf", PDF)},
    )
    assert response.status_code == 302
    assert contract.documents.filter(kind="acceptance", uploaded_by=archive["tech"]).exists()
    page = client.get(contract.get_absolute_url()).content.decode()
    technical = page[page.index('data-testid="technical-documents"') :]
    assert 'data-kind="acceptance"' in technical and 'data-kind="design"' in technical


def test_hotline_tickets_show_on_the_customer_page(client, make_user):
    sales = make_user(Role.SALES_MANAGER)
    hotline = make_user(Role.HOTLINE_ENGINEER)
    customer = make_customer(sales)
    contract = make_contract(sales, customer)
    ticket = take_call(hotline, customer)
    assert ticket.contract == contract
    client.force_login(hotline)
    page = client.get(customer.get_absolute_url()).content.decode()
    card = card_of(page, contract)
    assert f'data-ticket="{ticket.pk}"' in card
    assert ticket.get_absolute_url() in card
