"""API resources ``first-visits/`` and ``revisits/`` (docs/api.md §workflow).

First visits: transitions ``start`` and ``complete``; ``verify`` (marks and corrections),
``needs`` (list / add) and ``route_needs`` are plain POST actions because they change the
visit's data, not its state. Revisits: transition ``record``. The transitions are built
from ``contracts/actions.py`` (docs/architecture.md §action-layer).
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from servicedesk.core.api.apis import OverdueFilterMixin
from servicedesk.core.api.mixins import (
    FormsMixin,
    FSMSerializerMixin,
    FSMViewSetMixin,
    HistoryMixin,
)
from servicedesk.core.api.permissions import ReadModelPermissions
from servicedesk.core.filters import CustomerNameFilter, LocalDateRangeFilter

from .. import selectors_visits as selectors
from ..actions import FIRST_VISIT_ACTIONS, REVISIT_ACTIONS
from ..choices import Department, RevisitState
from ..models import FirstVisit, FirstVisitNeed, Revisit
from ..services.visits import (
    VerificationMark,
    first_visit_add_need,
    first_visit_route_needs,
    first_visit_verify,
)

# -- serializers -------------------------------------------------------------------------


class FirstVisitNeedSerializer(serializers.ModelSerializer):
    department_display = serializers.CharField(source="get_department_display", read_only=True)

    class Meta:
        model = FirstVisitNeed
        fields = [
            "id",
            "department",
            "department_display",
            "description",
            "routed_at",
            "created_at",
        ]


class FirstVisitSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True, default="")
    needs = FirstVisitNeedSerializer(many=True, read_only=True)
    unverified = serializers.SerializerMethodField(
        help_text="Verifiable fields not yet marked checked or corrected."
    )

    class Meta:
        model = FirstVisit
        fields = [
            "id",
            "contract",
            "contract_number",
            "customer",
            "customer_name",
            "agent",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "checks",
            "unverified",
            "notes",
            "needs",
            "started_at",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_unverified(self, obj: FirstVisit) -> list[str]:
        return selectors.unverified_fields(obj)


class VerifyInput(serializers.Serializer):
    checks = serializers.DictField(
        child=serializers.ChoiceField(choices=VerificationMark.choices),
        help_text='{"customer.name": "checked", "contact.mobile": "corrected", …}',
    )
    corrections = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=300),
        required=False,
        help_text='The corrected values: {"contact.mobile": "13900000000"}. '
        '"product.software" names the software when no product is on record.',
    )
    notes = serializers.CharField(required=False, allow_blank=True)


class NeedInput(serializers.Serializer):
    department = serializers.ChoiceField(choices=Department.choices)
    description = serializers.CharField(max_length=2000)


class RevisitSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    source_kind = serializers.SerializerMethodField()

    class Meta:
        model = Revisit
        fields = [
            "id",
            "customer",
            "customer_name",
            "contract",
            "reason",
            "reason_display",
            "due_on",
            "assignee",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "source_kind",
            "source_id",
            "done_at",
            "contact_name",
            "opinion",
            "satisfaction",
            "issue_raised",
            "follow_up",
            "created_at",
        ]
        read_only_fields = fields

    def get_source_kind(self, obj: Revisit) -> str | None:
        if obj.source_type_id is None:
            return None
        return f"{obj.source_type.app_label}.{obj.source_type.model}"


# -- filters -----------------------------------------------------------------------------


class FirstVisitFilter(OverdueFilterMixin):
    search = django_filters.CharFilter(method="filter_search")
    customer_name = CustomerNameFilter()
    region = django_filters.CharFilter(field_name="customer__region", label=_("Region"))
    created_on = LocalDateRangeFilter(field_name="created_at", label=_("Created"))

    class Meta:
        model = FirstVisit
        fields = ["state", "agent", "customer", "contract"]

    def filter_search(self, queryset, name, value):
        matches = selectors.first_visits_for(self.request.user, search=value)
        return queryset.filter(pk__in=matches.values("pk"))


class RevisitFilter(django_filters.FilterSet):
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Revisit
        fields = ["state", "assignee", "reason", "customer", "contract"]

    def filter_overdue(self, queryset, name, value):
        late = Q(state=RevisitState.SCHEDULED, due_on__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


# -- viewsets ----------------------------------------------------------------------------


class FirstVisitViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FirstVisitSerializer
    queryset = FirstVisit.objects.none()
    filterset_class = FirstVisitFilter
    ordering_fields = ["created_at", "state", "started_at", "completed_at"]
    action_set = FIRST_VISIT_ACTIONS

    def get_queryset(self):
        return (
            FirstVisit.objects.restrict(self.request.user)
            .select_related("customer", "contract")
            .prefetch_related(Prefetch("needs", queryset=FirstVisitNeed.objects.order_by("pk")))
            .order_by("-created_at", "-pk")
        )

    def _visit_response(self, visit: FirstVisit, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.refetch(visit)).data, status=code)

    @extend_schema(request=VerifyInput, responses=FirstVisitSerializer, summary="Verify fields")
    @action(detail=True, methods=["post"], permission_classes=[ReadModelPermissions])
    def verify(self, request, pk=None):
        visit = self.get_object()
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        first_visit_verify(
            visit,
            by=request.user,
            checks=data.validated_data["checks"],
            corrections=data.validated_data.get("corrections") or {},
            notes=data.validated_data.get("notes"),
        )
        return self._visit_response(visit)

    @extend_schema(
        methods=["get"], responses=FirstVisitNeedSerializer(many=True), summary="List needs"
    )
    @extend_schema(
        methods=["post"],
        request=NeedInput,
        responses={201: FirstVisitNeedSerializer},
        summary="Record a need for a department",
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[ReadModelPermissions])
    def needs(self, request, pk=None):
        visit = self.get_object()
        if request.method == "GET":
            return Response(FirstVisitNeedSerializer(visit.needs.all(), many=True).data)
        data = NeedInput(data=request.data)
        data.is_valid(raise_exception=True)
        need = first_visit_add_need(visit, by=request.user, **data.validated_data)
        return Response(FirstVisitNeedSerializer(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=FirstVisitSerializer,
        summary="Send every unrouted need to its department's head",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="route_needs",
        permission_classes=[ReadModelPermissions],
    )
    def route_needs(self, request, pk=None):
        visit = self.get_object()
        first_visit_route_needs(visit, by=request.user)
        return self._visit_response(visit)


class RevisitViewSet(FSMViewSetMixin, HistoryMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RevisitSerializer
    queryset = Revisit.objects.none()
    filterset_class = RevisitFilter
    ordering_fields = ["due_on", "state", "done_at", "created_at"]
    action_set = REVISIT_ACTIONS

    def get_queryset(self):
        return selectors.revisits_for(self.request.user).order_by("due_on", "pk")
