"""API resources of the spare-parts stock (docs/domain.md §stock; docs/api.md §resources):
``stock-parts/``, ``warehouses/``, ``stock-levels/`` (with ``?low=true``),
``stock-movements/`` (the ledger, and ``POST stock-movements/<op>/`` to receive, issue,
return, transfer), ``part-loans/`` and ``faulty-parts/`` with their declared actions as
``…/transitions/<name>/`` (fieldservice/actions_stock.py). Thin: input serializers, then
one service each."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contracts.models import Customer
from servicedesk.core.api.mixins import (
    FormsMixin,
    FSMSerializerMixin,
    FSMViewSetMixin,
    HistoryMixin,
)
from servicedesk.core.api.permissions import ReadModelPermissions
from servicedesk.core.api.serializers import PersonField

from ..actions_stock import LOAN_ACTIONS, REPAIR_ACTIONS
from ..models import Dispatch
from ..models.stock import FaultyPart, Part, PartLoan, StockLevel, StockMovement, Warehouse
from ..services import stock as services

# -- representations ------------------------------------------------------------------------


class PartSerializer(serializers.ModelSerializer):
    class Meta:
        model = Part
        fields = ["id", "part_number", "name", "description", "active"]


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "name", "kind", "engineer", "active"]


class StockLevelSerializer(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    part_name = serializers.CharField(source="part.name", read_only=True)
    is_low = serializers.BooleanField(read_only=True)

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "part",
            "part_number",
            "part_name",
            "warehouse",
            "quantity",
            "min_quantity",
            "is_low",
        ]


class StockMovementSerializer(serializers.ModelSerializer):
    by_name = PersonField(source="by")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "kind",
            "part",
            "from_warehouse",
            "to_warehouse",
            "quantity",
            "test_record",
            "dispatch",
            "usage",
            "loan",
            "repair",
            "note",
            "by",
            "by_name",
            "at",
        ]


class PartLoanSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = PartLoan
        fields = [
            "id",
            "number",
            "part",
            "warehouse",
            "quantity",
            "serial_number",
            "customer",
            "dispatch",
            "usage",
            "purpose",
            "reason",
            "emergency",
            "due_back",
            "requested_by",
            "requested_at",
            "approved_by",
            "approved_at",
            "approval_note",
            "issued_at",
            "returned_at",
            "returned_to",
            "return_test_record",
            "sold_at",
            "sale_reference",
            "refused_at",
            "refusal_reason",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


class FaultyPartSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = FaultyPart
        fields = [
            "id",
            "tag_number",
            "part",
            "serial_number",
            "fault",
            "customer",
            "dispatch",
            "usage",
            "tagged_by",
            "tagged_at",
            "repairer",
            "sent_at",
            "expected_back",
            "restocked_at",
            "restocked_to",
            "test_record",
            "written_off_at",
            "write_off_reason",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


# -- inputs --------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class _VisibleDispatch(serializers.PrimaryKeyRelatedField):
    """A visit the user sees (docs/domain.md §visibility.field)."""

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        user = request.user if request is not None else None
        return Dispatch.objects.restrict(user) if user is not None else Dispatch.objects.none()


def _parts() -> Any:
    return serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())


def _warehouses() -> Any:
    return serializers.PrimaryKeyRelatedField(queryset=Warehouse.objects.filter(active=True))


class StockReceiveInput(serializers.Serializer):
    part = _parts()
    warehouse = _warehouses()
    quantity = serializers.IntegerField(min_value=1)
    test_record = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class StockIssueInput(serializers.Serializer):
    part = _parts()
    warehouse = _warehouses()
    quantity = serializers.IntegerField(min_value=1, default=1)
    dispatch = _VisibleDispatch(required=False, allow_null=True)
    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class StockReturnInput(serializers.Serializer):
    part = _parts()
    warehouse = _warehouses()
    quantity = serializers.IntegerField(min_value=1)
    test_record = serializers.CharField()
    dispatch = _VisibleDispatch(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class StockTransferInput(serializers.Serializer):
    part = _parts()
    from_warehouse = _warehouses()
    to_warehouse = _warehouses()
    quantity = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LoanRequestInput(serializers.Serializer):
    part = _parts()
    warehouse = _warehouses()
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    purpose = serializers.ChoiceField(choices=PartLoan._meta.get_field("purpose").choices)
    reason = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1, default=1)
    dispatch = _VisibleDispatch(required=False, allow_null=True)
    emergency = serializers.BooleanField(default=False)
    due_back = serializers.DateField(required=False, allow_null=True)
    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=60)


class FaultyTagInput(serializers.Serializer):
    part = _parts()
    fault = serializers.CharField()
    serial_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True
    )
    dispatch = _VisibleDispatch(required=False, allow_null=True)


def _valid(serializer_class: type[serializers.Serializer], request: Any) -> dict[str, Any]:
    data = serializer_class(data=request.data, context={"request": request})
    if not data.is_valid():
        raise ValidationError(data.errors)
    return dict(data.validated_data)


# -- viewsets --------------------------------------------------------------------------------


class PartViewSet(viewsets.ReadOnlyModelViewSet):
    """The spare-parts catalogue."""

    serializer_class = PartSerializer
    queryset = Part.objects.none()
    filterset_fields = ["part_number", "active"]

    def get_queryset(self):
        return Part.objects.restrict(self.request.user).order_by("part_number")


class WarehouseViewSet(viewsets.ReadOnlyModelViewSet):
    """The company store and the engineers' vans."""

    serializer_class = WarehouseSerializer
    queryset = Warehouse.objects.none()
    filterset_fields = ["kind", "engineer", "active"]

    def get_queryset(self):
        return Warehouse.objects.restrict(self.request.user).order_by("kind", "name")


class StockLevelViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per part and warehouse; ``?low=true`` lists the lines below their warning."""

    serializer_class = StockLevelSerializer
    queryset = StockLevel.objects.none()
    filterset_fields = ["warehouse", "part"]

    def get_queryset(self):
        qs = StockLevel.objects.restrict(self.request.user).select_related("part")
        if self.request.query_params.get("low") in ("1", "true"):
            qs = qs.filter(quantity__lt=F("min_quantity"))
        return qs.order_by("warehouse_id", "part__part_number")


_MOVES = {
    "receive": (StockReceiveInput, services.stock_receive),
    "issue": (StockIssueInput, services.stock_issue),
    "return": (StockReturnInput, services.stock_return),
    "transfer": (StockTransferInput, services.stock_transfer),
}


def _move_endpoint(op: str) -> Any:
    input_class, service = _MOVES[op]

    def endpoint(self, request, *args, **kwargs):
        movement = service(by=request.user, **_valid(input_class, request))
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)

    # The router maps the method to the view's attribute by the function's name.
    endpoint.__name__ = f"move_{op}"
    endpoint = action(detail=False, methods=["post"], url_path=op, url_name=op)(endpoint)
    return extend_schema(request=input_class, responses={201: StockMovementSerializer}, summary=op)(
        endpoint
    )


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The stock ledger; ``POST receive/``, ``issue/``, ``return/``, ``transfer/`` move stock
    (a shortage is a 400 on ``quantity``, in words)."""

    serializer_class = StockMovementSerializer
    queryset = StockMovement.objects.none()
    # The services decide who moves what (move_stock, manage_stock): reading is enough here.
    permission_classes = [ReadModelPermissions]
    filterset_fields = ["part", "kind", "dispatch", "loan", "repair"]

    def get_queryset(self):
        return (
            StockMovement.objects.restrict(self.request.user)
            .select_related("by")
            .order_by("-at", "-id")
        )

    move_receive = _move_endpoint("receive")
    move_issue = _move_endpoint("issue")
    move_return = _move_endpoint("return")
    move_transfer = _move_endpoint("transfer")


class PartLoanViewSet(
    FSMViewSetMixin,
    HistoryMixin,
    FormsMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Spare parts lent to customers; ``POST`` requests one (``emergency`` takes it at once)."""

    serializer_class = PartLoanSerializer
    queryset = PartLoan.objects.none()
    action_set = LOAN_ACTIONS
    filterset_fields = ["state", "customer", "dispatch", "emergency"]

    def get_queryset(self):
        return (
            PartLoan.objects.restrict(self.request.user)
            .select_related("part", "customer")
            .order_by("-requested_at", "-id")
        )

    @extend_schema(request=LoanRequestInput, responses={201: PartLoanSerializer})
    def create(self, request, *args, **kwargs):
        loan = services.loan_request(by=request.user, **_valid(LoanRequestInput, request))
        return Response(
            self.get_serializer(self.refetch(loan)).data, status=status.HTTP_201_CREATED
        )


class FaultyPartViewSet(
    FSMViewSetMixin,
    HistoryMixin,
    FormsMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Faulty parts taken back: ``POST`` tags one; the tag label is ``forms/part_tag/``."""

    serializer_class = FaultyPartSerializer
    queryset = FaultyPart.objects.none()
    action_set = REPAIR_ACTIONS
    filterset_fields = ["state", "customer", "dispatch", "part"]

    def get_queryset(self):
        return (
            FaultyPart.objects.restrict(self.request.user)
            .select_related("part", "customer")
            .order_by("-tagged_at", "-id")
        )

    @extend_schema(request=FaultyTagInput, responses={201: FaultyPartSerializer})
    def create(self, request, *args, **kwargs):
        faulty = services.faulty_tag(by=request.user, **_valid(FaultyTagInput, request))
        return Response(
            self.get_serializer(self.refetch(faulty)).data, status=status.HTTP_201_CREATED
        )
