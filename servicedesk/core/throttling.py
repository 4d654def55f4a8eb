"""Login throttling (django-axes) per user *and* per address (docs/architecture.md
§access-and-sessions).

django-axes locks a username at one address after ``AXES_FAILURE_LIMIT`` failures. One
address trying many usernames (password spraying) stays under that limit for each of
them, so the handler also counts the failures of an address across all usernames and
locks the address after ``AXES_IP_FAILURE_LIMIT`` of them within the cool-off time.
A lock-out answers JSON (429, ``{"detail", "code": "locked_out"}``) on the API and the
Chinese page elsewhere.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def address_failures(request: Any) -> int:
    """Failed logins from the request's address within the cool-off time, all users."""
    address = getattr(request, "axes_ip_address", None)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    if axes_settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler, plus the address limit."""

    def is_locked(self, request: Any, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if not axes_settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        return address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any):
        """Record the failure (axes), then flag the request locked when its address has
        reached its limit: the middleware answers with :func:`lockout_response`."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if not axes_settings.AXES_LOCK_OUT_AT_FAILURE:
            return
        if address_failures(request) >= settings.AXES_IP_FAILURE_LIMIT:
            request.axes_locked_out = True
            request.axes_credentials = credentials


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """429: JSON on the API, the lock-out page elsewhere."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else 0
    status = axes_settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        detail = _("Too many failed logins; try again in %(minutes)d minutes.") % {
            "minutes": minutes
        }
        return JsonResponse(
            {"detail": detail, "code": "locked_out", "retry_after_minutes": minutes},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    context = {"cooloff_timedelta": cool_off, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/locked_out.html", context, status=status)
