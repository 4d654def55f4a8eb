from django.urls import include, path
from rest_framework.routers import DefaultRouter

from servicedesk.urls import urlpatterns as project_urls

from .apis import JobViewSet

router = DefaultRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("api/v1/", include((router.urls, "api"), namespace="api")),
    *project_urls,
]
