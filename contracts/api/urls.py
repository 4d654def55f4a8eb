from rest_framework.routers import DefaultRouter

from .apis import (
    AssetViewSet,
    ContactViewSet,
    ContractViewSet,
    CustomerViewSet,
    InstalledProductViewSet,
)
from .visits import FirstVisitViewSet, RevisitViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("assets", AssetViewSet, basename="asset")
router.register("installed-products", InstalledProductViewSet, basename="installed-product")
router.register("contracts", ContractViewSet, basename="contract")

router.register("first-visits", FirstVisitViewSet, basename="first-visit")
router.register("revisits", RevisitViewSet, basename="revisit")

urlpatterns = router.urls
