"""The project pages on a phone (issue 13): the implementation manager, a project manager
and a consultant open every project page from their menu and the records behind it on a
390×844 screen; nothing is wider than the screen or squeezed (``phone_layout.js``), and
every link and button in the page is a 44 px touch target."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import Page
except ImportError:  # the root conftest's rule: skip locally, fail under CI=true
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("these tests need the playwright package", allow_module_level=True)

from tests.e2e.test_phone_layouts import _links, demo_company, phone_layout_problems  # noqa: F401

pytestmark = pytest.mark.browser

PROJECT_ROLES = ["sunli", "lihua", "zhouqiang"]
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('main a[href], main button, main select')) {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (!r.width || !r.height || s.visibility === 'hidden') continue;
    if (el.closest('.pagination, .visually-hidden, .collapse:not(.show)')) continue;
    const label = el.textContent.trim().slice(0, 30);
    if (r.height < 43.5) small.push(label + ' ' + Math.round(r.height));
  }
  return small;
}"""


def _project_pages(page: Page) -> list[str]:
    return [u for u in _links(page, "#sidebar a.nav-link") if u.startswith("/projects/")]


@pytest.mark.parametrize("device", ["phone"], indirect=True)
@pytest.mark.parametrize("username", PROJECT_ROLES)
def test_project_pages_fit_a_phone(
    page,
    demo_company,  # noqa: F811 (the fixture imported above)
    demo_password,
    login,
    screenshot,
    username,
):
    login(page, username, demo_password)
    queue = _project_pages(page)
    assert queue, "the menu offers no project page"
    seen: set[str] = set()
    kinds: set[str] = set()
    problems: dict[str, list] = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or response.status != 200:
            continue
        result = phone_layout_problems(page)
        found = result["problems"][:8] + [
            {"kind": "small-target", "el": s} for s in page.evaluate(SMALL_TARGETS)
        ]
        if found:
            problems[url] = found
            screenshot(page, f"phone-{username}-{re.sub(r'[^a-z0-9]+', '-', url)}")
        for href in _links(page, "main a[href^='/projects/']"):
            kind = re.sub(r"\d+", "N", href)
            if re.search(r"/\d+/", href) and kind not in kinds:
                kinds.add(kind)
                queue.append(href)
    assert len(seen) >= 3, sorted(seen)
    assert not problems, problems
