from django.urls import include, path
from rest_framework.routers import DefaultRouter

from servicedesk.urls import urlpatterns as project_urls

from .actions import DeclaredJobViewSet, job_action, job_page, site
from .apis import JobViewSet

router = DefaultRouter()
router.register("jobs", JobViewSet, basename="job")
router.register("declared-jobs", DeclaredJobViewSet, basename="declared-job")

urlpatterns = [
    path("api/v1/", include((router.urls, "api"), namespace="api")),
    path("jobs/<int:pk>/", job_page, name="job-page"),
    path("jobs/<int:pk>/action/<str:name>/", job_action, name="job-action"),
    path("actions-admin/", site.urls),
    *project_urls,
]
