"""API resources of routine inspections (docs/api.md §resources): ``inspection-schedules/``
(read and plan), ``inspections/`` with their declared transitions
(``transitions/<name>/``), their checklist items (``items/<item>/`` to record a line,
``items/<item>/raise/`` to open a ticket or a follow-up dispatch), history and forms."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from servicedesk.core.api.mixins import (
    FormsMixin,
    FSMSerializerMixin,
    FSMViewSetMixin,
    HistoryMixin,
)
from servicedesk.core.api.permissions import ReadModelPermissions

from ..actions_inspections import INSPECTION_ACTIONS
from ..models import Engineer
from ..models.inspections import Inspection, InspectionItem, InspectionSchedule, ItemResult
from ..services.inspections import (
    inspection_item_raise,
    inspection_item_record,
    inspection_schedule_save,
)


class InspectionItemSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", default=None, read_only=True)
    follow_up_number = serializers.CharField(
        source="follow_up.number", default=None, read_only=True
    )

    class Meta:
        model = InspectionItem
        fields = [
            "id",
            "order",
            "section",
            "code",
            "label",
            "result",
            "note",
            "photo",
            "ticket",
            "ticket_number",
            "follow_up",
            "follow_up_number",
            "checked_at",
        ]
        read_only_fields = fields


class InspectionSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    items = InspectionItemSerializer(many=True, read_only=True)
    dispatch_number = serializers.CharField(source="dispatch.number", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "schedule",
            "due_on",
            "dispatch",
            "dispatch_number",
            "contract",
            "customer",
            "equipment",
            "state",
            "summary",
            "checked_at",
            "signed_at",
            "items",
            "available_transitions",
        ]
        read_only_fields = fields


class InspectionScheduleSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionSchedule
        fields = [
            "id",
            "contract",
            "starts_on",
            "frequency_months",
            "fixed_days",
            "equipment",
            "includes_software",
            "engineer",
            "backup_engineer",
            "lead_days",
            "active",
            "notes",
        ]
        read_only_fields = ["id"]
        validators: list[Any] = []  # the service validates (docs/architecture.md §layers.services)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["engineer"].queryset = Engineer.objects.filter(active=True)
        fields["backup_engineer"].queryset = Engineer.objects.filter(active=True)
        return fields


class ItemInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=[ItemResult.OK, ItemResult.ISSUE])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True, default=None)


class RaiseInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=["ticket", "dispatch"])


class InspectionScheduleViewSet(
    HistoryMixin,
    FormsMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = InspectionScheduleSerializer
    queryset = InspectionSchedule.objects.none()
    permission_classes = [ReadModelPermissions]
    filterset_fields = ["contract", "active", "engineer"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return InspectionSchedule.objects.restrict(self.request.user).order_by("pk")

    def _save(self, serializer: Any, schedule: InspectionSchedule | None) -> None:
        if not self.request.user.has_perm("fieldservice.manage_inspections"):
            raise PermissionDenied()
        data = dict(serializer.validated_data)
        if schedule is not None:
            current = InspectionScheduleSerializer(schedule).data
            base = {k: getattr(schedule, k) for k in current if k != "id"}
            data = {**base, **data}
        serializer.instance = inspection_schedule_save(
            by=self.request.user, schedule=schedule, **data
        )

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer, None)

    def perform_update(self, serializer: Any) -> None:
        self._save(serializer, serializer.instance)


class InspectionViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = InspectionSerializer
    queryset = Inspection.objects.none()
    action_set = INSPECTION_ACTIONS
    permission_classes = [ReadModelPermissions]  # the services decide who writes
    filterset_fields = ["state", "customer", "contract", "schedule", "due_on"]

    def get_queryset(self):
        return (
            Inspection.objects.restrict(self.request.user)
            .select_related("dispatch")
            .prefetch_related("items__ticket", "items__follow_up")
            .order_by("due_on", "pk")
        )

    def _item(self, pk: Any, item_pk: Any) -> InspectionItem:
        inspection = self.get_object()
        item = inspection.items.filter(pk=item_pk).first()
        if item is None:
            from django.http import Http404

            raise Http404
        return item

    @extend_schema(request=ItemInput, responses=InspectionItemSerializer, summary="Record a line")
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_pk>\d+)")
    def item(self, request, pk=None, item_pk=None):
        item = self._item(pk, item_pk)
        body = ItemInput(data=request.data)
        body.is_valid(raise_exception=True)
        item = inspection_item_record(item, by=request.user, **body.validated_data)
        return Response(InspectionItemSerializer(item).data)

    @extend_schema(request=RaiseInput, responses=InspectionItemSerializer, summary="Raise an issue")
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_pk>\d+)/raise")
    def raise_item(self, request, pk=None, item_pk=None):
        item = self._item(pk, item_pk)
        body = RaiseInput(data=request.data)
        body.is_valid(raise_exception=True)
        item = inspection_item_raise(item, by=request.user, to=body.validated_data["to"])
        return Response(InspectionItemSerializer(item).data, status=status.HTTP_201_CREATED)


# -- installations (docs/domain.md §installation) ----------------------------------------

from ..actions_inspections import INSTALLATION_ACTIONS  # noqa: E402
from ..models.installations import Installation, InstallationDay  # noqa: E402
from ..services.installations import (  # noqa: E402
    installation_asset_record,
    installation_day_record,
)


class InstallationDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = InstallationDay
        fields = ["id", "day", "work_done", "issues", "next_steps", "hours", "recorded_at"]
        read_only_fields = fields


class AssetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField()
    model = serializers.CharField()
    part_number = serializers.CharField()
    serial_number = serializers.CharField()
    location = serializers.CharField()
    warranty_end = serializers.DateField(allow_null=True)
    licence = serializers.CharField()


class InstallationSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    days = InstallationDaySerializer(many=True, read_only=True)
    assets = serializers.SerializerMethodField()

    class Meta:
        model = Installation
        fields = [
            "id",
            "dispatch",
            "customer",
            "contract",
            "state",
            "accepted_at",
            "acceptance_note",
            "assets",
            "days",
            "available_transitions",
        ]
        read_only_fields = fields

    def get_assets(self, obj: Installation) -> list[dict[str, Any]]:
        return AssetOutput(obj.assets(), many=True).data


class AssetInput(serializers.Serializer):
    product = serializers.CharField(required=False, allow_blank=True, default="")
    model = serializers.CharField(max_length=100)
    part_number = serializers.CharField(required=False, allow_blank=True, default="")
    serial_number = serializers.CharField(max_length=80)
    location = serializers.CharField(required=False, allow_blank=True, default="")
    warranty_end = serializers.DateField(required=False, allow_null=True, default=None)
    licence = serializers.CharField(required=False, allow_blank=True, default="")


class DayInput(serializers.Serializer):
    day = serializers.DateField()
    work_done = serializers.CharField()
    issues = serializers.CharField(required=False, allow_blank=True, default="")
    next_steps = serializers.CharField(required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, default=8)


class InstallationViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = InstallationSerializer
    queryset = Installation.objects.none()
    action_set = INSTALLATION_ACTIONS
    permission_classes = [ReadModelPermissions]  # the services decide who writes
    filterset_fields = ["state", "customer", "dispatch"]

    def get_queryset(self):
        return (
            Installation.objects.restrict(self.request.user)
            .prefetch_related("days")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=AssetInput, responses=AssetOutput, summary="Record an installed asset")
    @action(detail=True, methods=["post"], url_path="assets")
    def assets(self, request, pk=None):
        body = AssetInput(data=request.data)
        body.is_valid(raise_exception=True)
        asset = installation_asset_record(self.get_object(), by=request.user, **body.validated_data)
        return Response(AssetOutput(asset).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DayInput, responses=InstallationDaySerializer, summary="Daily service report"
    )
    @action(detail=True, methods=["post"], url_path="days")
    def days(self, request, pk=None):
        body = DayInput(data=request.data)
        body.is_valid(raise_exception=True)
        report = installation_day_record(self.get_object(), by=request.user, **body.validated_data)
        return Response(InstallationDaySerializer(report).data, status=status.HTTP_201_CREATED)


# -- goods inspection (docs/domain.md §goods-inspection) ---------------------------------

from ..models import Dispatch  # noqa: E402
from ..models.goods import GoodsInspection  # noqa: E402
from ..services.goods import goods_inspection_record  # noqa: E402


class GoodsInspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoodsInspection
        fields = [
            "id",
            "dispatch",
            "customer",
            "contract",
            "goods",
            "delivery_on",
            "test_hours",
            "test_result",
            "passed",
            "box_sealed",
            "unpacking_consent_by",
            "unpacking_consent_on",
            "licences_requested",
            "backup_location",
            "recorded_at",
        ]
        read_only_fields = ["id", "customer", "contract", "recorded_at"]
        validators: list[Any] = []

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["dispatch"].queryset = Dispatch.objects.restrict(request.user)
        fields["dispatch"].validators = []  # recording again corrects the record (the service)
        return fields


class GoodsInspectionViewSet(
    HistoryMixin, FormsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """``POST`` records (or corrects) the goods inspection of a goods inspection visit."""

    serializer_class = GoodsInspectionSerializer
    queryset = GoodsInspection.objects.none()
    permission_classes = [ReadModelPermissions]  # the service decides who writes
    filterset_fields = ["customer", "dispatch", "passed"]

    def get_queryset(self):
        return GoodsInspection.objects.restrict(self.request.user).order_by("-recorded_at", "-pk")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        dispatch = data.pop("dispatch")
        serializer.instance = goods_inspection_record(dispatch, by=self.request.user, **data)
