from rest_framework import serializers, viewsets

from servicedesk.core.api.mixins import (
    FormsMixin,
    FSMSerializerMixin,
    FSMViewSetMixin,
    HistoryMixin,
    TransitionSpec,
)

from .models import Job
from .services import job_finish, job_start


class JobSerializer(FSMSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "note",
            "owner",
            "state",
            "state_display",
            "available_transitions",
            "timers",
        ]


class StartInput(serializers.Serializer):
    note = serializers.CharField(max_length=100)


class JobViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ModelViewSet):
    serializer_class = JobSerializer
    queryset = Job.objects.none()
    transitions = {
        "start": TransitionSpec(job_start, StartInput, "Start the job"),
        "finish": TransitionSpec(job_finish, None, "Finish the job"),
    }

    def get_queryset(self):
        return Job.objects.restrict(self.request.user).order_by("id")
