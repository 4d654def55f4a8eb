"""Template helpers of field service."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def board_cells(row: Any) -> SafeString:
    """The day cells of one engineer's row (drop targets), with their cards (whose markup
    the selector prepared: ``fieldservice.selectors.board_get``)."""
    leave_title = f' title="{escape(_("On leave"))}"'
    engineer = row.engineer.pk
    cells = []
    for cell in row.cells:
        classes = "cell"
        if cell.on_leave:
            classes += " leave"
        if cell.day.weekday() >= 5:
            classes += " offday"
        cards = "".join(card.html for card in cell.cards)
        cells.append(
            f'<td class="{classes}" data-engineer="{engineer}" data-day="{cell.day.isoformat()}"'
            f' data-testid="board-cell"{leave_title if cell.on_leave else ""}>{cards}</td>'
        )
    # Every text in it is escaped here or in the selector.
    return mark_safe("".join(cells))  # noqa: S308


@register.filter
def lateness(minutes: int) -> str:
    """``10 min late`` / ``5 min early`` / ``on time``."""
    from ..selectors import lateness_words

    return lateness_words(minutes)
