from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import timer_target_label
from ..models import (
    CalendarException,
    CustomerWait,
    Notification,
    Signature,
    SlaPolicy,
    SlaTimer,
    WorkCalendar,
)
from ..models.calendar import parse_weekly_periods
from ..people import display_name


class TimerSerializer(serializers.ModelSerializer):
    target_display = serializers.SerializerMethodField()
    responsible = serializers.CharField(read_only=True, help_text="Who must act, in words.")

    class Meta:
        model = SlaTimer
        fields = [
            "target",
            "target_display",
            "state",
            "started_at",
            "due_at",
            "warned_at",
            "met_at",
            "breached_at",
            "paused_seconds",
            "responsible",
        ]

    def get_target_display(self, timer: SlaTimer) -> str:
        return timer_target_label(timer.target)


class TimerDetailSerializer(serializers.ModelSerializer):
    responsible = serializers.CharField(read_only=True)
    subject_type = serializers.SerializerMethodField()
    subject = serializers.SerializerMethodField()

    class Meta:
        model = SlaTimer
        fields = [
            "id",
            "subject_type",
            "subject_id",
            "subject",
            "target",
            "state",
            "assignee",
            "owner_role",
            "responsible",
            "policy",
            "calendar",
            "amount",
            "unit",
            "started_at",
            "due_at",
            "warn_at",
            "paused_at",
            "paused_seconds",
            "warned_at",
            "met_at",
            "breached_at",
            "cancelled_at",
        ]

    def get_subject_type(self, obj: SlaTimer) -> str:
        return f"{obj.subject_type.app_label}.{obj.subject_type.model}"

    def get_subject(self, obj: SlaTimer) -> str:
        return str(obj.subject) if obj.subject is not None else ""


class CustomerWaitSerializer(serializers.ModelSerializer):
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    started_by_name = serializers.SerializerMethodField()

    class Meta:
        model = CustomerWait
        fields = [
            "reason",
            "reason_display",
            "note",
            "started_at",
            "started_by",
            "started_by_name",
            "ended_at",
            "answer",
            "paused_targets",
            "paused_seconds",
        ]
        read_only_fields = fields

    def get_started_by_name(self, wait: CustomerWait) -> str:
        return display_name(wait.started_by)


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    when = serializers.DateTimeField()
    user = serializers.CharField(allow_null=True)
    type = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    changes = HistoryChangeSerializer(many=True)


class SignatureSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True)
    signer = serializers.CharField(
        source="signer.get_username",
        read_only=True,
        default=None,
        help_text="The staff user who signed (empty for a customer's signature).",
    )
    verify_token = serializers.UUIDField(read_only=True)

    class Meta:
        model = Signature
        fields = [
            "id",
            "form",
            "signer_name",
            "signer_role",
            "signer",
            "method",
            "signed_at",
            "content_sha256",
            "file_sha256",
            "signed_pdf_sha256",
            "ip_address",
            "recorded_by",
            "verify_token",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "closed_at"]
        read_only_fields = fields


class WorkItemSerializer(serializers.Serializer):
    """One record waiting for the user (the work queue, issue 10 §12)."""

    step = serializers.CharField(help_text="The waiting step's key; empty for a deadline only.")
    label = serializers.CharField(help_text="What to do.")
    record_type = serializers.SerializerMethodField()
    record_id = serializers.IntegerField(source="record.pk")
    title = serializers.SerializerMethodField()
    url = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.SerializerMethodField(help_text="The deadline's target, if any.")
    overdue = serializers.BooleanField()

    def get_record_type(self, item) -> str:
        return item.record._meta.label_lower

    def get_title(self, item) -> str:
        return str(item.record)

    def get_deadline(self, item) -> str | None:
        return item.timer.target if item.timer else None


class WorkQueueSerializer(serializers.Serializer):
    items = WorkItemSerializer(many=True)
    counts = serializers.DictField()


class CalendarExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarException
        fields = ["date", "kind", "note"]


class WorkCalendarSerializer(serializers.ModelSerializer):
    exceptions = CalendarExceptionSerializer(many=True, read_only=True)

    class Meta:
        model = WorkCalendar
        fields = [
            "id",
            "name",
            "time_zone",
            "weekly_periods",
            "always_open",
            "service_level",
            "is_default",
            "exceptions",
        ]

    def validate_weekly_periods(self, value):
        from django.core.exceptions import ValidationError

        try:
            parse_weekly_periods(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate_time_zone(self, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(_("Unknown time zone.")) from exc
        return value


class SlaPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "subject",
            "target",
            "condition",
            "amount",
            "unit",
            "calendar_basis",
            "calendar",
            "warn_percent",
            "notify",
            "description",
            "active",
        ]


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with these credentials.")]}
            )
        attrs["user"] = user
        return attrs


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema_field({"type": "string", "nullable": True, "readOnly": True})
class PersonField(serializers.Field):
    """A user's display name (read-only); every app's API shows people this way. ``null``
    when there is nobody (DRF renders a missing person as null before this field is asked),
    and the schema says so."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return display_name(value) if value is not None else ""
