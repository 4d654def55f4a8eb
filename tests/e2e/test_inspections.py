"""One routine inspection on a phone (docs/domain.md §inspection): the daily run makes the
dispatch ahead of time; the manager verifies and assigns it; the engineer, on a 390×844
screen, confirms, agrees the time, checks in, fills the checklist item by item (a tap on
OK saves the line; a note typed and lost to a reload comes back), raises an issue as a
follow-up dispatch, finishes, and the customer signs the inspection report. The report
PDF is rendered to PNG to be looked at."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_fieldservice import PHONE_DEVICE, _act, _pdf_to_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _draw(page: Page, pad) -> None:
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for fx, fy in [(0.2, 0.3), (0.35, 0.75), (0.5, 0.25), (0.65, 0.7), (0.85, 0.35)]:
        page.mouse.move(x + w * fx, y + h * fy, steps=8)
    page.mouse.up()


@pytest.fixture
def inspection_data(demo_staff, transactional_db):
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from contracts.models import Contact, Customer
    from contracts.services import contract_save_draft, contract_sign, customer_save
    from fieldservice.models import Engineer
    from fieldservice.services import dispatch_assign, dispatch_verify
    from fieldservice.services.inspections import inspection_schedule_save, inspections_generate

    for module in (
        "servicedesk.core.migrations.0004_default_sla_policies",
        "contracts.migrations.0002_defaults",
    ):
        importlib.import_module(module).seed(apps, None)
    users = {u.username: u for u in get_user_model().objects.all()}
    sales, manager = users["qianjun"], users["zhengwei"]
    today = timezone.localdate()
    customer = customer_save(
        customer=Customer(
            name="常州天宁精密机械有限公司",
            short_name="天宁精密",
            address="常州市天宁区青洋北路 18 号 机房",
        ),
        by=sales,
    )
    Contact.objects.create(customer=customer, name="周主任", mobile="13961100001", is_primary=True)
    contract = contract_save_draft(
        by=sales,
        data={
            "number": "HT-E2E-XJ01",
            "customer": customer,
            "sales_manager": sales,
            "signed_on": today - dt.timedelta(days=30),
            "amount": Decimal("60000.00"),
            "scope_items": [
                {
                    "service_type": "routine_inspection",
                    "quota": 4,
                    "quota_period": "year",
                    "note": "",
                },
                {"service_type": "repair", "quota": None, "quota_period": "year", "note": ""},
            ],
            "free_period": {
                "starts_on": today - dt.timedelta(days=30),
                "ends_on": today + dt.timedelta(days=330),
            },
        },
    )
    contract = contract_sign(contract, by=sales)
    engineer = Engineer.objects.create(
        user=users["chengang"], region="华东", certified_on=dt.date(2025, 1, 1)
    )
    inspection_schedule_save(
        by=manager,
        contract=contract,
        starts_on=today + dt.timedelta(days=1),
        frequency_months=3,
        equipment="IBM Power 750 小型机\n存储 DS5020",
        includes_software=True,
        engineer=engineer,
    )
    assert inspections_generate(today=today)["created"] == 1
    from fieldservice.models.inspections import Inspection

    inspection = Inspection.objects.get()
    dispatch = dispatch_verify(inspection.dispatch, by=manager)
    dispatch_assign(
        dispatch,
        by=manager,
        engineer=engineer,
        planned_start=timezone.localtime() + dt.timedelta(minutes=30),
    )
    return inspection


def test_routine_inspection_on_a_phone(
    browser, live_server, inspection_data, demo_password, login, result_path, screenshot
):
    from django.utils import timezone

    from fieldservice.models.inspections import Inspection

    inspection = inspection_data
    phone = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE_DEVICE
    )
    mobile: Page = phone.new_page()
    login(mobile, "chengang", demo_password)
    mobile.goto(f"/dispatches/{inspection.dispatch_id}/")
    _act(mobile, "confirm", state="confirmed")
    appointment = timezone.localtime() + dt.timedelta(minutes=40)
    _act(
        mobile,
        "schedule",
        {
            "appointment_at": appointment.strftime("%Y-%m-%dT%H:%M"),
            "note": "周主任",
            "out_of_hours_reason": "客户要求",
        },
        state="scheduled",
    )
    _act(mobile, "check_in", state="on_site")
    with mobile.expect_navigation():
        mobile.get_by_test_id("open-checklist").click()
    items = mobile.get_by_test_id("check-item")
    expect(items).to_have_count(12)
    screenshot(mobile, "inspection-checklist-phone", full_page=False)

    # The first item: an issue with a note; the note survives a reload before saving.
    first = items.nth(0)
    first.locator("label.btn-outline-danger").click()
    first.locator("textarea").fill("机房温度 31℃，空调制冷不足")
    mobile.reload()
    first = mobile.get_by_test_id("check-item").nth(0)
    expect(first.locator("textarea")).to_have_value("机房温度 31℃，空调制冷不足")
    expect(first.locator(".draft-hint")).to_be_visible()
    first.locator("label.btn-outline-danger").click()
    with mobile.expect_navigation():
        first.get_by_test_id("item-save").click()
    expect(mobile.get_by_test_id("check-item").nth(0).get_by_test_id("item-result")).to_have_text(
        "有问题"
    )

    # One step from the issue to a follow-up dispatch.
    with mobile.expect_navigation():
        mobile.get_by_test_id("check-item").nth(0).get_by_test_id("raise-dispatch").click()
    expect(mobile.get_by_test_id("item-raised")).to_be_visible()

    # Every other item: one tap on OK saves it.
    for index in range(1, 12):
        item = mobile.get_by_test_id("check-item").nth(index)
        with mobile.expect_navigation():
            item.locator("label.btn-outline-success").click()
        expect(
            mobile.get_by_test_id("check-item").nth(index).get_by_test_id("item-result")
        ).to_have_text("正常")
    expect(mobile.get_by_test_id("checklist-progress")).to_have_text("12/12")

    _act(mobile, "finish", {"finish-summary": "建议尽快维修机房空调"})
    expect(mobile.get_by_test_id("record-state").locator("[data-state='checked']")).to_be_visible()
    screenshot(mobile, "inspection-checked-phone")

    # The customer signs the report on the phone.
    with mobile.expect_navigation():
        mobile.get_by_test_id("sign-inspection_report").click()
    form = mobile.get_by_test_id("sign-form")
    form.locator("[name='signer_role']").select_option("customer")
    form.locator("[name='signer_name']").fill("周主任")
    _draw(mobile, form.locator("canvas.signature-pad"))
    screenshot(mobile, "inspection-sign-phone")
    with mobile.expect_navigation():
        form.get_by_test_id("sign-submit").click()
    mobile.goto(f"/inspections/{inspection.pk}/")
    expect(mobile.get_by_test_id("record-state")).to_contain_text("客户已签字")
    screenshot(mobile, "inspection-signed-phone")
    assert Inspection.objects.get(pk=inspection.pk).state == "signed"

    href = mobile.get_by_test_id("print-inspection_report").get_attribute("href")
    response = mobile.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pngs = _pdf_to_png(response.body(), result_path, "inspection-report")
    assert pngs
    phone.close()
