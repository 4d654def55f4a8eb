"""A ticket's page lists the defects and requirements recorded from it and offers to
record one (prefilled through ``?ticket=``)."""

import pytest

from defects.services import defect_record
from tests.tickets.factories import make_contract, take_call

pytestmark = pytest.mark.django_db


def test_ticket_page_links_its_defects_and_offers_recording(client, make_user):
    sales = make_user("sales_manager")
    hotline = make_user("hotline_engineer")
    contract = make_contract(sales)
    ticket = take_call(hotline, contract.customer)
    client.force_login(hotline)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert f"/defects/new/?ticket={ticket.pk}" in page
    assert 'data-testid="ticket-defect-link"' not in page

    defect = defect_record(
        by=hotline,
        severity="important",
        title="凭证打印预览乱码",
        steps="1. 填制凭证\n2. 打印预览",
        customer_sees="摘要显示为乱码",
        product="U8 ERP",
        version="V13.0",
        module="总账",
        site=contract.customer.name,
        customer=contract.customer,
        ticket=ticket,
    )
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert defect.number in page and 'data-testid="ticket-defect-link"' in page


def test_no_recording_links_without_the_permission(client, make_user):
    sales = make_user("sales_manager")
    hotline = make_user("hotline_engineer")
    ticket = take_call(hotline, make_contract(sales).customer)
    auditor = make_user("auditor")
    client.force_login(auditor)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "/defects/new/" not in page
