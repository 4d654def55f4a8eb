"""Portal pages of the hotline: the intake screen, my queue, the manager's board, the
ticket page with its actions, the duty roster, the knowledge base and call statistics.

Thin views (STYLE.md rule 10): validate a form, call one service or selector, render.
State changes only on POST; htmx requests get partials.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from servicedesk.core.exceptions import ApplicationError


def form_errors_from(exc: ApplicationError, form: forms.Form, aliases: dict | None = None) -> None:
    """Put a service's field errors on the form's fields (the rest on the form itself)."""
    aliases = aliases or {}
    placed = False
    for name, errors in exc.extra.items():
        field = aliases.get(name, name)
        for error in errors if isinstance(errors, (list, tuple)) else [errors]:
            form.add_error(field if field in form.fields else None, str(error))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
