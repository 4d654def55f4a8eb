from rest_framework.routers import DefaultRouter

from .apis import DispatchViewSet, EngineerViewSet, PartnerViewSet, SparePartViewSet

router = DefaultRouter()
router.register("dispatches", DispatchViewSet, basename="dispatch")
router.register("engineers", EngineerViewSet, basename="engineer")
router.register("partners", PartnerViewSet, basename="partner")
router.register("spare-parts", SparePartViewSet, basename="spare-part")

# Spare-parts stock (docs/domain.md §stock).
from . import stock  # noqa: E402

router.register("stock-parts", stock.PartViewSet, basename="stock-part")
router.register("warehouses", stock.WarehouseViewSet, basename="warehouse")
router.register("stock-levels", stock.StockLevelViewSet, basename="stock-level")
router.register("stock-movements", stock.StockMovementViewSet, basename="stock-movement")
router.register("part-loans", stock.PartLoanViewSet, basename="part-loan")
router.register("faulty-parts", stock.FaultyPartViewSet, basename="faulty-part")

# Customer training (docs/domain.md §training).
from . import training  # noqa: E402

router.register("trainings", training.TrainingViewSet, basename="training")
router.register(
    "training-attendees", training.TrainingAttendeeViewSet, basename="training-attendee"
)

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

# Routine inspections (docs/domain.md §inspection), in their own module.
from .inspections import (  # noqa: E402
    GoodsInspectionViewSet,
    InspectionScheduleViewSet,
    InspectionViewSet,
    InstallationViewSet,
)

router.register("inspection-schedules", InspectionScheduleViewSet, basename="inspection-schedule")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("installations", InstallationViewSet, basename="installation")
router.register("goods-inspections", GoodsInspectionViewSet, basename="goods-inspection")
urlpatterns = router.urls

# On-site support plans (docs/domain.md §support-plan).
from .support import SupportPlanViewSet  # noqa: E402

router.register("support-plans", SupportPlanViewSet, basename="support-plan")
urlpatterns = router.urls
