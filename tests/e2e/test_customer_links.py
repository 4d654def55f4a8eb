"""Customer links in a real browser (issue 17, docs/architecture.md §links): the engineer
on site shows the QR code of the service report's signing link on their phone; the
customer opens the link on their own phone (a second browser context, no account), reads
the document, signs with a finger; the report then carries the customer's signature, the
visit can be completed without signing again, and the link is dead. A survey answered
with 2 opens a complaint for the technical manager."""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the root conftest's rule: skip locally, fail under CI=true
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("these tests need the playwright package", allow_module_level=True)

from tests.e2e.test_fieldservice import field_data  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def site(field_data):  # noqa: F811 - the imported fixture
    """The field service tests' customer in service, engineers and open call."""
    return field_data


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _draw(page: Page) -> None:
    pad = page.locator("canvas.signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for i, (fx, fy) in enumerate([(0.2, 0.3), (0.35, 0.75), (0.5, 0.25), (0.7, 0.7), (0.9, 0.3)]):
        page.mouse.move(x + w * fx, y + h * fy, steps=6 + i)
    page.mouse.up()


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_customer_signs_the_service_report_on_their_phone(
    browser,
    live_server,
    page,
    site,
    demo_password,
    login,
    result_path,
    screenshot,
):
    from fieldservice.choices import DispatchState
    from fieldservice.models import Dispatch
    from fieldservice.services import dispatch_complete, dispatch_save_report
    from servicedesk.core.models import CustomerLink, LinkState
    from tests.fieldservice.factories import REPORT, advance, new_dispatch

    users = site["users"]
    engineer = site["engineer"]
    dispatch = new_dispatch(users["zhengwei"], customer=site["customer"])
    dispatch = advance(
        dispatch, DispatchState.ON_SITE, manager=users["zhengwei"], engineer=engineer
    )
    report = dict(REPORT)
    dispatch = dispatch_save_report(dispatch, by=engineer.user, **report)

    # The engineer, on site, on a phone.
    login(page, engineer.user.username, demo_password)
    page.goto(dispatch.get_absolute_url())
    page.get_by_test_id("link-service_report").click()
    expect(page.get_by_test_id("link-new-form")).to_be_visible()
    assert page.locator("#id_contact_name").input_value() == "周会计"
    with page.expect_navigation():
        page.get_by_test_id("link-create").click()
    expect(page.get_by_test_id("link-qr").locator("svg")).to_be_visible()
    expect(page.get_by_test_id("link-sms")).to_contain_text("周会计")
    screenshot(page, "customer-link-qr-phone")
    path = urlsplit(page.get_by_test_id("link-url").input_value()).path

    # The customer's own phone: no account, no cookies.
    customer_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE
    )
    customer = customer_context.new_page()
    try:
        customer.goto(path)
        expect(customer.get_by_test_id("link-preview").locator("img").first).to_be_visible()
        screenshot(customer, "customer-link-sign-phone")
        _draw(customer)
        with customer.expect_navigation():
            customer.get_by_test_id("link-sign-submit").click()
        expect(customer.get_by_test_id("link-done")).to_contain_text("签名已记录")

        # The engineer sees the signature on the record and completes without signing again.
        page.goto(dispatch.get_absolute_url())
        expect(page.get_by_test_id("forms-panel")).to_contain_text("周会计")
        dispatch = Dispatch.objects.get(pk=dispatch.pk)
        assert dispatch.customer_signature_id is not None
        dispatch = dispatch_complete(dispatch, by=engineer.user, **report)
        assert dispatch.state == DispatchState.COMPLETED
        link = CustomerLink.objects.get()
        assert link.state == LinkState.SIGNED and link.opens.count() >= 2

        pdf = page.request.get(f"/print/{_ct(dispatch)}/{dispatch.pk}/service_report.pdf").body()
        assert pdf.startswith(b"%PDF")
        pdf_path = result_path("customer-link-service-report", ".pdf")
        pdf_path.write_bytes(pdf)
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", str(pdf_path), str(pdf_path.with_suffix(""))],
                check=True,
            )

        # The link is dead now: the same Chinese page as any unknown link.
        customer.goto(path)
        expect(customer.get_by_test_id("link-dead")).to_contain_text("该链接无法打开")
        screenshot(customer, "customer-link-dead-phone")
    finally:
        customer_context.close()


def test_low_survey_score_opens_a_complaint(
    browser,
    live_server,
    site,
    screenshot,
):
    from django.contrib.auth.models import Group

    from servicedesk.core.services.links import link_token
    from servicedesk.core.services.surveys import survey_send
    from tickets.choices import TicketKind
    from tickets.models import Ticket

    users = site["users"]
    tech = Group.objects.get(name="tech_manager").user_set.first()
    assert tech is not None
    link = survey_send(target=site["ticket"], occasion="ticket.close", by=users["wangjing"])
    assert link is not None
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE
    )
    customer = context.new_page()
    try:
        customer.goto(f"/l/{link_token(link)}/")
        form = customer.get_by_test_id("survey-form")
        form.get_by_test_id("score-2").click()
        form.get_by_test_id("would_recommend-no").click()
        form.locator("textarea[name='comment']").fill("等了三天才有人来，问题也没彻底解决")
        screenshot(customer, "survey-phone")
        with customer.expect_navigation():
            customer.get_by_test_id("survey-submit").click()
        expect(customer.get_by_test_id("link-done")).to_be_visible()
    finally:
        context.close()
    complaint = Ticket.objects.get(kind=TicketKind.COMPLAINT)
    assert complaint.assignee == tech
    assert "等了三天" in complaint.description


def _ct(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk
