"""The hotline in the browser (issue 5, Done when).

The hotline engineer (demo ``wangjing``) takes a call: she finds the customer by phone as
she types, sees "in scope", records the call, shelves the ticket, calls back and requests
an on-site visit. A second call, for a customer whose free service period has ended, lands
in the sales manager's queue (commercial review); the sales manager (``qianjun``) agrees a
charge and the ticket is back in the engineer's queue. The intake is also walked with the
keyboard only, and the screens are saved to ``var/screens/`` on a desktop and a phone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the root conftest's rule: skip locally, fail under CI=true
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("these tests need the playwright package", allow_module_level=True)

pytestmark = pytest.mark.browser

SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"
TICKET_URL = re.compile(r"/tickets/(\d+)/$")
PHONE = "13912345678"
IN_SCOPE_CUSTOMER = "苏州信达精密电子有限公司"
EXPIRED_CUSTOMER = "无锡华光机械有限公司"


@pytest.fixture
def hotline_data(demo_staff, transactional_db):
    """What the data migrations seed (``transactional_db`` flushed it) and two customers:
    one with a signed contract in service, one whose free service period has ended."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from contracts.models import Contact, Customer, InstalledProduct
    from contracts.services import contract_save_draft, contract_sign, customer_save

    for module in (
        "servicedesk.core.migrations.0004_default_sla_policies",
        "tickets.migrations.0002_policies_and_lines",
    ):
        importlib.import_module(module).seed(apps, None)
    sales = get_user_model().objects.get(username="qianjun")
    today = timezone.localdate()

    def customer_with_contract(name, short, mobile, contact, start, end, product):
        customer = customer_save(
            customer=Customer(name=name, short_name=short, region="苏南", sales_manager=sales),
            by=sales,
        )
        Contact.objects.create(customer=customer, name=contact, mobile=mobile, is_primary=True)
        InstalledProduct.objects.create(
            customer=customer, software=product, version="V10", licence_number=f"DG-{mobile[-4:]}"
        )
        contract = contract_save_draft(
            by=sales,
            data={
                "number": f"HT-{mobile[-6:]}",
                "customer": customer,
                "sales_manager": sales,
                "signed_on": start,
                "amount": Decimal("88000.00"),
                "scope_items": [
                    {"service_type": t, "quota": None, "quota_period": "year", "note": ""}
                    for t in ("phone_support", "remote_support", "repair")
                ],
                "free_period": {"starts_on": start, "ends_on": end},
            },
        )
        contract_sign(contract, by=sales)
        return customer

    current = customer_with_contract(
        IN_SCOPE_CUSTOMER,
        "信达电子",
        PHONE,
        "刘洋",
        today - dt.timedelta(days=60),
        today + dt.timedelta(days=300),
        "用友U8",
    )
    expired = customer_with_contract(
        EXPIRED_CUSTOMER,
        "华光机械",
        "13700001111",
        "陈红",
        today - dt.timedelta(days=420),
        today - dt.timedelta(days=40),
        "金蝶K3",
    )
    return {"current": current, "expired": expired}


def open_intake_and_find(page: Page, typed: str) -> None:
    page.goto("/tickets/new/")
    lookup = page.get_by_test_id("customer-lookup")
    expect(lookup).to_be_focused()
    lookup.press_sequentially(typed, delay=40)
    expect(page.get_by_test_id("lookup-option").first).to_be_visible()


def entitlement(page: Page, result: str):
    return page.locator(f"#entitlement-box [data-testid='entitlement'][data-result='{result}']")


def act(page: Page, action: str, fields: dict[str, str], state: str) -> None:
    """Open an action's form on the ticket page, fill it, submit, wait for the state."""
    page.get_by_test_id(f"action-{action}").click()
    form = page.get_by_test_id(f"form-{action}")
    for name, value in fields.items():
        form.locator(f"[name='{action}-{name}']").fill(value)
    with page.expect_navigation():  # the state may not change (call back): wait for the page
        form.get_by_test_id(f"submit-{action}").click()
    expect(page.locator(f"[data-testid='ticket-state'] [data-state='{state}']")).to_be_visible()


def test_hotline_engineer_takes_calls_and_sales_agrees_a_charge(
    page, context, hotline_data, demo_password, login
):
    login(page, "wangjing", demo_password)

    # 1. The phone rings: find the customer by the number as it is typed.
    open_intake_and_find(page, PHONE[:7])
    option = page.get_by_test_id("lookup-option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("信达")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("picked-customer")).to_contain_text(IN_SCOPE_CUSTOMER)
    expect(entitlement(page, "in_scope")).to_be_visible()
    expect(page.get_by_test_id("customer-contract")).to_contain_text("HT-")
    # The contact whose number matched and the only product are filled in.
    expect(page.locator("#id_caller_name")).to_have_value("刘洋")
    expect(page.locator("#id_caller_company")).to_have_value(IN_SCOPE_CUSTOMER)
    expect(page.locator("#id_product")).to_have_value("用友U8 V10")
    # Another service type is checked again at once.
    page.locator("#id_service_type").select_option("training")
    expect(entitlement(page, "out_of_scope")).to_be_visible()
    page.locator("#id_service_type").select_option("phone_support")
    expect(entitlement(page, "in_scope")).to_be_visible()

    page.locator("#id_caller_phone").fill(PHONE)
    page.get_by_test_id("symptoms").fill("月末结账时凭证无法保存，提示科目已被锁定。")
    page.get_by_test_id("intake-submit").click()
    expect(page).to_have_url(TICKET_URL)
    first_url = page.url
    expect(page.locator("[data-testid='ticket-state'] [data-state='new']")).to_be_visible()
    expect(page.locator("[data-testid='entitlement'][data-result='in_scope']")).to_be_visible()

    # 2. Shelve it to consult, call back within the hour, then request an on-site visit.
    act(page, "shelve", {"reason": "需要请教开发部"}, "shelved")
    expect(page.get_by_test_id("timers").last).to_contain_text("回电客户")
    act(page, "call_back", {"note": "已告知客户正在处理，稍后安排上门"}, "shelved")
    expect(page.get_by_test_id("timeline")).to_contain_text("已告知客户正在处理")
    act(
        page,
        "request_dispatch",
        {"notes": "需要现场检查数据库锁，带上备份盘"},
        "dispatch_requested",
    )
    expect(page.get_by_test_id("dispatch-notes")).to_contain_text("备份盘")
    page.goto("/tickets/")
    expect(page.get_by_test_id("queue")).to_contain_text(re.compile(r"RX\d{8}-\d{5}"))

    # 3. A second call: the customer's free service period has ended.
    open_intake_and_find(page, "华光")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("picked-customer")).to_contain_text(EXPIRED_CUSTOMER)
    expect(entitlement(page, "out_of_scope")).to_be_visible()
    expect(page.get_by_test_id("entitlement-route")).to_be_visible()
    page.locator("#id_caller_name").fill("陈红")
    page.locator("#id_caller_phone").fill("13700001111")
    page.get_by_test_id("symptoms").fill("金蝶K3 无法登录，提示许可已过期")
    page.get_by_test_id("intake-submit").click()
    expect(page).to_have_url(TICKET_URL)
    second_url = page.url
    assert second_url != first_url
    second = TICKET_URL.search(second_url).group(1)
    expect(
        page.locator("[data-testid='ticket-state'] [data-state='commercial_review']")
    ).to_be_visible()

    # 4. The sales manager finds it in his queue and agrees a charge with the customer.
    context.clear_cookies()
    login(page, "qianjun", demo_password)
    page.goto("/tickets/")
    row = page.locator(f"[data-testid='queue-row'][data-ticket='{second}']")
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    expect(page).to_have_url(second_url)
    page.get_by_test_id("action-commercial").click()
    form = page.get_by_test_id("form-commercial")
    form.locator("label[for='id_commercial-decision-charge_agreed']").click()
    form.locator("[name='commercial-amount']").fill("300")
    form.locator("[name='commercial-note']").fill("客户同意按次收费 300 元")
    form.get_by_test_id("submit-commercial").click()
    expect(page.locator("[data-testid='ticket-state'] [data-state='new']")).to_be_visible()
    expect(page.get_by_test_id("commercial-decision")).to_contain_text("300")

    # 5. Back in the engineer's queue, to be worked.
    context.clear_cookies()
    login(page, "wangjing", demo_password)
    page.goto("/tickets/")
    row = page.locator(f"[data-testid='queue-row'][data-ticket='{second}']")
    expect(row).to_be_visible()
    expect(row.locator("[data-state='new']")).to_be_visible()


def test_intake_with_the_keyboard_only(page, hotline_data, demo_password, login):
    login(page, "wangjing", demo_password)
    page.goto("/tickets/new/")
    expect(page.get_by_test_id("customer-lookup")).to_be_focused()
    page.keyboard.type("DG-5678", delay=40)  # the dongle number
    expect(page.get_by_test_id("lookup-option").first).to_be_visible()
    page.keyboard.press("Tab")  # Tab picks the highlighted customer
    expect(page.get_by_test_id("picked-customer")).to_contain_text(IN_SCOPE_CUSTOMER)
    expect(entitlement(page, "in_scope")).to_be_visible()
    # Nothing named the caller: the caller's name is next.
    expect(page.locator("#id_caller_name")).to_be_focused()
    page.keyboard.type("刘洋")
    page.keyboard.press("Tab")
    expect(page.locator("#id_caller_phone")).to_be_focused()
    expect(page.locator("#id_caller_phone")).to_have_value(PHONE)
    page.keyboard.press("Tab")  # company: filled
    page.keyboard.press("Tab")  # product: filled
    page.keyboard.press("Tab")  # service type
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("symptoms")).to_be_focused()
    page.keyboard.type("打印凭证时报表格式错乱")
    page.keyboard.press("Tab")  # severity: normal
    expect(page.get_by_test_id("severity-normal")).to_be_focused()
    page.keyboard.press("ArrowRight")  # → system down
    expect(page.get_by_test_id("severity-system_down")).to_be_checked()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("severity-normal")).to_be_checked()
    page.keyboard.press("Tab")  # kind: service request
    page.keyboard.press("Tab")  # needs on site
    page.keyboard.press("Space")
    expect(page.get_by_test_id("needs-on-site")).to_be_checked()
    page.keyboard.press("Tab")  # channel
    expect(page.locator("#id_channel")).to_be_focused()
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(TICKET_URL)
    expect(page.get_by_test_id("ticket-symptoms")).to_contain_text("报表格式错乱")


def test_intake_errors_in_the_browser(page, hotline_data, demo_password, login):
    login(page, "wangjing", demo_password)
    page.goto("/tickets/new/")
    page.get_by_test_id("intake-submit").click()
    expect(page.get_by_test_id("customer-error")).to_be_visible()
    expect(page.locator("#id_description.is-invalid")).to_be_visible()


@pytest.mark.parametrize("device", ["desktop", "phone"], indirect=True)
def test_unknown_caller_is_recorded_as_a_new_customer(
    page, device, hotline_data, demo_password, login
):
    """Issue 10 §8: nobody in the archive has the number; the engineer records the caller as
    a new customer from the intake; the ticket goes to the arbiter and the first-visit
    agent finds the new customer in the first-visit list."""
    from contracts.models import FirstVisit

    login(page, "wangjing", demo_password)
    page.goto("/tickets/new/")
    lookup = page.get_by_test_id("customer-lookup")
    lookup.press_sequentially("13655550000", delay=30)
    expect(page.get_by_test_id("lookup-empty")).to_be_visible()
    page.get_by_test_id("lookup-new-customer").click()
    expect(page.get_by_test_id("new-customer-note")).to_be_visible()
    # The typed number became the caller's; the company's name is next.
    expect(page.locator("#id_caller_phone")).to_have_value("13655550000")
    expect(page.locator("#id_caller_company")).to_be_focused()
    page.locator("#id_caller_company").fill("常州恒润化工有限公司")
    page.locator("#id_caller_name").fill("孙主任")
    page.locator("#id_product").fill("用友T3")
    page.get_by_test_id("symptoms").fill("新装的 T3 无法连接加密狗")
    page.get_by_test_id("intake-submit").click()
    expect(page).to_have_url(TICKET_URL)
    expect(page.locator("[data-testid='ticket-state'] [data-state='scope_review']")).to_be_visible()
    expect(page.locator("[data-testid='entitlement'][data-result='undetermined']")).to_be_visible()
    visit = FirstVisit.objects.get(customer__name="常州恒润化工有限公司")
    assert visit.contract is None

    page.context.clear_cookies()
    login(page, "wufang", demo_password)
    page.goto("/first-visits/")
    expect(page.locator("main")).to_contain_text("常州恒润化工有限公司")
    page.goto(f"/first-visits/{visit.pk}/")
    expect(page.get_by_test_id("no-contract")).to_be_visible()
    if device.get("is_mobile"):
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, width


@pytest.mark.parametrize("device", ["desktop", "phone"], indirect=True)
def test_hotline_screenshots(page, device, hotline_data, demo_password, login):
    from django.contrib.auth import get_user_model

    from tickets.services import ticket_intake, ticket_shelve

    engineer = get_user_model().objects.get(username="wangjing")
    customer = hotline_data["current"]
    tickets = []
    for i, text in enumerate(
        [
            "月末结账时凭证无法保存，提示科目已被锁定。",
            "服务器重启后客户端无法连接数据库，全厂停工。",
            "打印凭证时报表格式错乱，页边距不对。",
        ]
    ):
        tickets.append(
            ticket_intake(
                by=engineer,
                customer=customer,
                caller_name="刘洋",
                caller_company=customer.name,
                caller_phone=PHONE,
                product="用友U8 V10",
                description=text,
                severity="system_down" if i == 1 else "normal",
                needs_on_site=i == 1,
            )
        )
    ticket_shelve(tickets[0], by=engineer, reason="需要请教开发部")
    ticket_intake(
        by=engineer,
        customer=hotline_data["expired"],
        caller_name="陈红",
        caller_company=EXPIRED_CUSTOMER,
        caller_phone="13700001111",
        product="金蝶K3",
        description="金蝶K3 无法登录，提示许可已过期",
    )
    _roster_calls_and_articles(engineer)
    name = "phone" if device.get("is_mobile") else "desktop"
    SCREENS.mkdir(parents=True, exist_ok=True)
    login(page, "wangjing", demo_password)

    page.goto("/tickets/new/")
    page.get_by_test_id("customer-lookup").press_sequentially("1391234", delay=30)
    expect(page.get_by_test_id("lookup-option").first).to_be_visible()
    page.screenshot(path=str(SCREENS / f"hotline-lookup-{name}.png"), full_page=True)
    page.keyboard.press("Enter")
    expect(entitlement(page, "in_scope")).to_be_visible()
    page.get_by_test_id("symptoms").fill("凭证无法保存")
    page.screenshot(path=str(SCREENS / f"hotline-intake-{name}.png"), full_page=True)

    pages = [
        ("queue", "/tickets/"),
        ("detail", f"/tickets/{tickets[0].pk}/"),
        ("roster", "/roster/"),
        ("knowledge", "/knowledge/"),
        ("call-stats", "/calls/stats/"),
    ]
    for label, url in pages:
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        page.screenshot(path=str(SCREENS / f"hotline-{label}-{name}.png"), full_page=True)
        if name == "phone":
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (label, width)
    page.context.clear_cookies()
    login(page, "zhengwei", demo_password)
    page.goto("/tickets/board/")
    expect(page.get_by_test_id("board-card").first).to_be_visible()
    page.screenshot(path=str(SCREENS / f"hotline-board-{name}.png"), full_page=True)
    page.goto("/roster/")
    expect(page.get_by_test_id("shift-form")).to_be_visible()
    page.screenshot(path=str(SCREENS / f"hotline-roster-manager-{name}.png"), full_page=True)


def _roster_calls_and_articles(engineer) -> None:
    """Shifts this week (the engineer is on duty now), a day of calls, two articles."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests.tickets.factories import published
    from tickets.models import Call, HotlineLine
    from tickets.services.knowledge import article_save
    from tickets.services.roster import shift_plan

    users = get_user_model().objects
    manager, other = users.get(username="zhengwei"), users.get(username="fenglei")
    line = HotlineLine.objects.get()
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    shift_plan(
        by=manager,
        line=line,
        engineer=other,
        starts_at=now - dt.timedelta(hours=10),
        ends_at=now - dt.timedelta(hours=1),
    )
    shift_plan(
        by=manager,
        line=line,
        engineer=engineer,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
    )
    shift_plan(
        by=manager,
        line=line,
        engineer=other,
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=9),
    )
    for i in range(24):
        Call.objects.create(
            caller_phone=f"1390000{i:04d}",
            started_at=timezone.now() - dt.timedelta(hours=i % 5, days=i % 3),
            answered=i % 7 != 0,
            rings=1 + i % 4,
            duration_seconds=60 + 30 * i,
            engineer=engineer if i % 2 else other,
            line=line,
        )
    first = article_save(
        by=engineer,
        data={
            "title": "月末结账凭证无法保存（科目被锁定）",
            "product": "用友U8",
            "module": "总账",
            "symptoms": "结账时凭证无法保存，提示科目已被锁定",
            "cause": "异常退出后科目锁未释放",
            "solution": "在系统管理中清除异常任务和单据锁定，然后重新保存凭证。",
            "steps": "1. 系统管理 → 视图 → 清除异常任务\n2. 清除单据锁定\n3. 重新登录保存",
        },
    )
    second = article_save(
        by=engineer,
        data={
            "title": "客户端无法连接数据库服务器",
            "product": "用友U8",
            "symptoms": "服务器重启后客户端无法连接数据库",
            "solution": "启动 SQL Server 服务并检查 1433 端口",
        },
    )
    published(first)  # reviewed: intake suggests published articles only
    published(second)
