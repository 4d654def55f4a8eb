"""Portal pages of the hotline: the intake screen, my queue, the manager's board, the
ticket page with its actions, the duty roster, the knowledge base and call statistics.

Thin views (docs/architecture.md §layers.views): a form, one service or selector, a render.
State changes only on POST; htmx requests get partials.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from servicedesk.core.forms import form_errors_from

__all__ = ["form_errors_from"]


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
