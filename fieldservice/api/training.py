"""API resources of customer training (docs/domain.md §training; docs/api.md §resources):
``trainings/`` with the declared actions as ``…/transitions/<name>/``
(fieldservice/actions_training.py), its printed forms (``forms/``), and
``training-attendees/`` (read-only; a certificate is ``training-attendees/<id>/forms/
training_certificate/``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from contracts.models import Customer
from servicedesk.core.api.mixins import (
    FormsMixin,
    FSMSerializerMixin,
    FSMViewSetMixin,
    HistoryMixin,
)

from ..actions_training import TRAINING_ACTIONS
from ..models import Engineer
from ..models.training import TrainingAttendee, TrainingSession
from ..selectors_training import trainings_for_list
from ..services import training as services


class TrainingAttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingAttendee
        fields = [
            "id",
            "session",
            "name",
            "department",
            "position",
            "phone",
            "signed_in_at",
            "sign_in_method",
            "certificate_number",
        ]


class TrainingSessionSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    attendees = TrainingAttendeeSerializer(many=True, read_only=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "number",
            "customer",
            "contract",
            "title",
            "trainer",
            "location",
            "starts_on",
            "ends_on",
            "expected_attendees",
            "plan",
            "timetable",
            "plan_sent_at",
            "plan_sent_to",
            "held_at",
            "completed_at",
            "summary",
            "suggestions",
            "archived_at",
            "cancelled_at",
            "cancel_reason",
            "attendees",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


class TrainingPlanInput(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    trainer = serializers.PrimaryKeyRelatedField(queryset=Engineer.objects.all())
    title = serializers.CharField(max_length=200)
    location = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    expected_attendees = serializers.IntegerField(min_value=1, max_value=500, default=10)
    plan = serializers.CharField()
    timetable = serializers.CharField()


class TrainingViewSet(
    FSMViewSetMixin,
    HistoryMixin,
    FormsMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Customer trainings; ``POST`` plans one (the technical or service manager)."""

    serializer_class = TrainingSessionSerializer
    queryset = TrainingSession.objects.none()
    action_set = TRAINING_ACTIONS
    filterset_fields = ["state", "customer", "trainer"]

    def get_queryset(self):
        return trainings_for_list(self.request.user).prefetch_related("attendees")

    @extend_schema(request=TrainingPlanInput, responses={201: TrainingSessionSerializer})
    def create(self, request, *args, **kwargs):
        data = TrainingPlanInput(data=request.data)
        if not data.is_valid():
            raise ValidationError(data.errors)
        session = services.training_plan(by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.refetch(session)).data, status=status.HTTP_201_CREATED
        )


class TrainingAttendeeViewSet(FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TrainingAttendeeSerializer
    queryset = TrainingAttendee.objects.none()
    filterset_fields = ["session"]

    def get_queryset(self):
        return TrainingAttendee.objects.restrict(self.request.user).order_by("session_id", "id")
