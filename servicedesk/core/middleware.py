"""The portal speaks Chinese unless the user chose another language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class DefaultLanguageMiddleware:
    """Ignore the browser's Accept-Language: many intranet PCs run English browsers, and
    staff expect the Chinese UI. The language switch (a cookie) still wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)


class HealthzMiddleware:
    """Answer ``/healthz`` before anything else: the load balancer probes each web
    machine by its own address over plain HTTP, so no host check, HTTPS redirect, session
    or login applies. 200 with JSON when healthy, 503 otherwise."""

    PATHS = ("/healthz", "/healthz/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in self.PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        from django.http import JsonResponse

        from .health import health_report

        healthy, body = health_report()
        response = JsonResponse(body, status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        return response


class QueryTextHygieneMiddleware:
    """Every query-string value without control characters (core/text.py): search boxes,
    filters and pickers read ``request.GET`` directly, and a NUL in one reached PostgreSQL
    (which refuses it: a server error). Cleaned once here instead of in each view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .text import clean_text, has_control_characters

        query = request.GET
        if any(
            has_control_characters(key) or any(has_control_characters(v) for v in values)
            for key, values in query.lists()
        ):
            cleaned = query.copy()
            cleaned.clear()
            for key, values in query.lists():
                cleaned.setlist(clean_text(key), [clean_text(v) for v in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)
