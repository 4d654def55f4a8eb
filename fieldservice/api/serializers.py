"""Serializers of the field-service API: output representations and transition inputs."""

from __future__ import annotations

from rest_framework import serializers

from servicedesk.core.api.fields import model_bounds
from servicedesk.core.api.mixins import FSMSerializerMixin
from servicedesk.core.api.serializers import PersonField

from ..choices import DispatchKind, DispatchSeverity, LeadKind, PartUsageKind
from ..models import Dispatch, Engineer, Partner, SparePartUsage


class PartnerSerializer(serializers.ModelSerializer):
    cooperation_model_display = serializers.CharField(
        source="get_cooperation_model_display", read_only=True
    )
    billing_mode_display = serializers.CharField(source="get_billing_mode_display", read_only=True)

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "short_name",
            "contact_name",
            "phone",
            "region",
            "cooperation_model",
            "cooperation_model_display",
            "billing_mode",
            "billing_mode_display",
            "person_day_rate",
            "fee_share_percent",
            "active",
            "notes",
        ]


class EngineerSerializer(serializers.ModelSerializer):
    name = PersonField(source="user")
    username = serializers.CharField(source="user.username", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True, default="")
    certified = serializers.SerializerMethodField()

    class Meta:
        model = Engineer
        fields = [
            "id",
            "user",
            "username",
            "name",
            "partner",
            "partner_name",
            "region",
            "skills",
            "phone",
            "certified_on",
            "certification_expires_on",
            "certified",
            "active",
        ]

    def get_certified(self, obj: Engineer) -> bool:
        return obj.is_certified()


class SparePartSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    approved_by_name = PersonField(source="approved_by")

    class Meta:
        model = SparePartUsage
        fields = [
            "id",
            "kind",
            "kind_display",
            "part_name",
            "part_number",
            "serial_number",
            "quantity",
            "emergency",
            "repair_tag",
            "note",
            "approved_by",
            "approved_by_name",
            "approved_at",
            "recorded_at",
        ]
        read_only_fields = ["approved_by", "approved_at", "recorded_at"]


class DispatchSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True, default="")
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default="")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    entitlement_display = serializers.CharField(source="get_entitlement_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    engineer_name = serializers.SerializerMethodField()
    customer_signed = serializers.SerializerMethodField()

    class Meta:
        model = Dispatch
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "severity",
            "severity_display",
            "source",
            "ticket",
            "ticket_number",
            "follow_up_of",
            "customer",
            "customer_name",
            "contract",
            "contract_number",
            "service_type",
            "entitlement",
            "entitlement_display",
            "entitlement_reason",
            "charge",
            "service_fee",
            "site_address",
            "contact_name",
            "contact_phone",
            "product",
            "problem",
            "notes",
            "required_skills",
            "software_work",
            "due_from",
            "due_by",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "engineer",
            "engineer_name",
            "planned_start",
            "planned_minutes",
            "created_at",
            "verified_at",
            "assigned_at",
            "assigned_by",
            "confirmed_at",
            "appointment_at",
            "first_appointment_at",
            "scheduled_at",
            "out_of_hours_reason",
            "reschedule_count",
            "checked_in_at",
            "completed_at",
            "outcome",
            "outcome_display",
            "cause",
            "solution",
            "steps",
            "precautions",
            "backup_done",
            "backup_location",
            "new_needs",
            "on_site_minutes",
            "person_days",
            "customer_signed",
            "written_off_at",
            "next_step",
            "defect_id",
            "defect_number",
            "escalated_at",
            "archived_at",
            "followed_up_at",
            "follow_up_satisfaction",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields

    def get_available_transitions(self, obj: Dispatch) -> list[str]:
        # The declared actions (fieldservice/actions.py), as the mixin answers; typed
        # here so the published schema keeps its description.
        return super().get_available_transitions(obj)

    def get_engineer_name(self, obj: Dispatch) -> str:
        return str(obj.engineer) if obj.engineer_id else ""

    def get_customer_signed(self, obj: Dispatch) -> bool:
        return obj.customer_signature_id is not None


class DispatchCreateInput(serializers.Serializer):
    from contracts.models import Contract, Customer

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=DispatchKind.choices, default=DispatchKind.REPAIR)
    severity = serializers.ChoiceField(
        choices=DispatchSeverity.choices, default=DispatchSeverity.NORMAL
    )
    problem = serializers.CharField()
    site_address = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    contact_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30
    )
    product = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    required_skills = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    software_work = serializers.BooleanField(required=False, allow_null=True, default=None)
    due_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    due_by = serializers.DateTimeField(required=False, allow_null=True, default=None)


class LeadInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LeadKind.choices)
    description = serializers.CharField()


class PartInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PartUsageKind.choices, default=PartUsageKind.REPLACED)
    part_name = serializers.CharField(max_length=120)
    part_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    serial_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    quantity = serializers.IntegerField(**model_bounds(SparePartUsage, "quantity"), default=1)
    emergency = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class PartAddInput(PartInput):
    repair_tag = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
