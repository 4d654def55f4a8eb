"""API resources ``defects/`` and ``requirements/`` (docs/api.md §transitions), plus the evaluation
reports. Thin: input serializers, then one service each."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.api.mixins import FormsMixin, FSMViewSetMixin, HistoryMixin
from servicedesk.core.api.permissions import ReadModelPermissions

from .. import selectors
from ..actions import DEFECT_ACTIONS, REQUIREMENT_ACTIONS
from ..choices import DefectState
from ..models import Defect, EvaluationReport, Requirement
from ..services import (
    defect_follow,
    defect_record,
    evaluation_report_create,
    requirement_record,
)
from .serializers import (
    DefectInput,
    DefectSerializer,
    EvaluationReportSerializer,
    RequirementInput,
    RequirementSerializer,
)


class DefectFilter(OverdueFilterMixin):
    open = django_filters.BooleanFilter(method="filter_open", label="Not closed or rejected")
    product = django_filters.CharFilter(field_name="product", lookup_expr="icontains")
    q = django_filters.CharFilter(method="filter_q", label="Number, title or tracker key")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")

    class Meta:
        model = Defect
        fields = ["state", "severity", "customer", "assignee", "developer", "ticket", "dispatch"]

    def filter_open(self, queryset, name, value):
        done = Q(state__in=[DefectState.CLOSED, DefectState.REJECTED])
        return queryset.exclude(done) if value else queryset.filter(done)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value) | Q(title__icontains=value) | Q(tracker_key=value)
        )


class DefectViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """Defects (bugs) with severity deadlines counted from ``reported_at``."""

    serializer_class = DefectSerializer
    queryset = Defect.objects.none()
    filterset_class = DefectFilter
    ordering_fields = ["reported_at", "state", "severity", "number"]
    action_set = DEFECT_ACTIONS

    def get_queryset(self):
        return selectors.defects_for_api(user=self.request.user).order_by("-reported_at", "-id")

    def _response(self, defect: Defect, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.refetch(defect)).data, status=code)

    @extend_schema(request=DefectInput, responses={201: DefectSerializer})
    def create(self, request, *args, **kwargs):
        data = DefectInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        defect = defect_record(by=request.user, **data.validated_data)
        return self._response(defect, status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses=DefectSerializer, summary="Follow (POST) or unfollow (DELETE)"
    )
    @action(detail=True, methods=["post", "delete"], permission_classes=[ReadModelPermissions])
    def follow(self, request, pk=None):
        defect = defect_follow(self.get_object(), by=request.user, follow=request.method == "POST")
        return self._response(defect)


class RequirementFilter(OverdueFilterMixin):
    evaluated_after = django_filters.IsoDateTimeFilter(field_name="evaluated_at", lookup_expr="gte")
    evaluated_before = django_filters.IsoDateTimeFilter(field_name="evaluated_at", lookup_expr="lt")

    class Meta:
        model = Requirement
        fields = ["state", "customer", "outcome", "urgent", "in_scope"]


class RequirementViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """New-requirement requests (新增需求): evaluation, quote, signed solution confirmation,
    delivery."""

    serializer_class = RequirementSerializer
    queryset = Requirement.objects.none()
    filterset_class = RequirementFilter
    ordering_fields = ["recorded_at", "state", "evaluated_at", "number"]
    action_set = REQUIREMENT_ACTIONS

    def get_queryset(self):
        return (
            selectors.requirements_list(user=self.request.user)
            .prefetch_related("evaluators")
            .order_by("-recorded_at", "-id")
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_solution_signers(list(page))
        return page

    @extend_schema(request=RequirementInput, responses={201: RequirementSerializer})
    def create(self, request, *args, **kwargs):
        data = RequirementInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        item = requirement_record(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.refetch(item)).data, status=status.HTTP_201_CREATED
        )


class EvaluationReportViewSet(
    FormsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Periodic requirement evaluation reports; ``forms/evaluation_report/`` is the PDF."""

    serializer_class = EvaluationReportSerializer
    queryset = EvaluationReport.objects.none()

    def get_queryset(self):
        return selectors.reports_list(user=self.request.user).order_by("-period_end", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = evaluation_report_create(
            by=self.request.user,
            period_start=data["period_start"],
            period_end=data["period_end"],
            note=data.get("note", ""),
        )
