"""The shared action panel on a phone, one record of each kind (docs/architecture.md
§action-layer), on the demo company's data, in Chinese.

For a ticket, a dispatch, a defect, a requirement, a contract, a first visit and a revisit,
the user whose work it is opens the panel of an action offered to them, fills it, submits it
and sees the success message in words; an action offered disabled states its reason under
the buttons. Timeouts are the harness's (20 s), which hold on a loaded 2-core machine.

Screens go to ``var/test-results/walk-*.png``.
"""

from __future__ import annotations

import importlib
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

# Fills what a form still needs with plausible values: the first offered choice, a date next
# year, a line of text, a link. Only visible fields (a radio group counts as visible).
FILL = """(form) => {
  for (const el of form.querySelectorAll('input, textarea, select')) {
    if (el.type === 'hidden' || el.type === 'file' || el.type === 'checkbox') continue;
    if (el.offsetParent === null && el.type !== 'radio') continue;
    if (el.tagName === 'SELECT') { if (!el.value && el.options.length > 1) el.selectedIndex = 1; }
    else if (el.type === 'radio') {
      const group = form.querySelectorAll('input[name="' + el.name + '"]');
      if (![...group].some((x) => x.checked)) group[0].checked = true;
    }
    else if (el.type === 'date') { if (!el.value) el.value = '2027-12-31'; }
    else if (el.type === 'datetime-local') { if (!el.value) el.value = '2027-01-08T10:00'; }
    else if (el.type === 'number') { if (!el.value) el.value = '1'; }
    else if (el.type === 'url') { if (!el.value) el.value = 'https://jira.example.com/U8-1'; }
    else if (!el.value) { el.value = '已电话确认，客户同意'; }
  }
}"""


@pytest.fixture
def demo(demo_staff, transactional_db):
    """The demo company (as ``manage.py demo`` loads it; ``transactional_db`` flushed the
    rows the data migrations seed, so they are seeded again first)."""
    from django.apps import apps

    for module in (
        "servicedesk.core.migrations.0004_default_sla_policies",
        "contracts.migrations.0002_defaults",
        "tickets.migrations.0002_policies_and_lines",
    ):
        importlib.import_module(module).seed(apps, None)
    with open(os.devnull, "w") as quiet:
        for app in ("contracts", "tickets", "defects", "fieldservice"):
            importlib.import_module(f"{app}.demo").load(stdout=quiet)


def _records() -> list[tuple[str, str, str]]:
    """(user, detail URL, action) for one record of each kind."""
    from contracts.models import Contract, FirstVisit, Revisit
    from defects.models import Defect, Requirement
    from fieldservice.models import Dispatch
    from tickets.models import Ticket

    return [
        ("zhengwei", Ticket.objects.order_by("pk").first().get_absolute_url(), "note"),
        (
            "zhengwei",
            Dispatch.objects.filter(state="requested").first().get_absolute_url(),
            "verify",
        ),
        (
            "weidong",
            Defect.objects.filter(state="reported").first().get_absolute_url(),
            "workaround",
        ),
        ("weidong", Requirement.objects.first().get_absolute_url(), "tracker"),
        (
            "qianjun",
            Contract.objects.filter(state="in_service").first().get_absolute_url(),
            "renew",
        ),
        ("wufang", FirstVisit.objects.filter(state="pending").first().get_absolute_url(), "start"),
        ("wufang", Revisit.objects.filter(state="scheduled").first().get_absolute_url(), "record"),
    ]


def _label(url: str, action: str) -> str:
    """The action's label in Chinese, as the success message names it."""
    from django.utils import translation

    from servicedesk.core.actions import registered_action_sets

    kinds = {
        "tickets": "tickets.Ticket",
        "dispatches": "fieldservice.Dispatch",
        "defects": "defects.Defect",
        "requirements": "defects.Requirement",
        "contracts": "contracts.Contract",
        "first-visits": "contracts.FirstVisit",
        "revisits": "contracts.Revisit",
    }
    label = kinds[url.strip("/").split("/")[0]]
    action_set = next(s for s in registered_action_sets() if s.model._meta.label == label)
    with translation.override("zh-hans"):
        return str(action_set[action].label)


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    # Enter in the password field: the page has a second submit button (the language switch).
    page.locator("#id_password").press("Enter")
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_each_kind_runs_an_action_from_its_panel(
    demo, browser, live_server, device, demo_password, screenshot
):

    for username, url, action in _records():
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **device
        )
        page = context.new_page()
        try:
            _log_in(page, username, demo_password)
            page.goto(url)
            button = page.get_by_test_id(f"action-{action}")
            expect(button).to_be_visible()
            label = _label(url, action)
            assert button.bounding_box()["height"] >= 44, f"{action}: under 44 px on a phone"
            # The shared panel (form-<action>) opens from its button; a page whose form is
            # the action itself (the revisit's record) shows it open, its button submits it.
            form = page.locator(
                f'[data-testid="form-{action}"], [data-testid="{action}-form"]'
            ).first
            if form.get_attribute("data-testid") == f"form-{action}":
                if not form.is_visible():
                    button.click()
                # Bootstrap's collapse animates: wait until it has finished opening.
                expect(page.locator(f"#action-{action}.collapse.show")).to_be_visible()
                submit = page.get_by_test_id(f"submit-{action}")
            else:
                submit = button
            expect(form).to_be_visible()
            form.evaluate(FILL)
            submit.click()
            message = page.locator(".desk-messages .alert-success, .alert-success").first
            expect(message).to_contain_text("已完成")
            text = message.inner_text()
            assert not re.search(r"[A-Za-z]{3,}", text), f"English in the message: {text}"
            assert label in text
            # No page scrolls sideways on the phone.
            widths = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert widths[0] <= widths[1], f"{url} scrolls sideways: {widths}"
            screenshot(page, f"walk-{action}-{url.strip('/').replace('/', '-')}")
        finally:
            context.close()


@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_a_disabled_action_says_why(demo, page: Page, demo_password, screenshot):
    """The engineer whose appointment has passed sees “reschedule” offered disabled, with the
    reason in words under the buttons (a visit is rescheduled before it, not after)."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fieldservice.models import Dispatch, Engineer
    from tests.fieldservice.factories import advance

    users = get_user_model().objects
    engineer = Engineer.objects.get(user__username="chengang")
    dispatch = advance(
        Dispatch.objects.filter(state="requested").first(),
        "scheduled",
        manager=users.get(username="zhengwei"),
        engineer=engineer,
        # Far from the demo's own visits of this engineer (inspections are made 14 days
        # ahead): assigning refuses overlapping visits.
        appointment=timezone.now() + dt.timedelta(days=60),
    )
    Dispatch.objects.filter(pk=dispatch.pk).update(
        appointment_at=timezone.now() - dt.timedelta(hours=1)
    )

    _log_in(page, "chengang", demo_password)
    page.goto(dispatch.get_absolute_url())
    button = page.get_by_test_id("action-reschedule")
    expect(button).to_be_disabled()
    why = page.get_by_test_id("why-reschedule")
    expect(why).to_be_visible()
    expect(why).to_contain_text("暂不能“改期”")
    text = why.inner_text()
    assert not re.search(r"[A-Za-z]{3,}", text), text
    assert button.get_attribute("aria-describedby") == "why-reschedule"
    screenshot(page, "walk-disabled-reschedule")
