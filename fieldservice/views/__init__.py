"""Portal pages of field service: the dispatch board, the engineer's phone pages, the
dispatch page with its actions, the list and the person-days table.

Thin views (docs/architecture.md §layers.views): a form, one service or selector, a render.
State changes only on POST.
"""

from __future__ import annotations

from servicedesk.core.forms import form_errors_from

__all__ = ["form_errors_from"]
