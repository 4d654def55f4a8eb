from rest_framework.routers import DefaultRouter

from .apis import CallViewSet, DutyShiftViewSet, KnowledgeArticleViewSet, TicketViewSet

router = DefaultRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("calls", CallViewSet, basename="call")
router.register("duty-shifts", DutyShiftViewSet, basename="duty-shift")
router.register("knowledge-articles", KnowledgeArticleViewSet, basename="knowledge-article")

urlpatterns = router.urls
