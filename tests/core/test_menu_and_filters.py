"""The menu says where you are and every filter says what it filters (issue 12 §4,
docs/architecture.md §portal.a11y).

- The menu marks the current page: ``aria-current="page"`` on its link and a visible
  style (the ``active`` class, drawn in ``desk.css`` with more than colour).
- Every control of a list page's filter form (a GET form) has a label: a ``<label for>``,
  a wrapping ``<label>``, ``aria-label`` or ``aria-labelledby`` — visible or visually
  hidden, never a placeholder alone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from servicedesk.core.navigation import nav_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ROLES = ["admin", "zhengwei", "wangjing", "chengang", "chuyang", "qianjun", "shenyu", "wufang"]
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Forms(HTMLParser):
    """The GET forms of a page, each as its controls and the label ``for`` targets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.labels_for: set[str] = set()
        self._form: dict | None = None
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = {"controls": [], "wrapped": set()}
            self.forms.append(self._form)
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and self._form is not None:
            if tag == "input" and (a.get("type") or "text").lower() in UNLABELLED_TYPES:
                return
            control = {"tag": tag, **{k: v or "" for k, v in a.items()}}
            control["in_label"] = self._label_depth > 0
            self._form["controls"].append(control)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "label" and self._label_depth:
            self._label_depth -= 1


def unlabelled_filter_controls(html: str) -> list[str]:
    parser = _Forms()
    parser.feed(html)
    missing = []
    for form in parser.forms:
        for c in form["controls"]:
            if c["in_label"] or c.get("aria-label", "").strip() or c.get("aria-labelledby"):
                continue
            if c.get("id") and c["id"] in parser.labels_for:
                continue
            missing.append(f"<{c['tag']} name={c.get('name')!r} id={c.get('id')!r}>")
    return missing


def filter_control_count(html: str) -> int:
    parser = _Forms()
    parser.feed(html)
    return sum(len(f["controls"]) for f in parser.forms)


def test_the_label_check_catches_what_it_must():
    assert unlabelled_filter_controls('<form><input name="q" placeholder="Search"></form>')
    assert unlabelled_filter_controls('<form method="get"><select name="s"></select></form>')
    assert not unlabelled_filter_controls(
        '<form><label for="q" class="visually-hidden">Search</label><input id="q" name="q"></form>'
    )
    assert not unlabelled_filter_controls(
        '<form><label>State <select name="s"></select></label></form>'
    )
    assert not unlabelled_filter_controls('<form><input name="q" aria-label="Search"></form>')
    assert not unlabelled_filter_controls('<form method="post"><input name="x"></form>')


@pytest.fixture
def demo(client):
    with translation.override("zh-hans"):
        call_command("demo")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return {u.username: u for u in get_user_model().objects.all()}


def test_every_filter_on_every_menu_page_has_a_label(client, demo):
    missing, controls = {}, 0
    for username in ROLES:
        user = demo[username]
        client.force_login(user)
        for entry in nav_for(user):
            response = client.get(entry["url"])
            if response.status_code != 200:
                continue
            html = response.content.decode()
            main = html[html.find("<main") :]
            controls += filter_control_count(main)
            problems = unlabelled_filter_controls(main)
            if problems:
                missing[entry["url"]] = problems
    assert controls > 15  # the check sees the filters
    assert not missing, missing


def _menu(html: str) -> str:
    found = re.search(r'<nav class="nav[^"]*desk-nav".*?</nav>', html, re.S)
    assert found, "no menu"
    return found.group(0)


@pytest.mark.parametrize("role", ["service_manager", "field_engineer"])
def test_the_menu_marks_the_current_page(client, make_user, role):
    """On each menu page exactly its own link is ``aria-current="page"`` and ``active``;
    a page below a menu entry (the calendar of /calendars/) marks that entry."""
    user = make_user(role)
    client.force_login(user)
    checked = 0
    for entry in nav_for(user):
        response = client.get(entry["url"], follow=True)
        assert response.status_code == 200, entry["url"]
        current = re.findall(
            r'<a\b[^>]*aria-current="page"[^>]*>', _menu(response.content.decode())
        )
        assert len(current) == 1, (entry["url"], current)
        assert f'href="{entry["url"]}"' in current[0], (entry["url"], current)
        assert re.search(r'class="[^"]*\bactive\b', current[0])  # the visible style
        checked += 1
    assert checked >= 10


def test_the_current_page_is_marked_by_more_than_colour():
    css = (ROOT / "servicedesk" / "static" / "core" / "desk.css").read_text()
    rule = re.search(r"\.desk-sidebar \.nav-link\.active\s*\{([^}]*)\}", css).group(1)
    assert "font-weight" in rule and ("box-shadow" in rule or "border" in rule)
