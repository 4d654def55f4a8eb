"""Message templates in a restricted Django template engine (docs/architecture.md
§channels.templates).

An administrator writes the words of robot and e-mail messages. The engine they are
rendered with knows only the tags and filters below — no ``{% load %}``, ``{% include %}``,
``{% extends %}`` or ``{% debug %}``, no template files at all — and the context holds only
strings (``title``, ``body``, ``kind``, ``link``, ``time``), so a template can neither reach
a model, a setting nor another file. The text of a markdown message (WeCom, DingTalk) is
rendered with autoescaping: markdown shows an HTML entity as its character, and a name in
a notification cannot slip markup into the chat. Titles, Feishu's post paragraphs and
e-mail are plain text, rendered without it (escaping would show ``&amp;``).
"""

from __future__ import annotations

import re
from typing import Any

from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.utils.translation import gettext as _

register = Library()

SAFE_TAGS = ("if", "for", "comment", "firstof", "with", "now", "spaceless")
SAFE_FILTERS = (
    "add",
    "cut",
    "date",
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "linebreaksbr",
    "lower",
    "slice",
    "time",
    "truncatechars",
    "truncatewords",
    "upper",
    "wordwrap",
    "yesno",
)
for _name in SAFE_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in SAFE_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]

#: The names a template may use.
CONTEXT_NAMES = ("title", "body", "kind", "link", "time")


class _RestrictedEngine(Engine):
    default_builtins: list[str] = []  # type: ignore[misc]  # not even Django's default tags and filters


def _engine(autoescape: bool) -> Engine:
    return _RestrictedEngine(
        loaders=[],
        libraries={},
        builtins=["servicedesk.core.channels.templating"],
        autoescape=autoescape,
        debug=False,
    )


_ENGINES = {True: _engine(True), False: _engine(False)}


def template_error(source: str) -> str:
    """Why ``source`` cannot be used, in words; "" when it can."""
    try:
        _ENGINES[True].from_string(source or "")
    except TemplateSyntaxError as exc:
        text = str(exc)
        found = re.search(r"Invalid (block tag|filter)[^']*'([^']+)'", text)
        if found:
            return _("“%(name)s” cannot be used in a message template.") % {"name": found.group(2)}
        return _("The template is not well formed: check that every {{ }} and {% %} is closed.")
    return ""


#: Channels whose text is markdown (rendered with autoescaping).
MARKDOWN_CHANNELS = ("wecom", "dingtalk")


def render_message(
    title_source: str, body_source: str, context: dict[str, Any], *, channel_kind: str
) -> tuple[str, str]:
    """The title and text of one message; only ``CONTEXT_NAMES`` are passed, as strings.
    Raises ``TemplateSyntaxError`` for a template that cannot be read."""
    values = {name: str(context.get(name) or "") for name in CONTEXT_NAMES}
    markup = channel_kind in MARKDOWN_CHANNELS
    title = _ENGINES[False].from_string(title_source).render(Context(values, autoescape=False))
    body = _ENGINES[markup].from_string(body_source).render(Context(values, autoescape=markup))
    return " ".join(title.split()), body.strip()


def sample_context() -> dict[str, str]:
    """The words the admin's preview fills in."""
    return {
        "title": _("Ticket RX20261206-00012 is overdue"),
        "body": _("Acknowledge deadline passed at 10:30; assignee: Wang Jing."),
        "kind": "sla_breach",
        "link": "https://servicedesk.example/tickets/12/",
        "time": "2026-12-06 10:31",
    }
