from rest_framework.routers import DefaultRouter

from .apis import (
    CredentialViewSet,
    DailyLogViewSet,
    HandoverVersionViewSet,
    ImportTemplateHandoverViewSet,
    PlanRevisionViewSet,
    ProjectViewSet,
    StageViewSet,
)

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("project-stages", StageViewSet, basename="project-stage")
router.register("project-logs", DailyLogViewSet, basename="project-log")
router.register("project-plans", PlanRevisionViewSet, basename="project-plan")
router.register("project-handovers", HandoverVersionViewSet, basename="project-handover")

router.register("project-credentials", CredentialViewSet, basename="project-credential")
router.register(
    "project-import-templates", ImportTemplateHandoverViewSet, basename="project-import-template"
)

urlpatterns = router.urls
