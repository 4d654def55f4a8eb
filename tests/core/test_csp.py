"""Scripts are files, so the Content Security Policy allows no inline script
(issue 12 §4, docs/architecture.md §portal.scripts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
# An attribute named on… (onclick=, onchange=, …) inside a tag; template tags stripped first.
_HANDLER = re.compile(r"<[a-zA-Z][^<>]*?\son[a-z]+\s*=", re.S)
_JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']\s*javascript:""", re.I)
_TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)


def inline_script_problems(html: str) -> list[str]:
    """What in ``html`` the policy would refuse to run: inline <script> blocks that are
    not data (src-less, not type="application/json"), on…= handlers, javascript: URLs."""
    problems = []
    for match in _SCRIPT.finditer(html):
        attrs = match.group(1)
        if re.search(r"\ssrc\s*=", attrs):
            continue
        kind = re.search(r"""\stype\s*=\s*["']?([\w/+.-]+)""", attrs)
        if kind and kind.group(1).lower() in ("application/json", "application/ld+json"):
            continue
        problems.append(f"inline <script{attrs}>")
    text = _TEMPLATE_TAG.sub(" ", html)
    problems += [f"handler {m.group(0)[-40:]!r}" for m in _HANDLER.finditer(text)]
    problems += [f"javascript: URL {m.group(0)!r}" for m in _JS_URL.finditer(html)]
    return problems


def test_the_check_catches_what_it_must():
    assert inline_script_problems("<script>alert(1)</script>")
    assert inline_script_problems('<script type="text/javascript">x()</script>')
    assert inline_script_problems('<select name="s" onchange="this.form.submit()">')
    assert inline_script_problems('<button\n  class="b" onclick="go()">')
    assert inline_script_problems('<a href="javascript:void(0)">')
    assert not inline_script_problems('<script src="/static/core/desk.js"></script>')
    assert not inline_script_problems('<script id="d" type="application/json">{"a": 1}</script>')
    assert not inline_script_problems('<select data-autosubmit name="state">')
    assert not inline_script_problems("<p>Click once, then wait.</p>")


def test_no_template_has_inline_script():
    found = {}
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 100
    for path in files:
        problems = inline_script_problems(path.read_text())
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert not found, found


def _script_src(header: str) -> list[str]:
    for directive in header.split(";"):
        parts = directive.split()
        if parts and parts[0] == "script-src":
            return parts[1:]
    return []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/api/docs/"])
def test_the_policy_allows_no_inline_script(client, url):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("csp", password="x"))
    response = client.get(url)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    sources = _script_src(header) or [
        s for d in header.split(";") if d.split()[:1] == ["default-src"] for s in d.split()[1:]
    ]
    assert sources == ["'self'"], header
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    # the page itself carries no inline script the policy would block
    assert not inline_script_problems(response.content.decode()), url
