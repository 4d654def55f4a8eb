"""Portal pages of field service: the dispatch board, the engineer's phone pages, the
dispatch page with its actions, the list and the person-days table.

Thin views (STYLE.md rule 10): validate a form, call one service or selector, render.
State changes only on POST.
"""

from __future__ import annotations

from django import forms

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
