from django.urls import path
from rest_framework.routers import DefaultRouter

from .apis import CalendarViewSet, NotificationViewSet, SlaPolicyViewSet, TimerViewSet, WorkQueueApi

router = DefaultRouter()
router.register("timers", TimerViewSet, basename="timer")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [*router.urls, path("work-queue/", WorkQueueApi.as_view(), name="work-queue")]
