"""API resources of implementation projects: ``projects/``, ``project-stages/``,
``project-logs/``, ``project-plans/``, each with its declared actions as
``…/transitions/<name>/`` (projects/actions.py; docs/architecture.md §action-layer)."""

from __future__ import annotations

from rest_framework import viewsets

from servicedesk.core.api.mixins import FormsMixin, FSMViewSetMixin, HistoryMixin

from ..actions import HANDOVER_ACTIONS, LOG_ACTIONS, PLAN_ACTIONS, PROJECT_ACTIONS, STAGE_ACTIONS
from ..models import DailyLog, HandoverVersion, PlanRevision, Project, Stage
from ..selectors import projects_for_list
from .serializers import (
    DailyLogSerializer,
    HandoverVersionSerializer,
    PlanRevisionSerializer,
    ProjectSerializer,
    StageSerializer,
)


class ProjectViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """Implementation projects (实施项目); a consultant sees the projects they are on."""

    serializer_class = ProjectSerializer
    queryset = Project.objects.none()
    action_set = PROJECT_ACTIONS
    filterset_fields = ["state", "customer", "project_manager"]
    ordering_fields = ["created_at", "number", "state", "slip_days"]

    def get_queryset(self):
        return projects_for_list(self.request.user).order_by("-created_at", "-id")


class StageViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = StageSerializer
    queryset = Stage.objects.none()
    action_set = STAGE_ACTIONS
    filterset_fields = ["project", "state"]

    def get_queryset(self):
        return Stage.objects.restrict(self.request.user).order_by("project_id", "order")


class DailyLogViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DailyLogSerializer
    queryset = DailyLog.objects.none()
    action_set = LOG_ACTIONS
    filterset_fields = ["project", "state", "consultant", "day"]

    def get_queryset(self):
        return (
            DailyLog.objects.restrict(self.request.user)
            .select_related("consultant")
            .order_by("-day", "id")
        )


class PlanRevisionViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PlanRevisionSerializer
    queryset = PlanRevision.objects.none()
    action_set = PLAN_ACTIONS
    filterset_fields = ["project", "state"]

    def get_queryset(self):
        return PlanRevision.objects.restrict(self.request.user).order_by("project_id", "number")


class HandoverVersionViewSet(
    FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = HandoverVersionSerializer
    queryset = HandoverVersion.objects.none()
    action_set = HANDOVER_ACTIONS
    filterset_fields = ["state"]

    def get_queryset(self):
        return (
            HandoverVersion.objects.restrict(self.request.user)
            .select_related("book", "giver", "receiver")
            .order_by("book_id", "number")
        )
