from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.choices import ServiceType
from contracts.models import Contract, Customer
from servicedesk.core.api.fields import optional_text, required_text
from servicedesk.core.api.mixins import CustomerWaitSerializerMixin, FSMSerializerMixin
from servicedesk.core.api.serializers import PersonField, TimerSerializer

from ..choices import Channel, Severity, TicketKind
from ..models import (
    Call,
    DutyShift,
    HotlineLine,
    KnowledgeArticle,
    PasswordDisclosure,
    Ticket,
    TicketNote,
)

User = get_user_model()

# -- tickets -----------------------------------------------------------------------------


class TicketSerializer(
    FSMSerializerMixin, CustomerWaitSerializerMixin, serializers.ModelSerializer
):
    customer_name = serializers.CharField(source="customer.name", read_only=True, default="")
    contract_number = serializers.CharField(source="contract.number", read_only=True, default="")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    entitlement_display = serializers.CharField(source="get_entitlement_display", read_only=True)
    first_contact_owner_name = PersonField(source="first_contact_owner")
    assignee_name = PersonField(source="assignee")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "customer",
            "customer_name",
            "contract",
            "contract_number",
            "caller_name",
            "caller_company",
            "caller_phone",
            "channel",
            "product",
            "service_type",
            "description",
            "received_at",
            "severity",
            "severity_display",
            "needs_on_site",
            "state",
            "state_display",
            "available_transitions",
            "timers",
            "customer_wait",
            "first_contact_owner",
            "first_contact_owner_name",
            "assignee",
            "assignee_name",
            "entitlement",
            "entitlement_display",
            "entitlement_reason",
            "charge",
            "problem",
            "cause",
            "solution",
            "steps",
            "precautions",
            "shelve_reason",
            "dispatch_notes",
            "scope_decision",
            "scope_note",
            "commercial_decision",
            "agreed_charge",
            "commercial_note",
            "special_plan",
            "special_plan_owner",
            "special_plan_handed_at",
            "answered_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields


class TicketIntakeInput(serializers.Serializer):
    """A call or message taken by the hotline (docs/api.md §inputs)."""

    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), allow_null=True, required=False, default=None
    )
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text="Optional: the customer's active contract is found.",
    )
    caller_name = required_text(_("Who called?"), max_length=60)
    caller_company = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        default="",
        help_text="Defaults to the customer's name.",
    )
    caller_phone = required_text(_("The caller's phone number."), max_length=30)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    product = optional_text(
        max_length=100,
        help_text="Defaults to the customer's installed product when there is only one.",
    )
    description = required_text(_("Describe the symptoms."), help_text="The symptoms.")
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Defaults to now; never later."
    )
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    kind = serializers.ChoiceField(choices=TicketKind.choices, default=TicketKind.REQUEST)
    service_type = serializers.ChoiceField(
        choices=ServiceType.choices, default=ServiceType.PHONE_SUPPORT
    )
    needs_on_site = serializers.BooleanField(default=False)
    call = serializers.PrimaryKeyRelatedField(
        queryset=Call.objects.all(),
        allow_null=True,
        required=False,
        default=None,
        help_text="The phone system's call this ticket is about.",
    )
    new_customer = serializers.BooleanField(
        default=False,
        help_text=(
            "The caller is not in the archive: leave out customer and record caller_company, "
            "caller_name and caller_phone as a new customer (a first visit is created; "
            "without a contract the request goes to the arbiter)."
        ),
    )


class TicketNoteSerializer(serializers.ModelSerializer):
    author_name = PersonField(source="author")

    class Meta:
        model = TicketNote
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = fields


class DisclosureSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    disclosed_by_name = PersonField(source="disclosed_by")

    class Meta:
        model = PasswordDisclosure
        fields = [
            "id",
            "ticket",
            "contact",
            "contact_name",
            "what",
            "disclosed_by",
            "disclosed_by_name",
            "disclosed_at",
        ]
        read_only_fields = fields


# -- calls -------------------------------------------------------------------------------


class CallSerializer(serializers.ModelSerializer):
    engineer_name = PersonField(source="engineer")
    customer_name = serializers.CharField(source="customer.name", read_only=True, default="")
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default="")

    class Meta:
        model = Call
        fields = [
            "id",
            "caller_phone",
            "started_at",
            "answered",
            "rings",
            "duration_seconds",
            "engineer",
            "engineer_name",
            "line",
            "customer",
            "customer_name",
            "ticket",
            "ticket_number",
            "external_id",
        ]
        read_only_fields = fields


class CallInput(serializers.Serializer):
    """What the phone system reports (docs/api.md §inputs)."""

    caller_phone = serializers.CharField(max_length=30)
    started_at = serializers.DateTimeField()
    answered = serializers.BooleanField()
    rings = serializers.IntegerField(min_value=0, max_value=100, default=0)
    duration_seconds = serializers.IntegerField(min_value=0, default=0)
    engineer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False, default=None
    )
    line = serializers.PrimaryKeyRelatedField(
        queryset=HotlineLine.objects.all(), allow_null=True, required=False, default=None
    )
    external_id = serializers.CharField(
        max_length=64,
        allow_blank=True,
        allow_null=True,
        required=False,
        default=None,
        help_text="The phone system's id of the call: sending it again records nothing new.",
    )
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(), allow_null=True, required=False, default=None
    )


class CallAttachInput(serializers.Serializer):
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all())


class CallStatsQuery(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (inclusive).")
    end = serializers.DateField(required=False, help_text="Last day (inclusive).")
    group_by = serializers.ChoiceField(
        choices=["day", "line", "engineer", "duty"],
        default="day",
        help_text="duty: per engineer on the duty roster when the call rang (missed calls too).",
    )

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class CallStatsRow(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()
    connect_rate = serializers.FloatField(allow_null=True)
    avg_rings = serializers.FloatField(allow_null=True)
    over_3_rings = serializers.IntegerField()
    shifts = serializers.IntegerField(required=False, help_text="group_by=duty: shifts on duty.")
    late_check_ins = serializers.IntegerField(
        required=False, help_text="group_by=duty: shifts not checked in within 10 minutes."
    )


class CallStatsTotal(serializers.Serializer):
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()
    connect_rate = serializers.FloatField(allow_null=True)
    avg_rings = serializers.FloatField(allow_null=True)
    over_3_rings = serializers.IntegerField()


class CallStatsOutput(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    group_by = serializers.CharField()
    targets = serializers.DictField()
    total = CallStatsTotal()
    rows = CallStatsRow(many=True)


# -- duty roster -------------------------------------------------------------------------


class DutyShiftSerializer(serializers.ModelSerializer):
    line_name = serializers.CharField(source="line.name", read_only=True)
    engineer_name = PersonField(source="engineer")
    timers = serializers.SerializerMethodField()

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "line",
            "line_name",
            "engineer",
            "engineer_name",
            "starts_at",
            "ends_at",
            "checked_in_at",
            "handover_acknowledged_at",
            "handover_note",
            "planned_by",
            "timers",
        ]
        read_only_fields = fields

    @extend_schema_field(TimerSerializer(many=True))
    def get_timers(self, obj: DutyShift) -> list[dict]:
        from servicedesk.core import selectors

        timers = getattr(obj, "prefetched_timers", None)
        if timers is None:
            timers = selectors.timers_for(obj)
        return TimerSerializer(timers, many=True).data


class DutyShiftInput(serializers.Serializer):
    line = serializers.PrimaryKeyRelatedField(queryset=HotlineLine.objects.all())
    engineer = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class AcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, required=False, default="")


class TicketBriefSerializer(serializers.ModelSerializer):
    """A ticket in a list of hand-over items."""

    customer_name = serializers.CharField(source="customer.name", read_only=True, default="")
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    assignee_name = PersonField(source="assignee")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "caller_name",
            "description",
            "received_at",
            "state",
            "state_display",
            "assignee",
            "assignee_name",
        ]
        read_only_fields = fields


# -- knowledge base ----------------------------------------------------------------------


class KnowledgeArticleSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    source_ticket_number = serializers.CharField(
        source="source_ticket.number", read_only=True, default=""
    )
    published = serializers.BooleanField(read_only=True, help_text="state == published")
    source_model = serializers.CharField(
        source="source_type.model", read_only=True, default="", help_text="ticket, dispatch, defect"
    )
    score = serializers.SerializerMethodField(help_text="Search score (with ?search=).")

    class Meta:
        model = KnowledgeArticle
        fields = [
            "id",
            "title",
            "product",
            "module",
            "symptoms",
            "cause",
            "solution",
            "steps",
            "state",
            "state_display",
            "published",
            "available_transitions",
            "source_ticket",
            "source_ticket_number",
            "source_model",
            "source_id",
            "solved_count",
            "suggested_count",
            "opened_count",
            "helpful_count",
            "not_helpful_count",
            "author",
            "reviewer",
            "review_note",
            "published_at",
            "updated_at",
            "score",
        ]
        read_only_fields = [
            "state",
            "source_ticket",
            "source_ticket_number",
            "source_id",
            "solved_count",
            "suggested_count",
            "opened_count",
            "helpful_count",
            "not_helpful_count",
            "author",
            "reviewer",
            "review_note",
            "published_at",
            "updated_at",
            "score",
        ]

    def get_score(self, obj: KnowledgeArticle) -> int | None:
        return getattr(obj, "search_score", None)


class MarkSolvedInput(serializers.Serializer):
    ticket = serializers.PrimaryKeyRelatedField(queryset=Ticket.objects.all())
