"""Running a declared action from a portal page (docs/architecture.md §action-layer).

Each record page posts its action panel to one URL per record (``…/action/<name>/``); the
older one-URL-per-transition addresses (``…/sign/``, ``…/record/``) run the same
declaration. Their forms post the fields without the action's prefix, so the prefix is
read from what was posted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from servicedesk.core.actions import ActionSet, action_run_portal


def posted_with_prefix(request: HttpRequest, name: str) -> bool:
    """Whether the POST names its fields ``<action>-<field>`` (the shared action panel)
    rather than ``<field>`` (a page's own form, an older URL)."""
    return any(key.startswith(f"{name}-") for key in request.POST)


def action_run(
    request: HttpRequest,
    *,
    action_set: ActionSet,
    obj: Any,
    name: str,
    page: Callable[..., HttpResponse],
    reload: Callable[[], Any],
    refusal_status: int = 409,
    success_url: Callable[[Any, Any], str] | None = None,
) -> HttpResponse:
    """``action_run_portal`` for the contracts pages. ``refusal_status``: how an action
    that is not possible now answers, with its message: the page with 409, or what an
    older URL always answered — a redirect to the record (302) or the page with 400."""

    def render_page(request: HttpRequest, obj: Any, *, status: int = 200, **kwargs: Any):
        if status == 409 and refusal_status == 302:
            return redirect(obj.get_absolute_url())
        if status == 409:
            status = refusal_status
        return page(request, obj, status=status, **kwargs)

    return action_run_portal(
        request,
        action_set=action_set,
        obj=obj,
        name=name,
        page=render_page,
        reload=reload,
        success_url=success_url,
        prefix=posted_with_prefix(request, name),
    )
