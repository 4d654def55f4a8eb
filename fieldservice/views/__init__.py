"""Portal pages of field service: the dispatch board, the engineer's phone pages, the
dispatch page with its actions, the list and the person-days table.

Thin views (STYLE.md rule 10): validate a form, call one service or selector, render.
State changes only on POST.
"""

from __future__ import annotations

from servicedesk.core.forms import form_errors_from

__all__ = ["form_errors_from"]
