"""API resources of implementation projects: ``projects/``, ``project-stages/``,
``project-logs/``, ``project-plans/``, each with its declared actions as
``…/transitions/<name>/`` (projects/actions.py; docs/architecture.md §action-layer)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.core.api.mixins import FormsMixin, FSMViewSetMixin, HistoryMixin

from ..actions import HANDOVER_ACTIONS, LOG_ACTIONS, PLAN_ACTIONS, PROJECT_ACTIONS, STAGE_ACTIONS
from ..filters import ProjectFilter
from ..models import (
    Credential,
    DailyLog,
    HandoverVersion,
    ImportTemplateHandover,
    PlanRevision,
    Project,
    Stage,
)
from ..selectors import projects_for_list
from .serializers import (
    CredentialRevealSerializer,
    CredentialSerializer,
    DailyLogSerializer,
    HandoverVersionSerializer,
    ImportTemplateHandoverSerializer,
    PlanRevisionSerializer,
    ProjectSerializer,
    StageSerializer,
)


class ProjectViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """Implementation projects (实施项目); a consultant sees the projects they are on."""

    serializer_class = ProjectSerializer
    queryset = Project.objects.none()
    action_set = PROJECT_ACTIONS
    filterset_class = ProjectFilter  # shared with the portal's list (projects/lists.py)
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


class _HandoverReaders(BasePermission):
    """Who may read the hand-over page may list its accounts (as on the portal); the
    reveal itself checks membership and the password (credential_reveal)."""

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.has_perm("projects.view_handoverversion")
        )


class CredentialViewSet(viewsets.ReadOnlyModelViewSet):
    """The accounts of a project's hand-over book, without their secrets; a member sees
    one secret by re-entering their own password, logged like the portal reveal
    (docs/architecture.md §credentials)."""

    serializer_class = CredentialSerializer
    permission_classes = [_HandoverReaders]
    queryset = Credential.objects.none()
    filterset_fields = ["book__project"]

    def get_queryset(self):
        return (
            Credential.objects.filter(
                book__project__in=Project.objects.restrict(self.request.user).values("pk")
            )
            .select_related("book")
            .order_by("book_id", "system", "id")
        )

    @extend_schema(
        request=CredentialRevealSerializer,
        responses=inline_serializer(
            "CredentialSecret",
            {"id": serializers.IntegerField(), "secret": serializers.CharField()},
        ),
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        from ..services import credential_reveal

        credential = self.get_object()
        form = CredentialRevealSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        secret = credential_reveal(
            credential,
            by=request.user,
            password=form.validated_data["password"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return Response(
            {"id": credential.pk, "secret": secret}, headers={"Cache-Control": "no-store"}
        )


class ImportTemplateHandoverViewSet(HistoryMixin, viewsets.ReadOnlyModelViewSet):
    """Data-import templates handed to the customer; recorded through the project's
    ``transitions/hand_import_template/`` (docs/domain.md §project.import-template)."""

    serializer_class = ImportTemplateHandoverSerializer
    queryset = ImportTemplateHandover.objects.none()
    filterset_fields = ["project"]

    def get_queryset(self):
        return (
            ImportTemplateHandover.objects.restrict(self.request.user)
            .select_related("contact", "handed_by")
            .order_by("project_id", "handed_at", "id")
        )
