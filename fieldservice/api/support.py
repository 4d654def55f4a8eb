"""On-site support plans over the API (docs/domain.md §support-plan): the plan with its
items and the customer's questions; creating a plan, adding and finishing items, recording
and answering questions go through the same services and take the same forms as the
portal page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from servicedesk.core.actions import action_input_serializer_for_form, api_form_data
from servicedesk.core.api.mixins import HistoryMixin
from servicedesk.core.api.permissions import ReadModelPermissions
from servicedesk.core.api.serializers import PersonField

from .. import upgrade_forms as f
from ..models.support import CustomerQuestion, SupportPlan, SupportPlanItem
from ..services import support as ss


class SupportItemSerializer(serializers.ModelSerializer):
    done_by_name = PersonField(source="done_by")

    class Meta:
        model = SupportPlanItem
        fields = ["id", "what", "due_on", "done_at", "done_note", "done_by", "done_by_name"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    route_display = serializers.CharField(source="get_route_display", read_only=True)

    class Meta:
        model = CustomerQuestion
        fields = [
            "id", "asked_by", "question", "asked_at", "route", "route_display", "reply",
            "replied_at",
        ]  # fmt: skip
        read_only_fields = fields


class SupportPlanSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    back_office_name = PersonField(source="back_office")
    items = SupportItemSerializer(many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = SupportPlan
        fields = [
            "id", "customer", "customer_name", "contract", "engineer", "back_office",
            "back_office_name", "scope", "content", "agreed_with", "starts_on", "ends_on",
            "created_at", "items", "questions",
        ]  # fmt: skip
        read_only_fields = fields


def _cleaned(request: Any, form_class: type[forms.Form], **kwargs: Any) -> dict[str, Any]:
    """The body checked by the portal's own form: 400 with its field errors otherwise."""
    data, files = api_form_data(request, form_class)
    form = form_class(data, files, **kwargs)
    if not form.is_valid():
        raise ValidationError({k: list(v) for k, v in form.errors.items()})
    return dict(form.cleaned_data)


def _may_work(user: Any) -> None:
    if not user.has_perm("fieldservice.change_supportplan"):
        raise PermissionDenied()


class SupportPlanViewSet(HistoryMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """On-site support plans: the scope and content agreed with the customer, the back-office
    contact, the items tracked to done and every customer question answered or routed."""

    serializer_class = SupportPlanSerializer
    queryset = SupportPlan.objects.none()
    filterset_fields = ["customer", "engineer"]
    permission_classes = [ReadModelPermissions]

    def get_queryset(self):
        return (
            SupportPlan.objects.restrict(self.request.user)
            .select_related("customer", "back_office")
            .prefetch_related("items__done_by", "questions")
            .order_by("-starts_on", "-id")
        )

    def _answer(self, plan: SupportPlan, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=plan.pk)).data, status=code)

    @extend_schema(
        request=action_input_serializer_for_form(f.SupportPlanForm, "SupportPlanInput"),
        responses={201: SupportPlanSerializer},
    )
    def create(self, request, *args, **kwargs):
        if not request.user.has_perm("fieldservice.add_supportplan"):
            raise PermissionDenied()
        from django.contrib.auth import get_user_model

        from ..selectors import engineers_assignable

        staff = get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct()
        data = _cleaned(
            request,
            f.SupportPlanForm,
            engineers=engineers_assignable(request.user),
            staff=staff,
        )
        plan = ss.support_plan_create(by=request.user, **data)
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        request=action_input_serializer_for_form(f.SupportItemForm, "SupportItemInput"),
        responses={201: SupportPlanSerializer},
        summary="Add an item to the plan",
    )
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, pk=None):
        plan = self.get_object()
        _may_work(request.user)
        ss.support_item_add(plan, by=request.user, **_cleaned(request, f.SupportItemForm))
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        request=action_input_serializer_for_form(f.ItemDoneForm, "SupportItemDoneInput"),
        responses=SupportPlanSerializer,
        summary="An item done, with how it went",
    )
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item>[0-9]+)/done")
    def item_done(self, request, pk=None, item=None):
        plan = self.get_object()
        _may_work(request.user)
        row = get_object_or_404(SupportPlanItem, pk=item, plan=plan)
        ss.support_item_done(row, by=request.user, **_cleaned(request, f.ItemDoneForm))
        return self._answer(plan)

    @extend_schema(
        request=action_input_serializer_for_form(f.QuestionForm, "CustomerQuestionInput"),
        responses={201: SupportPlanSerializer},
        summary="Record a customer's question",
    )
    @action(detail=True, methods=["post"], url_path="questions")
    def questions(self, request, pk=None):
        plan = self.get_object()
        _may_work(request.user)
        ss.question_record(plan, by=request.user, **_cleaned(request, f.QuestionForm))
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        request=action_input_serializer_for_form(f.ReplyForm, "CustomerQuestionReplyInput"),
        responses=SupportPlanSerializer,
        summary="Answer or route a customer's question, with the reply",
    )
    @action(detail=True, methods=["post"], url_path=r"questions/(?P<question>[0-9]+)/reply")
    def question_reply(self, request, pk=None, question=None):
        plan = self.get_object()
        _may_work(request.user)
        row = get_object_or_404(CustomerQuestion, pk=question, plan=plan)
        ss.question_reply(row, by=request.user, **_cleaned(request, f.ReplyForm))
        return self._answer(plan)
