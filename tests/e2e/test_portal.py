"""The portal as a user sees it, in headless Chromium against the live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_static_files_are_served(page):
    response = page.request.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/css")


def test_smoke(page, demo_staff, login, demo_password, screenshot):
    login(page, "zhengwei", demo_password)
    screenshot(page, "smoke")
    print(page.content()[:3000])
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh"))
