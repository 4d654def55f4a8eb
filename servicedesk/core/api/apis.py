from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..choices import TimerState
from ..models import Notification, SlaPolicy, SlaTimer, WorkCalendar
from ..services.notifications import notification_mark_read, notifications_mark_all_read
from ..services.tokens import token_issue
from .mixins import FormsMixin, HistoryMixin
from .serializers import (
    NotificationSerializer,
    SlaPolicySerializer,
    TimerDetailSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    WorkCalendarSerializer,
    WorkQueueSerializer,
)


class TokenApi(APIView):
    """``POST /api/v1/auth/token/`` → ``{"token"}`` (login throttling applies)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=TokenInputSerializer, responses=TokenOutputSerializer)
    def post(self, request):
        ser = TokenInputSerializer(data=request.data, context={"request": request._request})
        ser.is_valid(raise_exception=True)
        token = token_issue(user=ser.validated_data["user"])
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class OverdueFilterMixin(django_filters.FilterSet):
    """``?overdue=true``: objects with a breached timer (docs/api.md §lists)."""

    overdue = django_filters.BooleanFilter(method="filter_overdue")

    def filter_overdue(self, queryset, name, value):
        breached = selectors.has_breached_timer(queryset.model)
        return queryset.filter(breached) if value else queryset.exclude(breached)


class TimerFilter(django_filters.FilterSet):
    subject_type = django_filters.CharFilter(method="filter_subject_type")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lte")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")

    class Meta:
        model = SlaTimer
        fields = ["state", "target", "assignee", "subject_id", "policy"]

    def filter_subject_type(self, queryset, name, value):
        app_label, _sep, model = value.partition(".")
        if not model:
            return queryset.filter(subject_type__model=app_label)
        return queryset.filter(subject_type__app_label=app_label, subject_type__model=model)

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        late = queryset.filter(state=TimerState.BREACHED) | queryset.filter(
            state=TimerState.RUNNING, due_at__lte=now
        )
        return late if value else queryset.exclude(pk__in=late.values("pk"))


class TimerViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TimerDetailSerializer
    filterset_class = TimerFilter
    ordering_fields = ["due_at", "started_at", "state"]
    queryset = SlaTimer.objects.none()

    def get_queryset(self):
        return selectors.timers_list(user=self.request.user).order_by("due_at", "id")


class CalendarViewSet(HistoryMixin, FormsMixin, viewsets.ModelViewSet):
    """Working calendars: everyone reads, managers write (model permissions); the
    calendar confirmation is printed and signed like every form."""

    serializer_class = WorkCalendarSerializer
    queryset = WorkCalendar.objects.none()
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.calendars_list(user=self.request.user)


class SlaPolicyViewSet(HistoryMixin, viewsets.ModelViewSet):
    serializer_class = SlaPolicySerializer
    queryset = SlaPolicy.objects.none()
    filterset_fields = ["subject", "target", "active"]
    http_method_names = ["get", "put", "patch", "post", "head", "options"]

    def get_queryset(self):
        return SlaPolicy.objects.restrict(self.request.user).order_by("subject", "target")


class WorkQueueApi(APIView):
    """``GET /api/v1/work-queue/``: everything waiting for the requesting user (approvals,
    signatures, evaluations, negotiations, write-offs…, with deadlines) and the dashboard's
    figures (their own, or their team's for managers)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=WorkQueueSerializer, summary="What waits for me")
    def get(self, request):
        data = {
            "items": selectors.work_queue(user=request.user),
            "counts": selectors.dashboard_counts(user=request.user),
        }
        return Response(WorkQueueSerializer(data).data)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    filterset_fields = ["kind"]

    def get_queryset(self):
        qs = selectors.notifications_for(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.unread()
        return qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = self.get_object()
        return Response(
            self.get_serializer(
                notification_mark_read(notification=notification, by=request.user)
            ).data
        )

    @extend_schema(request=None, responses={200: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(by=request.user)})

    def get_permissions(self):
        return [permissions.IsAuthenticated()]
