from rest_framework.routers import DefaultRouter

from .apis import DefectViewSet, EvaluationReportViewSet, RequirementViewSet

router = DefaultRouter()
router.register("defects", DefectViewSet, basename="defect")
router.register("requirements", RequirementViewSet, basename="requirement")
router.register(
    "requirement-evaluation-reports", EvaluationReportViewSet, basename="evaluation-report"
)

urlpatterns = router.urls
