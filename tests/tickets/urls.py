"""The project's URLs, plus stand-ins for the portal's ``tickets:`` page names when the
portal's ``tickets/urls.py`` is not included yet (notifications link to those pages)."""

from django.http import HttpResponse
from django.urls import URLResolver, include, path

from servicedesk.urls import urlpatterns as project_urls


def _page(request, pk):
    return HttpResponse(str(pk))


def _has_namespace(patterns, namespace: str) -> bool:
    return any(
        isinstance(p, URLResolver)
        and (p.namespace == namespace or _has_namespace(p.url_patterns, namespace))
        for p in patterns
    )


_stand_ins = [
    path("ticket/<int:pk>/", _page, name="ticket"),
    path("shift/<int:pk>/", _page, name="shift"),
    path("article/<int:pk>/", _page, name="article"),
]

urlpatterns = list(project_urls)
if not _has_namespace(project_urls, "tickets"):
    urlpatterns.append(path("test-hotline/", include((_stand_ins, "tickets"))))
