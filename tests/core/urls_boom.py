"""The project's URLs, its error handlers, and one page that fails (for the 500 page)."""

from django.urls import path

from servicedesk.urls import *  # noqa: F403 - the error handlers (handler403/404/500)
from servicedesk.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *project_urls]
