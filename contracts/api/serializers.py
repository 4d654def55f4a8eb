from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from servicedesk.core.api.mixins import FSMSerializerMixin

from ..choices import DocumentKind, ServiceType
from ..models import (
    Asset,
    ChargeRate,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    InstalledProduct,
    RenewalDecision,
    ServicePeriod,
    ServiceScopeItem,
)


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "short_name",
            "industry",
            "region",
            "category",
            "phone",
            "website",
            "address",
            "sales_manager",
            "in_use_since",
            "notes",
        ]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "phone",
            "mobile",
            "email",
            "is_primary",
            "may_receive_passwords",
            "authorised_by",
            "authorised_on",
        ]

    def validate(self, attrs):
        merged = {**({} if self.instance is None else self.initial_data), **attrs}
        if merged.get("may_receive_passwords") and not (
            merged.get("authorised_by") and merged.get("authorised_on")
        ):
            raise serializers.ValidationError(
                {"authorised_by": [_("Record who at the customer authorised it, and when.")]}
            )
        return attrs


class AssetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Asset
        fields = [
            "id",
            "customer",
            "contract",
            "model",
            "part_number",
            "serial_number",
            "location",
            "warranty_end",
        ]


class InstalledProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstalledProduct
        fields = [
            "id",
            "customer",
            "contract",
            "software",
            "version",
            "modules",
            "licence_number",
            "go_live_on",
        ]


class ScopeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceScopeItem
        fields = ["service_type", "quota", "quota_period", "note"]


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServicePeriod
        fields = ["kind", "starts_on", "ends_on", "amount"]


class ChargeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChargeRate
        fields = ["service_type", "unit", "price", "note"]


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractDocument
        fields = ["id", "kind", "sha256", "filed_at", "uploaded_at"]


class RenewalDecisionSerializer(serializers.ModelSerializer):
    """The end of a service period and who was told (docs/domain.md §contract.period-end)."""

    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = RenewalDecision
        fields = [
            "id",
            "period_end",
            "outcome",
            "outcome_display",
            "note",
            "notice_channel",
            "notice_contact",
            "notice_text",
            "notice_sent_at",
            "notice_error",
            "told",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class ContractSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    scope_items = ScopeItemSerializer(many=True, read_only=True)
    periods = PeriodSerializer(many=True, read_only=True)
    renewal_decisions = RenewalDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "customer",
            "title",
            "sales_manager",
            "signed_on",
            "amount",
            "service_level",
            "includes_implementation",
            "free_data_import",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "scope_items",
            "periods",
            "renewal_decisions",
            "terminated_reason",
        ]
        read_only_fields = ["terminated_reason"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not request.user.has_perm("contracts.view_full_copy"):
            data["amount"] = None  # price-sensitive: management and sales only
        return data


class ContractWriteSerializer(serializers.ModelSerializer):
    """Create/update a draft with its scope, free period and charging standard."""

    scope_items = ScopeItemSerializer(many=True, required=False)
    free_period = PeriodSerializer(required=False, write_only=True)
    charge_rates = ChargeRateSerializer(many=True, required=False)

    class Meta:
        model = Contract
        fields = [
            "number",
            "customer",
            "title",
            "sales_manager",
            "signed_on",
            "amount",
            "service_level",
            "includes_implementation",
            "free_data_import",
            "notes",
            "scope_items",
            "free_period",
            "charge_rates",
        ]

    def validate_scope_items(self, value):
        types = [item["service_type"] for item in value]
        if len(types) != len(set(types)):
            raise serializers.ValidationError(_("Each service type may appear once."))
        return value

    def validate_free_period(self, value):
        if value["ends_on"] < value["starts_on"]:
            raise serializers.ValidationError(
                {"ends_on": [_("The end must not be before the start.")]}
            )
        return value


class EntitlementQuery(serializers.Serializer):
    service_type = serializers.ChoiceField(choices=ServiceType.choices)
    on = serializers.DateTimeField(required=False)

    def to_internal_value(self, data):
        raw = data.get("on") if hasattr(data, "get") else None
        if raw and len(str(raw)) == 10:  # a plain date: that day, whatever the year
            try:
                day = serializers.DateField().run_validation(raw)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"on": exc.detail}) from exc
            values = super().to_internal_value({k: v for k, v in data.items() if k != "on"})
            return {**values, "on": day}
        try:
            return super().to_internal_value(data)
        except OverflowError as exc:  # DRF's time-zone check of 0001-01-01 00:00 in +08:00
            message = _("Enter a date between 0001 and 9999.")
            raise serializers.ValidationError({"on": [message]}) from exc


class EntitlementOutput(serializers.Serializer):
    result = serializers.CharField()
    reason = serializers.CharField()
    code = serializers.CharField()
    contract = serializers.IntegerField(allow_null=True)
    charge = serializers.DictField(allow_null=True)


class DocumentUploadInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField()
