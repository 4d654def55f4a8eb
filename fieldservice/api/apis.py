"""API resources of field service: ``dispatches/``, ``engineers/``, ``partners/``
(docs/api.md §resources). Thin: input serializers, then one service each."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from servicedesk.core.api.mixins import FormsMixin, FSMViewSetMixin, HistoryMixin
from servicedesk.core.api.permissions import ReadModelPermissions

from ..actions import DISPATCH_ACTIONS
from ..filters import DispatchFilter
from ..models import Dispatch, Engineer, Partner, SparePartUsage
from ..selectors import dispatches_for
from ..services import dispatch_create, engineer_save, part_add, part_approve, partner_save
from .serializers import (
    DispatchCreateInput,
    DispatchSerializer,
    EngineerSerializer,
    PartAddInput,
    PartnerSerializer,
    SparePartSerializer,
)


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied()


class DispatchViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """Dispatches (服务要求单). Create = a manager's dispatch (tickets create theirs by
    requesting one). A partner engineer gets 404 on another partner's work."""

    serializer_class = DispatchSerializer
    queryset = Dispatch.objects.none()
    filterset_class = DispatchFilter
    ordering_fields = ["created_at", "appointment_at", "state", "number", "due_by"]
    # One endpoint per declared action (fieldservice/actions.py).
    action_set = DISPATCH_ACTIONS
    # GET answers drawn once per state of the data (core/page_cache.py).
    page_cache = True

    def get_queryset(self):
        return (
            dispatches_for(self.request.user)
            .select_related("customer__sales_manager", "contract__sales_manager")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=DispatchCreateInput, responses={201: DispatchSerializer})
    def create(self, request, *args, **kwargs):
        _require(request.user, "fieldservice.add_dispatch")
        data = DispatchCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        dispatch = dispatch_create(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.refetch(dispatch)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(methods=["get"], responses=SparePartSerializer(many=True), summary="Parts")
    @extend_schema(
        methods=["post"],
        request=PartAddInput,
        responses={201: SparePartSerializer},
        summary="Record a spare part used, loaned or taken back",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[ReadModelPermissions],
        pagination_class=None,
        url_path="parts",
    )
    def parts(self, request, pk=None):
        dispatch = self.get_object()
        if request.method == "GET":
            return Response(SparePartSerializer(dispatch.parts.all(), many=True).data)
        _require(request.user, "fieldservice.add_sparepartusage")
        data = PartAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        part = part_add(dispatch, by=request.user, **data.validated_data)
        return Response(SparePartSerializer(part).data, status=status.HTTP_201_CREATED)


class EngineerViewSet(
    HistoryMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Field engineers, ours and partners'; only certified, active ones can be assigned."""

    serializer_class = EngineerSerializer
    queryset = Engineer.objects.none()
    filterset_fields = ["partner", "region", "active"]

    def get_queryset(self):
        return Engineer.objects.restrict(self.request.user).select_related("user", "partner")

    def perform_create(self, serializer):
        serializer.instance = engineer_save(
            engineer=Engineer(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        engineer = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(engineer, key, value)
        serializer.instance = engineer_save(engineer=engineer, by=self.request.user)


class PartnerViewSet(
    HistoryMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Partner companies (乙方) with their cooperation model and billing mode."""

    serializer_class = PartnerSerializer
    queryset = Partner.objects.none()
    filterset_fields = ["billing_mode", "cooperation_model", "active"]

    def get_queryset(self):
        return Partner.objects.restrict(self.request.user).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = partner_save(
            partner=Partner(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        partner = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(partner, key, value)
        serializer.instance = partner_save(partner=partner, by=self.request.user)


class SparePartViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Spare parts used, loaned or taken back on visits (docs/domain.md §dispatch.parts), of the
    dispatches the user may see; ``approve`` completes an emergency loan's paperwork."""

    serializer_class = SparePartSerializer
    queryset = SparePartUsage.objects.none()
    filterset_fields = ["kind", "emergency", "dispatch"]

    def get_queryset(self):
        visible = dispatches_for(self.request.user).values("pk")
        return (
            SparePartUsage.objects.filter(dispatch__in=visible)
            .select_related("approved_by")
            .order_by("-recorded_at", "-id")
        )

    @extend_schema(request=None, responses=SparePartSerializer, summary="Approve (paperwork)")
    @action(detail=True, methods=["post"], permission_classes=[ReadModelPermissions])
    def approve(self, request, pk=None):
        part = part_approve(self.get_object(), by=request.user)
        return Response(SparePartSerializer(part).data)
