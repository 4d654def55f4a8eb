"""Browser harness: headless Debian Chromium (Playwright, sync API) against ``live_server``.

One browser per session, a fresh context and page per test. When a test fails, the page
is saved as a full-page screenshot to ``var/test-results/<test name>.png``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The sync API runs an asyncio loop in this thread; Django's async-unsafe guard would
# otherwise refuse every ORM call made by the test itself.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

RESULTS_DIR = Path(__file__).resolve().parents[2] / "var" / "test-results"
# Generous: on a loaded 2-core CI machine a page with a PDF or a board can take seconds
# (CI once saw a form's answer take over 20 s while other work ran beside the suite).
DEFAULT_TIMEOUT_MS = 30_000
# Navigations (a form posted, a page opened) wait longer still: a user waits for them.
NAVIGATION_TIMEOUT_MS = 60_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # No internet here: without these Chromium keeps dialling Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEVICES = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    # A common phone (iPhone 12-15 size); field engineers sign on these.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if os.path.exists(path):
        return path
    return shutil.which("chromium") or path


def result_path(name: str, suffix: str = ".png") -> Path:
    """A file in var/test-results/ named after ``name`` (made safe for file systems)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR / (re.sub(r"[^\w.-]+", "_", name).strip("_") + suffix)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # rep_setup / rep_call / rep_teardown: the page fixture looks at rep_call.
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    launch_context = browser.new_context

    def new_context(**kwargs):
        """Every context a test opens (a second user, a phone) waits as long as ours, and
        asks for reduced motion: a panel then opens at once (Bootstrap drops its height
        transition), so a click never lands while the panel is still sliding open under
        the card below it (CI once saw a checkbox covered so for 30 s on a loaded machine)."""
        kwargs.setdefault("reduced_motion", "reduce")
        context = launch_context(**kwargs)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        return context

    browser.new_context = new_context
    yield browser
    browser.close()


@pytest.fixture
def device(request) -> dict:
    """Screen of the test's browser: ``desktop`` unless the test says
    ``@pytest.mark.parametrize("device", ["phone"], indirect=True)``."""
    return DEVICES[getattr(request, "param", "desktop")]


@pytest.fixture(autouse=True)
def _product_language(settings) -> None:
    """The product speaks Chinese by default; the unit tests' settings use English."""
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def context(browser, live_server, device) -> Iterator:
    # A browser set to Chinese, as at the customers' desks: Django's LocaleMiddleware
    # would serve English to Chromium's default Accept-Language (en-US).
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **device,
    )
    yield context
    context.close()


@pytest.fixture
def page(context, request) -> Iterator:
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, open_page in enumerate(context.pages):
            suffix = "" if number == 0 else f"-{number}"
            try:
                open_page.screenshot(
                    path=str(result_path(request.node.name + suffix)), full_page=True
                )
            except Exception as exc:  # a crashed page must not hide the real failure
                print(f"screenshot of {request.node.name}{suffix} failed: {exc}")
        print(_server_state())


def _server_state() -> str:
    """What the live server was doing when a browser test failed: the stacks of its
    request threads and the database sessions that were not idle (a lock wait shows
    there). A page that never navigates is then explained in the test's output."""
    import sys
    import threading
    import traceback

    lines = ["--- live server threads at failure"]
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        stack = traceback.extract_stack(frame)
        if not any("django" in f.filename or "wsgiref" in f.filename for f in stack):
            continue
        if ident == threading.get_ident():
            continue
        lines.append(f"thread {names.get(ident, ident)}:")
        lines.extend("  " + line.rstrip() for line in traceback.format_list(stack[-12:]))
    try:
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, state, wait_event_type, wait_event, "
                    "now() - xact_start, left(query, 200) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state <> 'idle'"
                )
                lines.append("--- database sessions not idle")
                lines.extend(repr(row) for row in cursor.fetchall())
    except Exception as exc:  # diagnostics must not hide the real failure
        lines.append(f"(database sessions not read: {exc})")
    return "\n".join(lines)


@pytest.fixture(name="result_path")
def result_path_fixture() -> Callable[..., Path]:
    """``result_path("calendar_confirmation", ".pdf")``: where to keep an artefact."""
    return result_path


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Save a deliberate full-page screenshot: ``screenshot(page, "dashboard-desktop")``."""

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = result_path(name)
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def demo_staff(transactional_db):
    """The demo company's staff (password ``DEMO_PASSWORD``) and the default calendars.

    ``transactional_db`` flushes every table after each test, so the rows the data
    migrations created (role groups, calendars) are recreated here.
    """
    from servicedesk.core.demo import load_staff
    from servicedesk.core.roles import sync_role_permissions
    from servicedesk.core.services.calendar import calendar_ensure_defaults

    sync_role_permissions()
    calendar_ensure_defaults()
    return {username: name for username, name, _role in load_staff()}


@pytest.fixture
def demo_password() -> str:
    from servicedesk.core.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


@pytest.fixture
def login(live_server) -> Callable[..., None]:
    """``login(page, username, password)``: log in through the login form.

    Waits until the browser has left the login page; the caller asserts what it expects
    to see (the dashboard, an error, ...).
    """
    from playwright.sync_api import expect

    def do_login(page, username: str, password: str, *, expect_success: bool = True) -> None:
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.get_by_test_id("login-submit").click()
        if expect_success:
            expect(page.get_by_test_id("dashboard-title")).to_be_visible()

    return do_login
