"""API resources of issue 15 (docs/api.md §resources): ``upgrades/`` and
``restore-requests/`` with their declared actions as ``…/transitions/<name>/``
(fieldservice/actions_upgrades.py), ``backup-policies/``, the partner records
(``certification-exams/``, ``engineer-evaluations/``, ``partner-penalties/``) and
``partner-statements/`` (the monthly statement, docs/domain.md §partners.settlement)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from contracts.models import Contract, Customer
from servicedesk.core.api.mixins import (
    FormsMixin,
    FSMSerializerMixin,
    FSMViewSetMixin,
    HistoryMixin,
)

from ..actions_upgrades import RESTORE_ACTIONS, UPGRADE_ACTIONS
from ..models import Engineer
from ..models.backups import BackupFrequency, BackupPolicy, RestoreRequest
from ..models.partners import CertificationExam, EngineerEvaluation, PartnerPenalty
from ..models.upgrades import Upgrade
from ..services import backups as bs
from ..services import partners as ps
from ..services import upgrades as us
from ..settlement import statements_month


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied()


class UpgradeSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True, default="")
    has_manual = serializers.SerializerMethodField()

    class Meta:
        model = Upgrade
        fields = [
            "id", "number", "customer", "customer_name", "contract", "dispatch", "engineer",
            "engineer_name", "self_service", "product", "from_version", "to_version", "content",
            "risks", "contingency_plan", "planned_start", "planned_minutes", "in_hours_reason",
            "has_manual", "manual_name", "state", "state_display", "available_transitions",
            "timers", "approved_at", "rehearsal_environment", "rehearsal_passed", "rehearsed_at",
            "backup_programs", "backup_database", "backup_attachments", "backup_location",
            "backed_up_at", "customer_told_before_at", "customer_told_after_at", "executed_at",
            "execution_in_hours_reason", "execution_notes", "report", "reported_at",
            "cancel_reason", "rollback_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_manual(self, obj: Upgrade) -> bool:
        return bool(obj.manual)


class UpgradeCreateInput(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True
    )
    engineer = serializers.PrimaryKeyRelatedField(
        queryset=Engineer.objects.all(), required=False, allow_null=True
    )
    self_service = serializers.BooleanField(required=False, default=False)
    product = serializers.CharField(max_length=100)
    from_version = serializers.CharField(max_length=40, required=False, allow_blank=True)
    to_version = serializers.CharField(max_length=40)
    content = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.CharField(required=False, allow_blank=True)
    contingency_plan = serializers.CharField(required=False, allow_blank=True)
    planned_start = serializers.DateTimeField(required=False, allow_null=True)
    planned_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=15)
    in_hours_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class UpgradeViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """Upgrades with their gates; a partner's engineer sees their partner's only."""

    serializer_class = UpgradeSerializer
    queryset = Upgrade.objects.none()
    action_set = UPGRADE_ACTIONS
    filterset_fields = ["state", "customer", "engineer", "self_service"]
    ordering_fields = ["created_at", "planned_start", "state", "number"]

    def get_queryset(self):
        return (
            Upgrade.objects.restrict(self.request.user)
            .select_related("customer", "engineer__user")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=UpgradeCreateInput, responses={201: UpgradeSerializer})
    def create(self, request, *args, **kwargs):
        _require(request.user, "fieldservice.add_upgrade")
        data = UpgradeCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        upgrade = us.upgrade_create(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.refetch(upgrade)).data, status=status.HTTP_201_CREATED
        )


class RestoreSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = RestoreRequest
        fields = [
            "id", "number", "customer", "customer_name", "contract", "policy", "reason",
            "requested_by_name", "scope", "expected_minutes", "impact", "backup_used", "state",
            "state_display", "available_transitions", "timers", "planned_at",
            "region_lead_told_at", "executed_at", "outcome", "outcome_notes", "cancel_reason",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class RestoreCreateInput(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    policy = serializers.PrimaryKeyRelatedField(
        queryset=BackupPolicy.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField()
    requested_by_name = serializers.CharField(max_length=100)


class RestoreRequestViewSet(
    FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet
):
    """Restore requests: plan, the region lead told, the restore and its outcome."""

    serializer_class = RestoreSerializer
    queryset = RestoreRequest.objects.none()
    action_set = RESTORE_ACTIONS
    filterset_fields = ["state", "customer"]

    def get_queryset(self):
        return (
            RestoreRequest.objects.restrict(self.request.user)
            .select_related("customer")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=RestoreCreateInput, responses={201: RestoreSerializer})
    def create(self, request, *args, **kwargs):
        _require(request.user, "fieldservice.add_restorerequest")
        data = RestoreCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        restore = bs.restore_request_create(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.refetch(restore)).data, status=status.HTTP_201_CREATED
        )


class BackupPolicySerializer(serializers.ModelSerializer):
    frequency = serializers.ChoiceField(choices=BackupFrequency.choices)

    class Meta:
        model = BackupPolicy
        fields = [
            "id", "customer", "system", "what", "frequency", "at_time", "location",
            "retention_days", "responsible", "active",
        ]  # fmt: skip
        read_only_fields = ["id", "active"]


class BackupPolicyViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BackupPolicySerializer
    queryset = BackupPolicy.objects.none()
    filterset_fields = ["customer"]

    def get_queryset(self):
        return BackupPolicy.objects.restrict(self.request.user).order_by("customer_id", "system")

    def perform_create(self, serializer):
        _require(self.request.user, "fieldservice.add_backuppolicy")
        serializer.instance = bs.backup_policy_save(
            by=self.request.user, **serializer.validated_data
        )


class ExamSerializer(serializers.ModelSerializer):
    class Meta:
        model = CertificationExam
        fields = [
            "id", "engineer", "taken_on", "subject", "score", "pass_mark", "passed",
            "valid_until", "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["id", "passed", "recorded_at"]


class CertificationExamViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Certification exams; a passed one certifies the engineer from its date."""

    serializer_class = ExamSerializer
    queryset = CertificationExam.objects.none()
    filterset_fields = ["engineer", "passed"]

    def get_queryset(self):
        return CertificationExam.objects.restrict(self.request.user).order_by("-taken_on", "-id")

    def perform_create(self, serializer):
        _require(self.request.user, "fieldservice.add_certificationexam")
        serializer.instance = ps.exam_record(by=self.request.user, **serializer.validated_data)


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EngineerEvaluation
        fields = [
            "id", "engineer", "period_start", "period_end", "skill_score", "attitude_score",
            "customer_score", "remarks", "replacement_requested", "evaluated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "evaluated_at"]


class EngineerEvaluationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = EvaluationSerializer
    queryset = EngineerEvaluation.objects.none()
    filterset_fields = ["engineer", "replacement_requested"]

    def get_queryset(self):
        return EngineerEvaluation.objects.restrict(self.request.user).order_by("-period_end", "-id")

    def perform_create(self, serializer):
        _require(self.request.user, "fieldservice.add_engineerevaluation")
        serializer.instance = ps.evaluation_record(
            by=self.request.user, **serializer.validated_data
        )


class PenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerPenalty
        fields = [
            "id", "partner", "engineer", "dispatch", "occurred_on", "incident", "amount",
            "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["id", "recorded_at"]


class PartnerPenaltyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PenaltySerializer
    queryset = PartnerPenalty.objects.none()
    filterset_fields = ["partner", "engineer"]

    def get_queryset(self):
        return PartnerPenalty.objects.restrict(self.request.user).order_by("-occurred_on", "-id")

    def perform_create(self, serializer):
        _require(self.request.user, "fieldservice.add_partnerpenalty")
        serializer.instance = ps.penalty_record(by=self.request.user, **serializer.validated_data)


_STATEMENT = inline_serializer(
    "PartnerStatement",
    {
        "partner": serializers.IntegerField(),
        "partner_name": serializers.CharField(),
        "number": serializers.CharField(),
        "billing_mode": serializers.CharField(),
        "cooperation_model": serializers.CharField(),
        "visits": serializers.IntegerField(),
        "person_days": serializers.DecimalField(max_digits=12, decimal_places=2),
        "fees": serializers.DecimalField(max_digits=14, decimal_places=2),
        "services": serializers.DecimalField(max_digits=14, decimal_places=2),
        "management_fee": serializers.DecimalField(max_digits=14, decimal_places=2),
        "penalties": serializers.DecimalField(max_digits=14, decimal_places=2),
        "training_fees": serializers.DecimalField(max_digits=14, decimal_places=2),
        "payable": serializers.DecimalField(max_digits=14, decimal_places=2),
    },
    many=True,
)


class PartnerStatementViewSet(viewsets.ViewSet):
    """The monthly statement of every partner (``?year=&month=&partner=``), reproducible
    for any past month."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("month", int),
            OpenApiParameter("partner", int, required=False),
        ],
        responses=_STATEMENT,
    )
    def list(self, request):
        _require(request.user, "fieldservice.manage_dispatch")
        today = timezone.localdate()
        errors: dict[str, list[str]] = {}
        try:
            year = int(request.query_params.get("year") or today.year)
            month = int(request.query_params.get("month") or today.month)
        except ValueError:
            raise ValidationError({"month": [_("The year and the month are numbers.")]}) from None
        if not 1 <= month <= 12:
            errors["month"] = [_("The month is between 1 and 12.")]
        if not 2000 <= year <= 2100:
            errors["year"] = [_("The year is out of range.")]
        if errors:
            raise ValidationError(errors)
        partner = request.query_params.get("partner")
        rows = statements_month(
            request.user,
            year=year,
            month=month,
            partner=int(partner) if partner and partner.isdigit() else None,
        )
        return Response(
            [
                {
                    "partner": s.partner.pk,
                    "partner_name": s.partner.name,
                    "number": s.number,
                    "billing_mode": s.terms.billing_mode,
                    "cooperation_model": s.terms.cooperation_model,
                    "visits": s.visits,
                    "person_days": str(s.person_days),
                    "fees": str(s.fees),
                    "services": str(s.base),
                    "management_fee": str(s.management_fee),
                    "penalties": str(s.penalty_total),
                    "training_fees": str(s.training_total),
                    "payable": str(s.net),
                }
                for s in rows
            ]
        )
