"""A manager records a dispatch for a customer found by typing, not by scrolling a list."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the root conftest's rule: skip locally, fail under CI=true
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("these tests need the playwright package", allow_module_level=True)

pytestmark = pytest.mark.browser


def test_manager_picks_the_customer_by_typing(page, demo_staff, demo_password, login):
    from contracts.models import Customer
    from fieldservice.models import Dispatch

    Customer.objects.bulk_create(
        [Customer(name=f"无锡恒达物流{i:02d}有限公司", short_name=f"恒达{i}") for i in range(15)]
    )
    wanted = Customer.objects.create(name="上海和平医院", short_name="和平医院", address="上海市")
    login(page, "zhengwei", demo_password)
    page.goto("/dispatches/new/")
    form = page.get_by_test_id("dispatch-new-form")
    expect(form.locator("option", has_text="上海和平医院")).to_have_count(0)

    search = page.get_by_test_id("customer-picker-customer").locator("[data-pick-search]")
    search.fill("和平")
    option = page.get_by_test_id(f"pick-customer-{wanted.pk}")
    expect(option).to_be_visible()
    option.click()
    expect(search).to_have_value("上海和平医院")
    page.locator("textarea[name=problem]").fill("住院部打印机无法连接 HIS 服务器")
    page.locator("input[name=contact_name]").fill("王主任")
    page.locator("input[name=contact_phone]").fill("13800138000")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dispatches/\d+/$"))
    assert Dispatch.objects.get().customer == wanted
