"""The project's URLs plus the first-visit and revisit API resources, for tests that run
before ``contracts/api/urls.py`` registers them (and keep passing after it does)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from contracts.api.visits import FirstVisitViewSet, RevisitViewSet
from servicedesk.urls import urlpatterns as project_urls

router = DefaultRouter()
router.register("first-visits", FirstVisitViewSet, basename="first-visit")
router.register("revisits", RevisitViewSet, basename="revisit")

urlpatterns = [
    path("api/v1/", include((router.urls, "api"), namespace="api")),
    *project_urls,
]
