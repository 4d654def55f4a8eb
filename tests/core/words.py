"""Reading a rendered page as a user reads it: its visible text, one section of it.

Shared by the tests that check pages speak Chinese (issue 10 §16–17).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

_SKIP = {"script", "style", "template", "noscript"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in ("br", "li", "div", "p", "tr", "h1", "h2", "h3", "h4", "h5", "td", "th"):
            self.parts.append("\n")
        # what a user reads on a control without text
        for name, value in attrs:
            if name in ("placeholder", "title") and value and not self.skipping:
                self.parts.append(f"\n{value}\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag in ("li", "div", "p", "tr", "td", "th", "option", "label", "button", "a"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of ``html`` without tags, scripts and styles, one line per block."""
    parser = _Text()
    parser.feed(html)
    lines = (
        re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    )
    return "\n".join(line for line in lines if line)


def page_section(html: str, testid: str) -> str:
    """The HTML of the element with ``data-testid="<testid>"`` (up to its closing tag)."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(testid)}"[^>]*>', html)
    if match is None:
        raise AssertionError(f'no data-testid="{testid}" on the page')
    tag = match.group(1)
    depth, pos = 1, match.end()
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    while depth:
        found = pattern.search(html, pos)
        if found is None:
            return html[match.start() :]
        depth += -1 if found.group(1) else 1
        pos = found.end()
    return html[match.start() : pos]


# -- what must not reach a Chinese page ----------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
_GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "gettext_noop",
}
_TRANS = re.compile(r"""{%\s*trans(?:late)?\s+(?:"([^"]*)"|'([^']*)')(?:\s+context\s+"([^"]*)")?""")
_BLOCK = re.compile(r"{%\s*blocktrans(?:late)?(.*?)%}(.*?){%\s*endblocktrans(?:late)?\s*%}", re.S)


def _python_msgids(path: Path) -> Iterator[tuple[str | None, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = getattr(func, "id", None) or getattr(func, "attr", None)
        if name not in _GETTEXT:
            continue
        args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
        if name.startswith("pgettext") and len(args) >= 2 and args[0] and args[1]:
            yield args[0], args[1]
        elif not name.startswith("pgettext") and args and isinstance(args[0], str):
            yield None, args[0]


def _template_msgids(path: Path) -> Iterator[tuple[str | None, str]]:
    text = path.read_text(encoding="utf-8")
    for m in _TRANS.finditer(text):
        yield m.group(3), m.group(1) if m.group(1) is not None else m.group(2)
    for m in _BLOCK.finditer(text):
        body = m.group(2).split("{% plural %}")[0].replace("%", "%%")  # as Django does
        body = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
        if "trimmed" in m.group(1):
            body = " ".join(line.strip() for line in body.strip().splitlines())
        context = re.search(r'context\s+"([^"]*)"', m.group(1))
        yield (context.group(1) if context else None), body


def source_msgids() -> set[tuple[str | None, str]]:
    """Every message our code and templates pass to gettext (what ``makemessages`` would
    extract), without GNU gettext."""
    found: set[tuple[str | None, str]] = set()
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "var", "tests", "migrations", "node_modules", ".git"}:
            continue
        if path.suffix == ".py":
            found.update(_python_msgids(path))
        elif path.suffix in (".html", ".txt"):
            found.update(_template_msgids(path))
    return found


def untranslated_msgids(language: str = "zh-hans") -> set[str]:
    """Messages with Latin letters that ``language`` has no translation for."""
    from django.utils import translation

    missing = set()
    with translation.override(language):
        for context, msgid in source_msgids():
            if not re.search(r"[A-Za-z]{2}", msgid):
                continue
            done = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            if done == msgid:
                missing.add(msgid)
    return missing


def msgid_fragments(msgids: Iterable[str]) -> set[str]:
    """The literal pieces of each message around its placeholders, as a page shows them
    (``"Overdue: %(target)s of %(subject)s"`` → ``"Overdue:"``), long enough to mean
    something."""
    pieces = set()
    for msgid in msgids:
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|{\w*}", msgid):
            piece = piece.strip()
            if len(re.findall(r"[A-Za-z]", piece)) >= 4:
                pieces.add(piece)
    return pieces


def known_codes() -> set[str]:
    """Codes a page must say in words: deadline targets, the values of every choice of
    our models (states, kinds, roles), and the event kinds and history reasons recorded
    in the database (call after the data is made)."""
    from django.apps import apps

    from servicedesk.core.choices import TIMER_TARGET_LABELS
    from servicedesk.core.models import DomainEvent

    ours = {"core", "contracts", "tickets", "fieldservice", "defects"}
    codes = set(TIMER_TARGET_LABELS)
    for model in apps.get_models():
        if model._meta.app_label not in ours:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                codes.add(str(value))
        if model.__name__.startswith("Historical"):
            reasons = model.objects.values_list("history_change_reason", flat=True).distinct()
            codes |= {r.split(":")[0] for r in reasons if r}
    codes |= set(DomainEvent.objects.values_list("kind", flat=True).distinct())
    # Only what is unmistakably a code: lower-case, with _ . or - between letters.
    return {c for c in codes if re.fullmatch(r"[a-z]+(?:[_.][a-z]+)+", c)}


def leaks(text: str, *, fragments: set[str], codes: set[str]) -> list[str]:
    """Untranslated messages and raw codes in a page's visible ``text``."""
    found = [f"untranslated: {f!r}" for f in fragments if f in text]
    for code in codes:
        if re.search(rf"(?<![\w./-]){re.escape(code)}(?![\w/-])", text):
            found.append(f"code: {code!r}")
    return found


def pages_of(client: Any, user: Any) -> dict[str, str]:
    """The HTML of ``user``'s menu pages and of one page of each kind linked from them
    (detail pages, forms): what the user opens, whatever pages the apps add."""
    from servicedesk.core.navigation import nav_for

    queue = [entry["url"] for entry in nav_for(user)]
    seen: set[str] = set()
    kinds: set[str] = set()
    pages = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[url] = html
        for href in re.findall(r'href="(/[^"#?]*)', html):
            if href.startswith(("/admin/", "/api/", "/static/", "/media/", "/i18n/")):
                continue
            if href.endswith(".pdf") or not re.search(r"/\d+/", href):
                continue
            kind = re.sub(r"\d+", "N", href)
            if kind not in kinds:
                kinds.add(kind)
                queue.append(href)
    return pages


# -- required fields ---------------------------------------------------------------------

_CONTROL = re.compile(r"<(input|select|textarea)\b([^>]*)>")
_MARK = "required-mark"


def _attr(attrs: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', attrs)
    return found.group(1) if found else None


def _controls(html: str) -> list[tuple[int, str]]:
    """``(position, attributes)`` of the visible form controls."""
    return [
        (m.start(), m.group(2))
        for m in _CONTROL.finditer(html)
        if _attr(m.group(2), "type") not in ("hidden", "submit", "button")
    ]


def marked_labels(html: str) -> set[str]:
    """Names of the fields whose label carries the required mark: a ``<label for>`` names
    its control; a group's label (radio buttons) is followed by its first control."""
    names = set()
    controls = _controls(html)
    by_id = {_attr(attrs, "id"): attrs for _pos, attrs in controls if _attr(attrs, "id")}
    for match in re.finditer(rf'class="[^"]*{_MARK}', html):
        opening = html.rfind("<label", 0, match.start())
        closing = html.rfind("</label>", 0, match.start())
        if opening > closing:  # inside a <label>
            target = _attr(html[opening : html.index(">", opening)], "for")
            if target in by_id:
                names.add(_attr(by_id[target], "name"))
                continue
        following = next((attrs for pos, attrs in controls if pos > match.start()), None)
        if following is not None:
            names.add(_attr(following, "name"))
    return {n for n in names if n}


def required_controls_unmarked(html: str) -> list[str]:
    """Controls the browser treats as required whose label does not say so."""
    marked = marked_labels(html)
    return sorted(
        {
            _attr(attrs, "name") or _attr(attrs, "id") or "?"
            for _pos, attrs in _controls(html)
            if re.search(r"\srequired\b", attrs) and _attr(attrs, "name") not in marked
        }
    )
