from rest_framework.routers import DefaultRouter

from .apis import DispatchViewSet, EngineerViewSet, PartnerViewSet, SparePartViewSet

router = DefaultRouter()
router.register("dispatches", DispatchViewSet, basename="dispatch")
router.register("engineers", EngineerViewSet, basename="engineer")
router.register("partners", PartnerViewSet, basename="partner")
router.register("spare-parts", SparePartViewSet, basename="spare-part")

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
