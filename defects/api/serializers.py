from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contracts.models import Contract, Customer
from fieldservice.models import Dispatch
from servicedesk.core.api.fields import (
    VisiblePrimaryKeyRelatedField,
    optional_text,
    required_text,
)
from servicedesk.core.api.mixins import CustomerWaitSerializerMixin, FSMSerializerMixin
from servicedesk.core.api.serializers import PersonField
from tickets.models import Ticket

from ..choices import Severity
from ..models import Defect, EvaluationReport, Requirement

User = get_user_model()


class ActiveUserField(serializers.PrimaryKeyRelatedField):
    """An active user. Filtered when validating, not at import: this module is imported
    with the admin (through defects/actions.py), before the user model's history model
    copies its fields, and a filter built then would leave the history model's
    ``is_active`` pointing at the user table."""

    def get_queryset(self):
        return User.objects.filter(is_active=True)


# -- defects -----------------------------------------------------------------------------


class DefectSerializer(
    FSMSerializerMixin, CustomerWaitSerializerMixin, serializers.ModelSerializer
):
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True, default="")
    assignee_name = PersonField(source="assignee")
    developer_name = PersonField(source="developer")
    dispatch_number = serializers.CharField(source="dispatch.number", read_only=True, default="")
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default="")

    class Meta:
        model = Defect
        fields = [
            "id",
            "number",
            "severity",
            "severity_display",
            "title",
            "steps",
            "customer_sees",
            "product",
            "version",
            "module",
            "site",
            "customer",
            "customer_name",
            "contract",
            "ticket",
            "ticket_number",
            "dispatch",
            "dispatch_number",
            "reported_at",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "customer_wait",
            "assignee",
            "assignee_name",
            "developer",
            "developer_name",
            "workaround",
            "knowledge_article",
            "tracker_key",
            "tracker_url",
            "report_note",
            "reported_to_hq_at",
            "verify_note",
            "verified_at",
            "fix_note",
            "fixed_version",
            "fixed_at",
            "confirm_note",
            "confirmed_at",
            "reopen_reason",
            "reject_reason",
            "reject_note",
            "escalation_point",
            "escalated_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class DefectInput(serializers.Serializer):
    """docs/api.md §inputs: severity, title, steps, reported_at (default now, never later), optional
    ticket / dispatch / customer / product; plus what the customer sees and where."""

    severity = serializers.ChoiceField(choices=Severity.choices)
    title = required_text(_("Give the defect a short title."), max_length=200)
    steps = required_text(
        _("How is it reproduced? The tester must be able to follow the steps."),
        help_text="Steps to reproduce.",
    )
    customer_sees = optional_text(
        help_text="What the customer sees. Defaults to the dispatch's problem or the "
        "ticket's symptoms."
    )
    product = optional_text(
        max_length=100,
        help_text="Defaults to the dispatch's or ticket's product, or the customer's only "
        "installed product.",
    )
    version = optional_text(
        max_length=60, help_text="Defaults to the version of the customer's installed product."
    )
    module = optional_text(
        max_length=100,
        help_text="Defaults to the installed product's module when it lists only one.",
    )
    site = optional_text(
        max_length=200,
        help_text="Customer site. Defaults to the dispatch's site address, else the "
        "customer's address.",
    )
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    customer = VisiblePrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, allow_null=True, default=None
    )
    contract = VisiblePrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True, default=None
    )
    ticket = VisiblePrimaryKeyRelatedField(
        queryset=Ticket.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    dispatch = VisiblePrimaryKeyRelatedField(
        queryset=Dispatch.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    workaround = serializers.CharField(allow_blank=True, required=False, default="")
    tracker_key = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    tracker_url = serializers.URLField(max_length=500, allow_blank=True, required=False, default="")

    def validate(self, attrs):
        dispatch = attrs.get("dispatch")
        if not attrs.get("product") and dispatch is not None:
            attrs["product"] = dispatch.product
        return attrs


# -- requirements ------------------------------------------------------------------------


class RequirementSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    evaluators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    missing_signatures = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = [
            "id",
            "number",
            "title",
            "description",
            "intent",
            "customer",
            "customer_name",
            "contract",
            "ticket",
            "product",
            "module",
            "recorded_at",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "tracker_key",
            "tracker_url",
            "entitlement",
            "entitlement_reason",
            "in_scope",
            "urgent",
            "affects_operation",
            "effort_days",
            "evaluators",
            "evaluation_note",
            "evaluated_at",
            "outcome",
            "outcome_display",
            "person_day_rate",
            "quote_amount",
            "agreed_amount",
            "negotiation_note",
            "workaround",
            "trained_people",
            "trained_by",
            "trained_at",
            "decline_explanation",
            "solution",
            "missing_signatures",
            "solution_confirmed_at",
            "planned_start",
            "planned_delivery",
            "developer",
            "delivery_note",
            "delivered_at",
            "acceptance_note",
            "customer_accepted_at",
            "escalation_point",
            "escalated_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_missing_signatures(self, obj: Requirement) -> list[str]:
        return obj.missing_signers()


class RequirementInput(serializers.Serializer):
    customer = VisiblePrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        error_messages={
            "required": _("Which customer asks for it?"),
            "null": _("Which customer asks for it?"),
        },
    )
    contract = VisiblePrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True, default=None
    )
    title = required_text(_("Give the request a short title."), max_length=200)
    description = required_text(
        _("Describe the requirement clearly and precisely, without ambiguity.")
    )
    intent = required_text(
        _("What does the customer really want, and what is it for?"),
        help_text="The customer's real intent.",
    )
    product = optional_text(
        max_length=100, help_text="Defaults to the customer's only installed product."
    )
    module = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    recorded_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    tracker_key = serializers.CharField(max_length=60, allow_blank=True, required=False, default="")
    tracker_url = serializers.URLField(max_length=500, allow_blank=True, required=False, default="")


class EvaluationReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationReport
        fields = ["id", "period_start", "period_end", "note", "created_by", "created_at"]
        read_only_fields = ["created_by", "created_at"]
        validators: list = []  # the service says which period already has a report
