"""A browser logs in over plain HTTP on an intranet name (SECURE_TRANSPORT=false).

The host is not localhost: Chromium treats localhost as a secure context and would
accept Secure cookies there, hiding the problem a real intranet address shows."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM_ARGS, DEFAULT_TIMEOUT_MS, chromium_path

from .conftest import ADMIN_PASSWORD, PLAIN_HOST

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {PLAIN_HOST} 127.0.0.1"],
        )
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def test_browser_login_over_plain_http(plain_server, browser_page):
    from playwright.sync_api import expect

    page = browser_page
    base = f"http://{PLAIN_HOST}:{plain_server.port}"
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("body")).to_contain_text("admin")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["secure"] is False
