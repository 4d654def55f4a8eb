from rest_framework.routers import DefaultRouter

from .apis import DispatchViewSet, EngineerViewSet, PartnerViewSet, SparePartViewSet

router = DefaultRouter()
router.register("dispatches", DispatchViewSet, basename="dispatch")
router.register("engineers", EngineerViewSet, basename="engineer")
router.register("partners", PartnerViewSet, basename="partner")
router.register("spare-parts", SparePartViewSet, basename="spare-part")

urlpatterns = router.urls

# Issue 15: upgrades, restores, backup policies, partner records and statements.
from .upgrades import (  # noqa: E402
    BackupPolicyViewSet,
    CertificationExamViewSet,
    EngineerEvaluationViewSet,
    PartnerPenaltyViewSet,
    PartnerStatementViewSet,
    RestoreRequestViewSet,
    UpgradeViewSet,
)

router.register("upgrades", UpgradeViewSet, basename="upgrade")
router.register("restore-requests", RestoreRequestViewSet, basename="restore-request")
router.register("backup-policies", BackupPolicyViewSet, basename="backup-policy")
router.register("certification-exams", CertificationExamViewSet, basename="certification-exam")
router.register("engineer-evaluations", EngineerEvaluationViewSet, basename="engineer-evaluation")
router.register("partner-penalties", PartnerPenaltyViewSet, basename="partner-penalty")
router.register("partner-statements", PartnerStatementViewSet, basename="partner-statement")
urlpatterns = router.urls
