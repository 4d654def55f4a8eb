"""Icons are decoration; words name the controls (issue 12 §4, docs/architecture.md
§portal.a11y): every Bootstrap icon in a template is ``aria-hidden="true"``, a link or
button whose only content is icons has an ``aria-label``, and no ``aria-label`` is an
untranslated English literal."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

_ICON = re.compile(r'<i\b[^>]*\bclass="[^"]*\bbi\b[^"]*"[^>]*>')
_CONTROL = re.compile(r"<(a|button)\b([^>]*)>(.*?)</\1>", re.S)
_LAYOUT_TAGS = re.compile(
    r"{#.*?#}|{%\s*(?:if|elif|else|endif|with|endwith|for|endfor|empty)\b[^%]*%}", re.S
)


def icon_problems(html: str) -> list[str]:
    problems = [
        f"icon not aria-hidden: {m.group(0)}"
        for m in _ICON.finditer(html)
        if 'aria-hidden="true"' not in m.group(0)
    ]
    for match in _CONTROL.finditer(html):
        attrs, body = match.group(2), match.group(3)
        words = _LAYOUT_TAGS.sub("", re.sub(r"<i\b[^>]*></i>", "", body)).strip()
        if not words and "aria-label" not in attrs and "aria-labelledby" not in attrs:
            problems.append(f"control without words: {match.group(0)[:120]}")
    problems += [
        f"English aria-label: {m}" for m in re.findall(r'aria-label="([A-Za-z][^"{]*)"', html)
    ]
    return problems


def test_the_check_catches_what_it_must():
    assert icon_problems('<i class="bi bi-pen"></i>')
    assert icon_problems('<a href="/x"><i class="bi bi-pen" aria-hidden="true"></i></a>')
    assert icon_problems('<nav aria-label="breadcrumb">')
    assert not icon_problems(
        '<a href="/x" aria-label="{% trans \'Edit\' %}">'
        '<i class="bi bi-pen" aria-hidden="true"></i></a>'
    )
    assert not icon_problems(
        '<button><i class="bi bi-pen" aria-hidden="true"></i> {% trans "Sign" %}</button>'
    )


def test_templates_hide_icons_and_name_icon_only_controls():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        problems = icon_problems(path.read_text())
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert not found, found
