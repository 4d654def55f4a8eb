"""Error pages in the product's language, with the menu and a way back (issue 10 §18).

A 403 says which roles may open the page. The permission that was missing is the last
one the user was refused during the request: ``DeniedPermissionRecorder``, the last
authentication backend, is asked only after every other backend said no, and notes the
permission on the user object of the request.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .choices import Role

logger = logging.getLogger(__name__)
DENIED = "_denied_permissions"


class DeniedPermissionRecorder:
    """Grants nothing; remembers what the user was refused (``app_label.codename``)."""

    def authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if user_obj is not None and obj is None:
            user_obj.__dict__.setdefault(DENIED, []).append(perm)
        return False


def roles_with(perm: str) -> list[str]:
    """The names of the roles (groups) that hold ``perm``, in the order of Role."""
    app_label, _sep, codename = perm.partition(".")
    names = set(
        Group.objects.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        ).values_list("name", flat=True)
    )
    return [str(role.label) for role in Role if role.value in names]


def _denied_permission(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    refused = getattr(user, DENIED, None) if user is not None else None
    return refused[-1] if refused else None


def _back_url(request: HttpRequest) -> str:
    """The page the user came from, when it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return "" if urlsplit(referer).path == request.path else referer


def _user_roles(request: HttpRequest) -> list[str]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [str(role.label) for role in Role if role.value in names]


def _is_api(request: HttpRequest) -> bool:
    """The API answers every error in JSON (docs/api.md §errors), whatever raised it."""
    return request.path.startswith("/api/")


def _json_error(detail: Any, code: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": str(detail), "code": code},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception is not None and exception.args else ""
    if _is_api(request):
        return _json_error(
            message or _("You do not have permission to perform this action."),
            "permission_denied",
            403,
        )
    perm = _denied_permission(request)
    context = {
        "message": message,
        "roles": roles_with(perm) if perm else [],
        "user_roles": _user_roles(request),
        "back_url": _back_url(request),
    }
    return render(request, "403.html", context, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused before any view (too large a body, a bad host…)."""
    if _is_api(request):
        return _json_error(_("The request could not be read."), "bad_request", 400)
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _json_error(_("Not found."), "not_found", 404)
    return render(request, "404.html", {"back_url": _back_url(request)}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The menu when it can still be drawn; else the page without it (the database may
    be what failed); else a bare page that needs nothing at all. JSON on the API."""
    if _is_api(request):
        return _json_error(
            _(
                "The error has been recorded for the administrators. What you were doing "
                "may not have been saved: check it, then try again in a moment."
            ),
            "server_error",
            500,
        )
    try:
        return render(request, "500.html", {"back_url": _back_url(request)}, status=500)
    except Exception:
        logger.exception("the error page failed; answering without the menu")
    try:
        return HttpResponseServerError(loader.get_template("500.html").render({}))
    except Exception:
        logger.exception("the plain error page failed too")
    return HttpResponseServerError(
        format_html(
            '<!doctype html><meta charset="utf-8"><title>{}</title><h1>{}</h1><p>{}</p>'
            '<p><a href="/">{}</a></p>',
            _("Server error"),
            _("Something went wrong on our side"),
            _(
                "The error has been recorded for the administrators. What you were doing "
                "may not have been saved: check it, then try again in a moment."
            ),
            _("Back to the dashboard"),
        )
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form was sent from a page that had expired (or without its token)."""
    if _is_api(request):
        return _json_error(_("CSRF check failed: reload the page and try again."), "csrf", 403)
    return render(request, "403_csrf.html", {"back_url": _back_url(request)}, status=403)
