"""Reading a rendered page as a user reads it: its visible text, one section of it.

Shared by the tests that check pages speak Chinese (issue 10 §16–17).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

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
            if name in ("placeholder", "title", "aria-label") and value and not self.skipping:
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
