"""The portal as its users see it: headless Chromium against the live server.

Each test is one journey of a member of the demo company (``manage.py demo`` staff);
assertions are on what the user sees, waiting through Playwright's ``expect``.
"""

from __future__ import annotations

import math
import os
import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the root conftest's rule: skip locally, fail under CI=true
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("these tests need the playwright package", allow_module_level=True)

pytestmark = pytest.mark.browser

LOGIN_URL = re.compile(r"/accounts/login/(\?.*)?$")
CALENDAR_URL = re.compile(r"/calendars/\d+/(\?.*)?$")
SIGN_URL = re.compile(r"/sign/\d+/\d+/calendar_confirmation/")
MENU_BUTTON = "[data-bs-toggle='offcanvas'][data-bs-target='#sidebar']"


def open_calendar(page: Page, year: int, month: int) -> None:
    """The working calendar (``/calendars/`` is the default one), at the given month."""
    page.goto("/calendars/")
    expect(page).to_have_url(CALENDAR_URL)
    page.goto(f"{page.url.split('?')[0]}?year={year}&month={month}")
    expect(page.locator(f"h2[data-month='{year}-{month:02d}']")).to_be_visible()


def fetch_pdf(page: Page, href: str) -> bytes:
    """The printed form as the print button's new tab would get it (same session)."""
    response = page.request.get(href)
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    return body


def draw_signature(page: Page) -> None:
    """A signer's scrawl across the pad, as with a mouse or finger."""
    canvas = page.locator("canvas.signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(left + width * 0.1, top + height * 0.55)
    page.mouse.down()
    for step in range(1, 25):
        x = left + width * (0.1 + 0.7 * step / 24)
        y = top + height * (0.55 - 0.3 * math.sin(step / 3))
        page.mouse.move(x, y, steps=3)
    page.mouse.up()
    page.mouse.move(left + width * 0.3, top + height * 0.8)
    page.mouse.down()
    page.mouse.move(left + width * 0.85, top + height * 0.75, steps=8)
    page.mouse.up()


def open_sign_page(page: Page) -> None:
    """The sign page of the default calendar's confirmation form, as from its print list."""
    open_calendar(page, 2026, 10)
    page.goto(page.get_by_test_id("sign-calendar_confirmation").get_attribute("href"))
    expect(page).to_have_url(SIGN_URL)
    expect(page.locator("canvas.signature-pad")).to_be_visible()


def test_static_files_are_served(page):
    response = page.request.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/css")
    assert b"Bootstrap" in response.body()[:200]


def test_login_dashboard_and_logout(page, demo_staff, demo_password, login, screenshot):
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_test_id("login-form")).to_be_visible()

    # A mistyped password: the error is shown and the user stays on the login page.
    login(page, "zhengwei", "not-the-password", expect_success=False)
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        re.compile("正确的.*密码|correct .* password")
    )
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("#id_username")).to_have_value("zhengwei")
    expect(page.get_by_test_id("dashboard-title")).to_have_count(0)

    login(page, "zhengwei", demo_password)
    expect(page).to_have_url(re.compile(r"/$"))
    title = page.get_by_test_id("dashboard-title")
    expect(title).to_be_visible()
    expect(title).to_contain_text("郑")
    expect(title).to_contain_text("伟")
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_visible()
    expect(sidebar.locator("a.nav-link.active")).to_have_attribute("href", "/")
    expect(sidebar.locator("a.nav-link[href='/notifications/']")).to_be_visible()
    # Managers see the working calendar (core.view_workcalendar).
    expect(sidebar.locator("a.nav-link[href='/calendars/']")).to_be_visible()
    user_menu = page.get_by_test_id("user-menu")
    expect(user_menu).to_contain_text("郑")
    expect(user_menu).to_contain_text("伟")
    # No menu button on a desktop screen.
    expect(page.locator(MENU_BUTTON)).to_be_hidden()
    screenshot(page, "dashboard-desktop")

    user_menu.click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_test_id("login-form")).to_be_visible()
    # The session is gone: the dashboard asks for a login again.
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)


def test_user_name_in_chinese_order(page, demo_staff, demo_password, login):
    login(page, "zhengwei", demo_password)
    assert demo_staff["zhengwei"] == "郑伟"
    expect(page.get_by_test_id("user-menu")).to_contain_text("郑伟", timeout=1000)


def test_switch_language(page):
    html = page.locator("html")
    brand = page.locator(".navbar-brand")
    page.goto("/accounts/login/")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")
    expect(brand).to_have_text("服务运营台")
    expect(page.get_by_test_id("lang-zh-hans")).to_have_count(0)

    page.get_by_test_id("lang-en").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_test_id("login-submit")).to_have_text("Log in")
    expect(brand).to_have_text("Service desk")
    expect(page.get_by_test_id("lang-en")).to_have_count(0)

    page.get_by_test_id("lang-zh-hans").click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("login-submit")).to_have_text("登录")
    expect(page.get_by_test_id("lang-en")).to_be_visible()


def test_calendar_marks_holidays_and_prints_confirmation(
    page, demo_staff, demo_password, login, result_path
):
    login(page, "zhengwei", demo_password)
    page.locator("#sidebar a.nav-link[href='/calendars/']").click()
    expect(page).to_have_url(CALENDAR_URL)

    open_calendar(page, 2026, 10)
    # National Day (1-7 October 2026) and the Saturday worked in exchange (10 October).
    national_day = page.locator("td[data-date='2026-10-01']")
    expect(national_day).to_have_class(re.compile(r"\bholiday\b"))
    expect(page.locator("td[data-date='2026-10-07']")).to_have_class(re.compile(r"\bholiday\b"))
    makeup = page.locator("td[data-date='2026-10-10']")
    expect(makeup).to_have_class(re.compile(r"\bmakeup\b"))
    expect(makeup).not_to_have_class(re.compile(r"\boff\b"))
    expect(page.locator("td[data-date='2026-10-11']")).to_have_class(re.compile(r"\boff\b"))
    expect(page.locator("td[data-date='2026-10-12']")).not_to_have_class(
        re.compile(r"holiday|makeup|off")
    )

    print_button = page.get_by_test_id("print-calendar_confirmation")
    expect(print_button).to_be_visible()
    expect(print_button).to_have_attribute("target", "_blank")
    href = print_button.get_attribute("href")
    assert href and href.endswith("/calendar_confirmation.pdf")
    pdf = fetch_pdf(page, href)
    result_path("calendar_confirmation", ".pdf").write_bytes(pdf)


def test_sign_on_screen(page, demo_staff, demo_password, login, screenshot, result_path):
    from servicedesk.core.models import Signature

    login(page, "zhengwei", demo_password)
    open_calendar(page, 2026, 10)
    pdf_href = page.get_by_test_id("print-calendar_confirmation").get_attribute("href")
    unsigned = fetch_pdf(page, pdf_href)

    page.get_by_test_id("sign-calendar_confirmation").click()
    expect(page).to_have_url(SIGN_URL)
    expect(page.get_by_test_id("sign-form")).to_be_visible()
    signed_list = page.locator("ul.list-group")
    expect(signed_list.locator(".list-group-item")).to_have_count(1)  # "Not signed yet."

    draw_signature(page)
    assert page.evaluate("() => !window.deskSignaturePad.isEmpty()")
    # Staff sign as themselves: the signer is the logged-in user, no name is typed, and
    # the director's box is not his to sign.
    expect(page.get_by_test_id("signer-name")).to_have_text("郑伟")
    expect(page.locator("#id_signer_name")).to_have_count(0)
    expect(page.locator("#id_signer_role option[value='director']")).to_be_disabled()
    expect(page.get_by_test_id("sign-refused-director")).to_be_visible()
    page.locator("#id_signer_role").select_option("service_manager")
    # Only the viewport: a full-page shot resizes the window, which clears the pad.
    screenshot(page, "sign-desktop", full_page=False)
    page.get_by_test_id("sign-submit").click()

    # Back on the calendar, with the signer on the form's line.
    expect(page).to_have_url(CALENDAR_URL)
    expect(page.locator(".desk-messages .alert-success")).to_be_visible()
    forms_panel = page.get_by_test_id("forms-panel")
    expect(forms_panel.locator(".badge", has_text="郑伟")).to_be_visible()

    page.get_by_test_id("sign-calendar_confirmation").click()
    expect(page).to_have_url(SIGN_URL)
    expect(signed_list.locator(".list-group-item")).to_have_count(1)
    expect(signed_list.locator(".list-group-item").first).to_contain_text("郑伟")
    expect(signed_list.locator("a[href^='/verify/']")).to_be_visible()

    signature = Signature.objects.get()
    assert signature.signer_name == "郑伟"
    assert signature.signer_role == "service_manager"
    assert signature.signer.username == "zhengwei"
    assert signature.method == "drawn"
    assert signature.image.name.endswith(".png")

    signed = fetch_pdf(page, pdf_href)
    result_path("calendar_confirmation-signed", ".pdf").write_bytes(signed)
    assert signed != unsigned
    assert b"FontFile2" in signed
    assert b"/Subtype /Image" in signed


def test_sign_without_signature_is_refused(page, demo_staff, demo_password, login):
    from servicedesk.core.models import Signature

    login(page, "zhengwei", demo_password)
    open_calendar(page, 2026, 10)
    page.get_by_test_id("sign-calendar_confirmation").click()
    expect(page).to_have_url(SIGN_URL)

    page.locator("#id_signer_role").select_option("service_manager")
    page.get_by_test_id("sign-submit").click()

    errors = page.get_by_test_id("form-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text(re.compile("Draw the signature|签名"))
    expect(page).to_have_url(SIGN_URL)
    # What was chosen is kept, nothing was recorded.
    expect(page.locator("#id_signer_role")).to_have_value("service_manager")
    expect(page.locator(".desk-messages .alert-success")).to_have_count(0)
    assert Signature.objects.count() == 0


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_phone_layout(page, demo_staff, demo_password, login, screenshot):
    login(page, "zhengwei", demo_password)
    sidebar = page.locator("#sidebar")
    menu_button = page.locator(MENU_BUTTON)
    expect(page.get_by_test_id("dashboard-title")).to_be_in_viewport()
    expect(sidebar).to_be_hidden()
    expect(menu_button).to_be_visible()
    # The page fits the screen: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "dashboard-phone")

    menu_button.click()
    expect(sidebar).to_be_visible()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    calendar_link = sidebar.locator("a.nav-link[href='/calendars/']")
    # The menu scrolls on its own when it is longer than the screen.
    calendar_link.scroll_into_view_if_needed()
    expect(calendar_link).to_be_in_viewport()
    screenshot(page, "dashboard-phone-menu", full_page=False)

    calendar_link.click()
    expect(page).to_have_url(CALENDAR_URL)
    expect(sidebar).to_be_hidden()

    # Followed by URL, not clicked: in months with holidays the grid overflows the
    # screen and covers the button (test_phone_calendar_fits_screen).
    page.goto(page.get_by_test_id("sign-calendar_confirmation").get_attribute("href"))
    expect(page).to_have_url(SIGN_URL)
    expect(page.locator("canvas.signature-pad")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(page, "sign-phone")


# Regressions of bugs found by these tests: name order, signature pad resize, phone
# calendar width, Chinese holiday names, role labels on the sign page.


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_signature_survives_window_resize(page, demo_staff, demo_password, login):
    login(page, "zhengwei", demo_password)
    open_sign_page(page)
    draw_signature(page)
    # Scrolling on a phone hides the address bar: the window gets taller.
    page.set_viewport_size({"width": 390, "height": 900})
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
    page.get_by_test_id("sign-submit").click()
    expect(page.get_by_test_id("form-errors")).to_have_count(0, timeout=2000)


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_phone_calendar_fits_screen(page, demo_staff, demo_password, login):
    login(page, "zhengwei", demo_password)
    open_calendar(page, 2026, 10)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_calendar_holiday_names_in_chinese(page, demo_staff, demo_password, login):
    login(page, "zhengwei", demo_password)
    open_calendar(page, 2026, 10)
    expect(page.locator("td[data-date='2026-10-01']")).to_contain_text("国庆", timeout=1000)


def test_signature_role_shown_by_name(page, demo_staff, demo_password, login):
    login(page, "zhengwei", demo_password)
    open_sign_page(page)
    draw_signature(page)
    page.locator("#id_signer_role").select_option("service_manager")
    page.get_by_test_id("sign-submit").click()
    expect(page).to_have_url(CALENDAR_URL)
    page.get_by_test_id("sign-calendar_confirmation").click()
    signed = page.locator("ul.list-group .list-group-item").first
    expect(signed).to_contain_text("郑伟")
    expect(signed).not_to_contain_text("service_manager", timeout=1000)
