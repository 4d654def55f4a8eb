"""API resources of the hotline: ``tickets/``, ``calls/``, ``duty-shifts/`` and
``knowledge-articles/`` (docs/api.md §resources). Thin: input serializers, then one service each."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from contracts.selectors import sole_installed_product
from servicedesk.core import selectors as core_selectors
from servicedesk.core.api.mixins import FormsMixin, FSMViewSetMixin, HistoryMixin
from servicedesk.core.api.permissions import ReadModelPermissions
from servicedesk.core.dates import sane_date

from ..actions import ARTICLE_ACTIONS, TICKET_ACTIONS
from ..filters import KnowledgeArticleFilter, TicketFilter
from ..models import Call, DutyShift, KnowledgeArticle, Ticket
from ..search import articles_search
from ..selectors import articles_list
from ..services import (
    ticket_intake,
)
from ..services.calls import (
    CONNECT_RATE_TARGET,
    RINGS_TARGET,
    call_attach,
    call_record,
    call_stats,
    call_stats_total,
)
from ..services.knowledge import (
    article_delete,
    article_mark_solved,
    article_save,
    article_usage_record,
)
from ..services.roster import (
    handover_items,
    shift_acknowledge_handover,
    shift_check_in,
    shift_plan,
    shift_remove,
)
from .serializers import (
    AcknowledgeInput,
    CallAttachInput,
    CallInput,
    CallSerializer,
    CallStatsOutput,
    CallStatsQuery,
    DutyShiftInput,
    DutyShiftSerializer,
    KnowledgeArticleSerializer,
    MarkSolvedInput,
    TicketBriefSerializer,
    TicketIntakeInput,
    TicketNoteSerializer,
    TicketSerializer,
)


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied()


# -- read helpers (tickets/selectors.py belongs to the portal) ----------------------------


def tickets_for_api(*, user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.restrict(user).select_related(
        "customer", "contract", "assignee", "first_contact_owner"
    )


# -- tickets -----------------------------------------------------------------------------


class TicketViewSet(FSMViewSetMixin, HistoryMixin, FormsMixin, viewsets.ReadOnlyModelViewSet):
    """Hotline service tickets. Create = intake (entitlement decided at once; out of scope
    goes to the sales manager, undetermined to the arbiter; never refused)."""

    serializer_class = TicketSerializer
    queryset = Ticket.objects.none()
    filterset_class = TicketFilter
    ordering_fields = ["received_at", "state", "number", "severity"]
    # One endpoint per declared action (tickets/actions.py; docs/architecture.md
    # §action-layer): …/transitions/<name>/, its body validated by the portal's form.
    action_set = TICKET_ACTIONS
    # GET answers drawn once per state of the data (core/page_cache.py).
    page_cache = True

    def get_queryset(self):
        return tickets_for_api(user=self.request.user).order_by("-received_at", "-id")

    def _ticket_response(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.refetch(ticket)).data, status=code)

    @extend_schema(request=TicketIntakeInput, responses={201: TicketSerializer})
    def create(self, request, *args, **kwargs):
        data = TicketIntakeInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = values["customer"]
        if not values["caller_company"].strip() and customer is not None:
            values["caller_company"] = customer.name
        if not values["product"].strip():
            installed = sole_installed_product(customer)
            values["product"] = installed.software if installed is not None else ""
        ticket = ticket_intake(by=request.user, **values)
        if hasattr(ticket, "prefetched_timers"):
            # The intake gave it back with its timers: no need to read it again.
            return Response(self.get_serializer(ticket).data, status=status.HTTP_201_CREATED)
        return self._ticket_response(ticket, status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=TicketNoteSerializer(many=True), summary="List notes")
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[ReadModelPermissions],
        pagination_class=None,
    )
    def notes(self, request, pk=None):
        """The ticket's notes; POST adds one (the declared ``note`` action)."""
        ticket = self.get_object()
        notes = ticket.notes.select_related("author").order_by("created_at", "pk")
        return Response(TicketNoteSerializer(notes, many=True).data)

    @extend_schema(
        responses=KnowledgeArticleSerializer(many=True),
        summary="Knowledge-base articles matching the symptoms",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def suggestions(self, request, pk=None):
        ticket = self.get_object()
        articles = articles_search(text=ticket.description, product=ticket.product)
        article_usage_record(articles, kind="suggested", by=request.user)
        return Response(KnowledgeArticleSerializer(articles, many=True).data)


# -- calls -------------------------------------------------------------------------------


class CallFilter(django_filters.FilterSet):
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = Call
        fields = ["engineer", "line", "customer", "ticket", "answered", "caller_phone"]


class CallViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Calls reported by the phone system. ``POST`` twice with the same ``external_id``
    records one call (the second answer is 200 with the first call)."""

    serializer_class = CallSerializer
    queryset = Call.objects.none()
    filterset_class = CallFilter
    ordering_fields = ["started_at", "rings", "duration_seconds"]

    def get_queryset(self):
        return (
            Call.objects.restrict(self.request.user)
            .select_related("engineer", "customer", "ticket")
            .order_by("-started_at", "-id")
        )

    @extend_schema(request=CallInput, responses={201: CallSerializer, 200: CallSerializer})
    def create(self, request, *args, **kwargs):
        data = CallInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        external_id = (values.get("external_id") or "").strip()
        known = bool(external_id) and Call.objects.filter(external_id=external_id).exists()
        call = call_record(**values)
        code = status.HTTP_200_OK if known else status.HTTP_201_CREATED
        return Response(CallSerializer(call).data, status=code)

    @extend_schema(request=CallAttachInput, responses=CallSerializer, summary="Link to a ticket")
    @action(detail=True, methods=["post"], permission_classes=[ReadModelPermissions])
    def attach(self, request, pk=None):
        call = self.get_object()
        _require(request.user, "tickets.change_call")
        data = CallAttachInput(data=request.data)
        data.is_valid(raise_exception=True)
        call = call_attach(call, data.validated_data["ticket"], request.user)
        return Response(CallSerializer(self.get_queryset().get(pk=call.pk)).data)

    @extend_schema(
        parameters=[CallStatsQuery],
        responses=CallStatsOutput,
        summary="Connect rate (target ≥ 90 %) and rings before answer (target ≤ 3)",
    )
    @action(detail=False, methods=["get"])
    def stats(self, request):
        query = CallStatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        end = sane_date(query.validated_data.get("end"), today)
        start = sane_date(query.validated_data.get("start"), end - dt.timedelta(days=6))
        group_by = query.validated_data["group_by"]
        rows = call_stats(
            start=_day_start(start), end=_day_start(end + dt.timedelta(days=1)), group_by=group_by
        )
        return Response(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "group_by": group_by,
                "targets": {"connect_rate": CONNECT_RATE_TARGET, "rings": RINGS_TARGET},
                "total": call_stats_total(rows),
                "rows": rows,
            }
        )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# -- duty roster -------------------------------------------------------------------------


class DutyShiftFilter(django_filters.FilterSet):
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")
    mine = django_filters.BooleanFilter(method="filter_mine")

    class Meta:
        model = DutyShift
        fields = ["line", "engineer"]

    def filter_mine(self, queryset, name, value):
        mine = Q(engineer=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)


class DutyShiftViewSet(
    HistoryMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """The duty roster: service managers plan and remove shifts; the engineer on a shift
    acknowledges the hand-over of the previous shift's open tickets."""

    serializer_class = DutyShiftSerializer
    queryset = DutyShift.objects.none()
    filterset_class = DutyShiftFilter
    ordering_fields = ["starts_at", "line"]

    def get_queryset(self):
        return (
            DutyShift.objects.restrict(self.request.user)
            .select_related("line", "engineer")
            .order_by("starts_at", "line_id", "pk")
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            core_selectors.timers_attach(list(page))
        return page

    def _shift_response(self, shift: DutyShift, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=shift.pk)).data, status=code)

    @extend_schema(request=DutyShiftInput, responses={201: DutyShiftSerializer})
    def create(self, request, *args, **kwargs):
        data = DutyShiftInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = shift_plan(by=request.user, **data.validated_data)
        return self._shift_response(shift, status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        shift_remove(instance, by=self.request.user)

    @extend_schema(
        request=AcknowledgeInput,
        responses=DutyShiftSerializer,
        summary="Acknowledge the hand-over (within 30 minutes of the shift start)",
    )
    @action(detail=True, methods=["post"], permission_classes=[ReadModelPermissions])
    def acknowledge(self, request, pk=None):
        shift = self.get_object()
        data = AcknowledgeInput(data=request.data)
        data.is_valid(raise_exception=True)
        shift = shift_acknowledge_handover(shift, by=request.user, **data.validated_data)
        return self._shift_response(shift)

    @extend_schema(
        request=None,
        responses=DutyShiftSerializer,
        summary="Check in at the start of the shift (ready within 10 minutes)",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="check-in",
        permission_classes=[ReadModelPermissions],
    )
    def check_in(self, request, pk=None):
        shift = shift_check_in(self.get_object(), by=request.user)
        return self._shift_response(shift)

    @extend_schema(
        responses=TicketBriefSerializer(many=True),
        summary="The previous shift's open tickets to take over",
    )
    @action(detail=True, methods=["get"], url_path="handover_items", pagination_class=None)
    def handover_items(self, request, pk=None):
        shift = self.get_object()
        tickets = handover_items(shift).restrict(request.user)
        return Response(TicketBriefSerializer(tickets, many=True).data)


# -- knowledge base ----------------------------------------------------------------------


class KnowledgeArticleViewSet(FSMViewSetMixin, HistoryMixin, viewsets.ModelViewSet):
    """The knowledge base (标准化问题库). New articles are drafts, reviewed through
    ``…/transitions/<name>/`` (submit, publish, send_back, archive, revise). ``?search=``
    finds published articles by symptoms written in Chinese without spaces (``&product=``
    ranks that product's articles first)."""

    serializer_class = KnowledgeArticleSerializer
    queryset = KnowledgeArticle.objects.none()
    filterset_class = KnowledgeArticleFilter
    ordering_fields = [
        "solved_count",
        "suggested_count",
        "opened_count",
        "helpful_count",
        "updated_at",
        "title",
    ]
    action_set = ARTICLE_ACTIONS  # docs/architecture.md §action-layer

    def get_queryset(self):
        return (
            articles_list(user=self.request.user)
            .select_related("source_ticket", "source_type")
            .order_by("-solved_count", "-updated_at", "-pk")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Symptoms, e.g. 保存凭证时提示科目停用"),
        ]
    )
    def list(self, request, *args, **kwargs):
        text = request.query_params.get("search", "").strip()
        if not text:
            return super().list(request, *args, **kwargs)
        # The view permission (checked already) shows every article: no row scoping here.
        found = articles_search(
            text=text, product=request.query_params.get("product", ""), limit=20
        )
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def perform_create(self, serializer):
        serializer.instance = article_save(
            by=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = article_save(
            by=self.request.user, data=dict(serializer.validated_data), article=serializer.instance
        )

    def perform_destroy(self, instance):
        article_delete(instance, by=self.request.user)

    @extend_schema(
        request=MarkSolvedInput,
        responses=KnowledgeArticleSerializer,
        summary="This article solved a ticket's call (counted once per ticket)",
    )
    @action(detail=True, methods=["post"], permission_classes=[ReadModelPermissions])
    def solved(self, request, pk=None):
        article = self.get_object()
        _require(request.user, "tickets.work_ticket")
        data = MarkSolvedInput(data=request.data)
        data.is_valid(raise_exception=True)
        article = article_mark_solved(
            article, ticket=data.validated_data["ticket"], by=request.user
        )
        return Response(self.get_serializer(article).data)
