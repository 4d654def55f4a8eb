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
