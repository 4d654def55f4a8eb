"""Live boards and the bell in the browser (issue 16 §5, docs/architecture.md §live-boards).

The service manager keeps the ticket board open; the hotline engineer shelves a ticket in
another browser: the manager's board moves the card by itself (no reload), after polls that
were answered 304 while nothing changed. The bell's tray marks one notification read, then
all of them; a new notification shows up on the bell by itself. Screenshots: the ticket
board and the tray on a desktop; the three boards, the leave calendar (leave recorded through
its form) and the tray on a 390×844 phone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the root conftest's rule: skip locally, fail under CI=true
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("these tests need the playwright package", allow_module_level=True)

pytestmark = pytest.mark.browser

CUSTOMER = "无锡新吴精工机械有限公司"


@pytest.fixture
def fast_polls(settings):
    settings.LIVE_POLL_SECONDS = 1
    settings.NOTIFICATION_POLL_SECONDS = 1


@pytest.fixture
def board_data(demo_staff, transactional_db):
    """Seeded policies (the flush removed them), a customer and one new ticket."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from contracts.models import Contact, Customer
    from contracts.services import customer_save
    from tests.tickets.factories import make_contract
    from tickets.services import ticket_intake

    for module in (
        "servicedesk.core.migrations.0004_default_sla_policies",
        "tickets.migrations.0002_policies_and_lines",
    ):
        importlib.import_module(module).seed(apps, None)
    users = {u.username: u for u in get_user_model().objects.all()}
    customer = customer_save(
        customer=Customer(name=CUSTOMER, short_name="新吴精工", region="苏南"),
        by=users["qianjun"],
    )
    Contact.objects.create(customer=customer, name="钱会计", mobile="13961100002", is_primary=True)
    today = timezone.localdate()
    make_contract(  # in service: the ticket starts as new, and may be shelved
        users["qianjun"],
        customer,
        free=(today - dt.timedelta(days=30), today + dt.timedelta(days=300)),
        sign_on=today - dt.timedelta(days=30),
    )
    ticket = ticket_intake(
        by=users["wangjing"],
        customer=customer,
        caller_name="钱会计",
        caller_company=CUSTOMER,
        caller_phone="13961100002",
        product="用友U8",
        description="月末结账提示“存在未记账凭证”，但凭证列表为空。",
    )
    return {"ticket": ticket, "users": users}


def test_the_ticket_board_updates_itself_after_a_change_elsewhere(
    page, browser, live_server, fast_polls, board_data, demo_password, login, screenshot
):
    ticket = board_data["ticket"]
    statuses: list[int] = []
    page.on(
        "response",
        lambda r: statuses.append(r.status) if "/tickets/board/live/" in r.url else None,
    )
    login(page, "zhengwei", demo_password)
    page.goto("/tickets/board/")
    card = f"[data-ticket='{ticket.pk}']"
    expect(page.locator(f"section[data-state='new'] {card}")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    # Unchanged: the board asks and is told 304, twice at least.
    for _ in range(40):
        if statuses.count(304) >= 2:
            break
        page.wait_for_timeout(250)
    assert statuses.count(304) >= 2, statuses

    other = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    try:
        hotline = other.new_page()
        login(hotline, "wangjing", demo_password)
        hotline.goto(f"/tickets/{ticket.pk}/")
        hotline.get_by_test_id("action-shelve").click()
        form = hotline.get_by_test_id("form-shelve")
        form.locator("[name='shelve-reason']").fill("需要请教开发部")
        with hotline.expect_navigation():
            form.get_by_test_id("submit-shelve").click()
    finally:
        other.close()

    expect(page.locator(f"section[data-state='shelved'] {card}")).to_be_visible(timeout=30_000)
    expect(page.locator(f"section[data-state='new'] {card}")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, not reloaded
    assert 200 in statuses
    screenshot(page, "live-ticket-board-desktop")


def test_the_bell_tray_marks_read_and_the_count_follows(
    page, fast_polls, demo_staff, demo_password, login, screenshot
):
    from django.contrib.auth import get_user_model

    from servicedesk.core.services import notifications_create

    manager = get_user_model().objects.get(username="zhengwei")
    for number in (1, 2, 3):
        notifications_create(
            recipients=[manager],
            kind="sla_warning",
            title=f"服务单 FW-2026-00{number} 即将超时",
            url="/tickets/board/",
        )
    login(page, "zhengwei", demo_password)
    bell = page.get_by_test_id("bell")
    expect(bell.get_by_test_id("bell-count")).to_contain_text("3")
    bell.click()
    tray = page.get_by_test_id("notification-tray")
    expect(tray.get_by_test_id("tray-item")).to_have_count(3)
    tray.get_by_test_id("tray-read").first.click()
    expect(bell.get_by_test_id("bell-count")).to_contain_text("2")
    expect(tray.get_by_test_id("tray-read")).to_have_count(2)
    screenshot(page, "bell-tray-desktop", full_page=False)
    tray.get_by_test_id("tray-read-all").click()
    expect(tray.get_by_test_id("tray-done")).to_be_visible()
    expect(bell.get_by_test_id("bell-count")).to_have_count(0)
    expect(tray.get_by_test_id("tray-read")).to_have_count(0)

    # Something new arrives: the bell shows it without a reload.
    notifications_create(recipients=[manager], kind="x", title="新的派工单待核实")
    expect(bell.get_by_test_id("bell-count")).to_contain_text("1", timeout=30_000)


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_boards_tray_and_leave_calendar_on_a_phone(
    page, device, board_data, demo_password, login, screenshot
):
    from fieldservice.models import Engineer
    from servicedesk.core.services import notifications_create

    users = board_data["users"]
    notifications_create(
        recipients=[users["zhengwei"]], kind="sla_breach", title="服务单已超时：新吴精工 月末结账"
    )
    engineer = Engineer.objects.create(
        user=users["chengang"], region="苏南", certified_on=dt.date(2025, 1, 1)
    )
    name = "phone" if device["viewport"]["width"] < 500 else "desktop"
    login(page, "zhengwei", demo_password)
    for url, shot in (
        ("/tickets/board/", "ticket-board"),
        ("/dispatches/board/", "dispatch-board"),
        ("/defects/", "defect-board"),
    ):
        page.goto(url)
        expect(page.get_by_test_id("live-status")).to_be_visible()
        screenshot(page, f"live-{shot}-{name}")

    page.goto("/engineers/leave/")
    page.get_by_test_id("leave-new").click()
    form = page.get_by_test_id("leave-form")
    form.locator("[name='engineer']").select_option(str(engineer.pk))
    from django.utils import timezone

    day = timezone.localdate().replace(day=10)
    form.locator("[name='starts_on']").fill(f"{day:%Y-%m-%d}")
    form.locator("[name='ends_on']").fill(f"{day + dt.timedelta(days=2):%Y-%m-%d}")
    form.locator("[name='reason']").fill("年假")
    form.get_by_test_id("leave-save").click()
    row = page.locator(f"[data-testid='leave-row'][data-engineer-name='{engineer}']")
    expect(row.get_by_test_id("leave-cell")).to_have_count(3)
    expect(row.get_by_test_id("leave-days")).to_have_text("3")
    screenshot(page, f"leave-calendar-{name}")

    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("tray-item")).to_have_count(1)
    screenshot(page, f"bell-tray-{name}", full_page=False)
