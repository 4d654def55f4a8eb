"""The OpenAPI schema and its browsable docs need a login (docs/architecture.md
§access-and-sessions): the schema names every endpoint, field and state of the desk.
``API_DOCS_PUBLIC = True`` (environment) opens them, e.g. on a developer's machine."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


class DocsPermission(BasePermission):
    """Any signed-in user (session or token) unless the docs are public."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(settings.API_DOCS_PUBLIC or request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsPermission]


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [DocsPermission]


_docs = DocsView.as_view(url_name="schema")


def docs_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The Swagger page: a browser without a session is sent to the login page."""
    if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _docs(request, *args, **kwargs)


# The errors every operation may answer (docs/api.md §errors), each as JSON.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "additionalProperties": True,
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "DRF's field errors; rules without a field under non_field_errors.",
    "additionalProperties": True,
}
_ERRORS = {
    "400": ("Bad input, or a business rule refused it.", _FIELD_ERRORS),
    "401": ("Not authenticated.", _DETAIL),
    "403": ("No permission.", _DETAIL),
    "404": ("No such record, or outside the user's scope.", _DETAIL),
    "405": ("The method is not allowed here.", _DETAIL),
    "406": ("The requested format is not offered.", _DETAIL),
    "409": ("Not allowed in this state, or the record changed concurrently.", _DETAIL),
    "415": ("The body's media type is not accepted.", _DETAIL),
    "429": ("Throttled.", _DETAIL),
}


def document_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular postprocessing hook: every operation lists the error answers of
    docs/api.md §errors, so a client (and the schema test, tests/core/test_api_fuzz.py)
    knows them; drf-spectacular documents only the success."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, schema) in _ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    },
                )
    return result
