import importlib.util

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from servicedesk.core.api.apis import TokenApi
from servicedesk.core.api.docs import SchemaView, docs_view

# The domain apps in dependency order (docs/architecture.md §apps.order); each contributes ``urls``
# and ``api/urls`` once it has pages or endpoints.
DOMAIN_APPS = ["contracts", "tickets", "fieldservice", "defects", "projects", "servicedesk.reports"]


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent package (``app.api``) does not exist yet
        return False


def _app_includes(suffix: str) -> list:
    return [
        path("", include(f"{app}.{suffix}"))
        for app in DOMAIN_APPS
        if _has_module(f"{app}.{suffix}")
    ]


api_v1 = [
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("", include("servicedesk.core.api.urls")),
    *_app_includes("api.urls"),
]

urlpatterns = [
    path("", include("servicedesk.core.urls")),
    *_app_includes("urls"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    # Both need a login (servicedesk/core/api/docs.py).
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline scripts.
    path("api/docs/", docs_view, name="api-docs"),
]

# Error pages in Chinese with the menu and a way back; a 403 names the roles needed.
handler400 = "servicedesk.core.errors.bad_request"
handler403 = "servicedesk.core.errors.permission_denied"
handler404 = "servicedesk.core.errors.page_not_found"
handler500 = "servicedesk.core.errors.server_error"
