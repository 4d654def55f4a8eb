"""Serializers of the projects API (docs/api.md §resources)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from servicedesk.core.api.mixins import FSMSerializerMixin
from servicedesk.core.api.serializers import PersonField

from ..models import (
    Credential,
    DailyLog,
    HandoverVersion,
    ImportTemplateHandover,
    PlanRevision,
    Project,
    Stage,
)


class StageSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    slip_days = serializers.SerializerMethodField()

    class Meta:
        model = Stage
        fields = [
            "id",
            "project",
            "order",
            "name",
            "deliverables",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "delivered_at",
            "reviewed_at",
            "signed_at",
            "review_note",
            "slip_days",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]

    def get_slip_days(self, obj: Stage) -> int:
        return obj.slip_days()


class DailyLogSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    consultant_name = PersonField(source="consultant")

    class Meta:
        model = DailyLog
        fields = [
            "id",
            "project",
            "consultant",
            "consultant_name",
            "day",
            "stage",
            "work_done",
            "hours",
            "issues",
            "next_steps",
            "submitted_at",
            "confirmed_at",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


class PlanRevisionSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = PlanRevision
        fields = [
            "id",
            "project",
            "number",
            "scope",
            "summary",
            "change_note",
            "stages",
            "reviewed_at",
            "signed_at",
            "in_force",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]

    def get_in_force(self, obj: PlanRevision) -> bool:
        plan = obj.project.plan_in_force
        return plan is not None and plan.pk == obj.pk


class ProjectSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    project_manager_name = PersonField(source="project_manager")
    slip_days = serializers.IntegerField(read_only=True, default=0)
    confirmed_hours = serializers.DecimalField(
        source="hours_confirmed", max_digits=10, decimal_places=1, read_only=True, default=0
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "number",
            "title",
            "customer",
            "customer_name",
            "contract",
            "source",
            "description",
            "implementation_manager",
            "project_manager",
            "project_manager_name",
            "consultants",
            "kickoff_on",
            "readiness_confirmed_at",
            "pause_category",
            "pause_reason",
            "terminate_category",
            "terminate_reason",
            "accepted_on",
            "created_at",
            "slip_days",
            "confirmed_hours",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


class HandoverVersionSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    """A hand-over version; credentials are never part of it (docs/architecture.md
    §credentials)."""

    project = serializers.IntegerField(source="book.project_id", read_only=True)
    giver_name = PersonField(source="giver")
    receiver_name = PersonField(source="receiver")

    class Meta:
        model = HandoverVersion
        fields = [
            "id",
            "project",
            "number",
            "giver",
            "giver_name",
            "receiver",
            "receiver_name",
            "reason",
            "customer_info",
            "system_config",
            "implementation_records",
            "open_problems",
            "given_at",
            "received_at",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


class CredentialSerializer(serializers.ModelSerializer):
    """A hand-over book account: which system and account, never the secret
    (docs/architecture.md §credentials); the secret comes from ``…/reveal/`` only."""

    project = serializers.IntegerField(source="book.project_id", read_only=True)

    class Meta:
        model = Credential
        fields = ["id", "project", "system", "username", "note", "created_at"]
        read_only_fields = fields


class CredentialRevealSerializer(serializers.Serializer):
    password = serializers.CharField(
        label=_("Your own password"),
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
    )


class ImportTemplateHandoverSerializer(serializers.ModelSerializer):
    """A data-import template handed to the customer (docs/domain.md
    §project.import-template)."""

    contact_name = serializers.CharField(source="contact.name", read_only=True)
    handed_by_name = PersonField(source="handed_by")
    file_name = serializers.CharField(read_only=True)

    class Meta:
        model = ImportTemplateHandover
        fields = [
            "id",
            "project",
            "contact",
            "contact_name",
            "handed_by",
            "handed_by_name",
            "handed_at",
            "file",
            "file_name",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields
