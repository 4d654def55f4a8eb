"""Template helpers of field service."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

DRAGGABLE = {"assigned", "confirmed"}


@register.simple_tag
def board_cards(cards: list[Any], engineer: Any = "") -> str:
    """The cards of one board cell. The board draws thousands of them: built here in
    one pass (escaped by ``format_html_join``) instead of a template loop per card.
    ``engineer``: the row's engineer, sent back when a card is dropped elsewhere (a
    reassignment is refused when someone else moved the card meanwhile)."""
    down = format_html('<span class="dcard-down">{}</span> ', _("System down"))
    return format_html_join(
        "",
        '<a class="dcard{}" href="{}" data-state="{}" data-dispatch="{}" data-engineer="{}" '
        'draggable="{}" data-testid="board-card" title="{}"><span class="dcard-time">{}</span> '
        "{}{}<br>{} · {}</a>",
        (
            (
                " dcard-system-down" if c.system_down else "",
                c.url,
                c.state,
                c.pk,
                engineer,
                "true" if c.state in DRAGGABLE else "false",
                c.site_address,
                c.time,
                down if c.system_down else "",
                c.number,
                c.customer,
                c.state_label,
            )
            for c in cards
        ),
    )


@register.simple_tag
def board_cells(row: Any) -> SafeString:
    """The day cells of one engineer's row (drop targets), with their cards."""
    on_leave = _("On leave")
    return format_html_join(
        "",
        '<td class="cell{}{}" data-engineer="{}" data-day="{}" data-testid="board-cell"{}>{}</td>',
        (
            (
                " leave" if cell.on_leave else "",
                " offday" if cell.day.weekday() >= 5 else "",
                row.engineer.pk,
                cell.day.isoformat(),
                format_html(' title="{}"', on_leave) if cell.on_leave else "",
                board_cards(cell.cards, row.engineer.pk),
            )
            for cell in row.cells
        ),
    )


@register.filter
def lateness(minutes: int) -> str:
    """``10 min late`` / ``5 min early`` / ``on time``."""
    from ..selectors import lateness_words

    return lateness_words(minutes)
