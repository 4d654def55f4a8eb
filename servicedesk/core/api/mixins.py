"""Reusable pieces every API resource shares (docs/api.md §workflow).

- ``FSMSerializerMixin`` adds ``state``, ``state_display``, ``available_transitions`` and
  ``timers`` to a serializer.
- ``FSMViewSetMixin`` turns a ``transitions`` table into one POST action per transition
  (``…/transitions/<name>/``), each listed in the OpenAPI schema with its arguments.
- ``HistoryMixin`` gives ``GET …/history/``; ``FormsMixin`` the printed forms and
  signatures endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from servicedesk.core.text import SIGNATURE_IMAGE_MAX_LENGTH

from .. import printforms, selectors
from ..actions import Action, ActionSet, action_input_serializer, api_form_data, api_name
from ..exceptions import NotPermitted, TransitionConflict
from ..services.signatures import signature_record
from ..services.transitions import available_transitions, fsm_field_name, transition_permitted
from .permissions import ReadModelPermissions
from .serializers import (
    CustomerWaitSerializer,
    HistoryEntrySerializer,
    SignatureSerializer,
    TimerSerializer,
)


class FSMSerializerMixin(serializers.Serializer):
    state = serializers.SerializerMethodField()
    state_display = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()
    timers = serializers.SerializerMethodField()

    def get_state(self, obj: Any) -> str:
        return getattr(obj, fsm_field_name(type(obj)))

    def get_state_display(self, obj: Any) -> str:
        return str(getattr(obj, f"get_{fsm_field_name(type(obj))}_display")())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_transitions(self, obj: Any) -> list[str]:
        """The actions the user can run now: the declared ones when the view has an
        action set (the same set the portal and the admin offer), else the FSM's."""
        request = self.context.get("request")
        if request is None:
            return []
        view = self.context.get("view")
        action_set = getattr(view, "action_set", None)
        if action_set is not None and isinstance(obj, action_set.model):
            return action_set.available(obj, request.user, "api")
        return available_transitions(obj, request.user)

    @extend_schema_field(TimerSerializer(many=True))
    def get_timers(self, obj: Any) -> list[dict]:
        timers = getattr(obj, "prefetched_timers", None)
        if timers is None:
            timers = selectors.timers_for(obj)
        return [self._timer_serializer.to_representation(timer) for timer in timers]

    @cached_property
    def _timer_serializer(self) -> TimerSerializer:
        """One timer serializer for every row of a list: building its fields again for
        each ticket was a fifth of a 50-row page's time (docs/architecture.md §load)."""
        return TimerSerializer()


class CustomerWaitSerializerMixin(serializers.Serializer):
    """``customer_wait``: what the record waits for from the customer now (its promises
    to the customer are paused meanwhile), or null."""

    customer_wait = serializers.SerializerMethodField()

    @extend_schema_field(CustomerWaitSerializer(allow_null=True))
    def get_customer_wait(self, obj: Any) -> dict | None:
        wait = selectors.customer_wait_open(obj)
        return CustomerWaitSerializer(wait).data if wait is not None else None


@dataclass(frozen=True)
class TransitionSpec:
    """One API transition: the service to call and the serializer of its arguments.

    The service is called as ``service(obj, by=user, **validated_data)`` and returns the
    updated object.
    """

    service: Callable[..., Any]
    input: type[serializers.Serializer] | None = None
    summary: str = ""


def _make_transition_action(name: str, spec: TransitionSpec) -> Callable:
    def transition(self, request, pk=None):
        obj = self.get_object()
        # The permission before the input (docs/architecture.md §access-and-sessions).
        if not transition_permitted(obj, name, request.user):
            raise NotPermitted(_("You may not perform this action."))
        data: dict[str, Any] = {}
        if spec.input is not None:
            ser = spec.input(data=request.data, context=self.get_serializer_context())
            ser.is_valid(raise_exception=True)
            data = dict(ser.validated_data)
        updated = spec.service(obj, by=request.user, **data)
        return Response(self.get_serializer(self.refetch(updated)).data)

    transition.__name__ = f"transition_{name}"
    # @action replaces the function's kwargs, so the schema is attached after it.
    transition = action(
        detail=True,
        methods=["post"],
        url_path=f"transitions/{name}",
        url_name=f"transition-{name.replace('_', '-')}",
        permission_classes=[ReadModelPermissions],
    )(transition)
    return extend_schema(
        summary=spec.summary or name.replace("_", " "),
        description="Runs the transition; 409 when it is not allowed now or the record "
        "changed concurrently, 400 with field errors for bad arguments.",
        request=spec.input,
    )(transition)


def _make_declared_action(
    action_set: ActionSet, declared: Action, existing: Any = None, record_serializer: Any = None
) -> Callable:
    """``POST …/transitions/<name>/`` for one declared action: the body is validated by
    the action's own form (the portal's), so both accept exactly the same input."""
    name = declared.name

    def transition(self, request, pk=None):
        obj = self.get_object()
        # The permission first: 403 before any 400 / 409 that would tell the state
        # (docs/architecture.md §access-and-sessions).
        if not action_set.permits(obj, request.user, declared):
            raise NotPermitted(_("You may not perform this action."))
        state = action_set.state_of(obj, request.user, declared)
        if state is not None and not state.enabled and not declared.service_explains:
            if state.fields:  # the unmet condition is missing input: bad input on it
                raise serializers.ValidationError({state.fields[0]: state.reasons[:1]})
            raise TransitionConflict(state.reason)
        if state is None and not action_set.transition_names(declared):
            # Permitted, but not now (its ``when``): a conflict with the reason.
            raise TransitionConflict(action_set.refusal(obj, request.user, declared) or "")
        if declared.api_input is not None:
            ser = declared.api_input(data=request.data, context=self.get_serializer_context())
            ser.is_valid(raise_exception=True)
            updated = declared.run(obj, request.user, dict(ser.validated_data))
        else:
            data, files = api_form_data(request, declared.form)
            form = declared.make_form(obj, request.user, data, files, prefix=False)
            if not form.is_valid():
                fields = form.fields
                raise serializers.ValidationError(
                    {
                        api_name(key, fields[key]) if key in fields else key: list(errors)
                        for key, errors in form.errors.items()
                    }
                )
            updated = declared.run(obj, request.user, dict(form.cleaned_data))
        if declared.api_result is not None:
            return Response(declared.api_result(updated).data, status=status.HTTP_201_CREATED)
        if not isinstance(updated, type(obj)):
            updated = obj
        return Response(self.get_serializer(self.refetch(updated)).data, status=declared.api_status)

    transition.__name__ = f"transition_{name}"
    answers: dict[str, Any] = {}
    if declared.api_result is not None:
        answers["responses"] = {201: declared.api_result}
    elif declared.api_status != 200:
        answers["responses"] = {declared.api_status: record_serializer}
    schema = extend_schema(
        summary=declared.summary or str(declared.label),
        description=(str(declared.help) + "\n\n" if declared.help else "")
        + "Runs the action; 409 when it is not possible now (with the reason) or the "
        "record changed concurrently, 403 without the permission, 400 with field errors "
        "for bad input.",
        request=action_input_serializer(action_set.model, declared),
        **answers,
    )
    if existing is not None:
        # A path the view already serves (GET notes/): the action is its POST.
        transition.__name__ = f"{declared.api_path}_{name}"
        existing.mapping.post(transition)
        return schema(transition)
    path = declared.api_path or f"transitions/{name}"
    transition = action(
        detail=True,
        methods=["post"],
        url_path=path,
        url_name=declared.api_path.replace("_", "-")
        if declared.api_path
        else f"transition-{name.replace('_', '-')}",
        permission_classes=[ReadModelPermissions],
        parser_classes=[JSONParser, FormParser, MultiPartParser],
    )(transition)
    return schema(transition)


class FSMViewSetMixin:
    """Add ``action_set = <ActionSet>`` (the app's declared actions: one endpoint per
    action) or the older ``transitions = {"name": TransitionSpec(...)}`` to a
    ModelViewSet."""

    transitions: dict[str, TransitionSpec] = {}
    action_set: ActionSet | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, spec in cls.__dict__.get("transitions", {}).items():
            setattr(cls, f"transition_{name}", _make_transition_action(name, spec))
        declared = cls.__dict__.get("action_set")
        if declared is not None:
            served = {
                getattr(f, "url_path", None): f
                for f in cls.__dict__.values()
                if callable(f) and hasattr(f, "mapping")
            }
            for item in declared.for_channel("api"):
                existing = served.get(item.api_path) if item.api_path else None
                made = _make_declared_action(
                    declared, item, existing, cls.__dict__.get("serializer_class")
                )
                setattr(
                    cls, made.__name__ if existing is not None else f"transition_{item.name}", made
                )

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.timers_attach(list(page))
            if issubclass(self.get_serializer_class(), CustomerWaitSerializerMixin):
                selectors.customer_waits_attach(list(page))
        return page

    def refetch(self, obj: Any) -> Any:
        """Reload through the view's queryset so the response has its usual shape."""
        return self.get_queryset().get(pk=obj.pk)


class HistoryMixin:
    @extend_schema(responses=HistoryEntrySerializer(many=True), summary="Change history")
    @action(detail=True, methods=["get"], url_path="history")
    def history(self, request, pk=None):
        obj = self.get_object()
        return Response(HistoryEntrySerializer(selectors.history_changes(obj), many=True).data)


class FormsMixin:
    """``forms/``, ``forms/<code>/`` (PDF) and ``signatures/`` (docs/api.md §forms)."""

    @extend_schema(
        summary="Printable forms of this record",
        responses=inline_serializer(
            "FormListItem",
            {
                "code": serializers.CharField(),
                "title": serializers.CharField(),
                "url": serializers.CharField(),
                "signatures": SignatureSerializer(many=True),
            },
            many=True,
        ),
    )
    @action(detail=True, methods=["get"], url_path="forms")
    def forms(self, request, pk=None):
        obj = self.get_object()
        items = []
        for spec in printforms.forms_for(type(obj)):
            sigs = selectors.signatures_for(obj, spec.code)
            items.append(
                {
                    "code": spec.code,
                    "title": str(spec.title),
                    "url": request.build_absolute_uri(f"{request.path}{spec.code}/"),
                    "signatures": SignatureSerializer(sigs, many=True).data,
                }
            )
        return Response(items)

    @extend_schema(
        summary="The form as a PDF",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"forms/(?P<form>[a-z0-9_]+)")
    def form_pdf(self, request, pk=None, form=None):
        obj = self.get_object()
        try:
            spec = printforms.form_get(type(obj), form)
        except LookupError:
            raise NotFound() from None
        pdf = printforms.render(spec, obj)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{spec.code}-{obj.pk}.pdf"'
        return response

    @extend_schema(
        summary="Record a signature (drawn PNG data URL or signed scan upload)",
        description=(
            "`signer_role` names one of the form's signature boxes. A staff box is signed "
            "only by the requesting user holding that role for the record, and is recorded "
            "as that user (403 with the reason otherwise). A customer box needs "
            "`signer_name`, the customer's name; the requesting user is the witness."
        ),
        request={
            "application/json": inline_serializer(
                "SignatureDrawnInput",
                {
                    "form": serializers.CharField(),
                    "signer_role": serializers.CharField(),
                    "signer_name": serializers.CharField(
                        required=False, help_text="Customer boxes only: who signed."
                    ),
                    "image": serializers.CharField(
                        help_text="data:image/png;base64,…",
                        max_length=SIGNATURE_IMAGE_MAX_LENGTH,
                    ),
                },
            ),
            "multipart/form-data": inline_serializer(
                "SignatureScanInput",
                {
                    "form": serializers.CharField(),
                    "signer_role": serializers.CharField(),
                    "signer_name": serializers.CharField(
                        required=False, help_text="Customer boxes only: who signed."
                    ),
                    "file": serializers.FileField(),
                },
            ),
        },
        responses={201: SignatureSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="signatures",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
        permission_classes=[ReadModelPermissions],
    )
    def signatures(self, request, pk=None):
        obj = self.get_object()
        if not request.user.has_perm("core.add_signature"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(_("You may not sign forms."))
        sig = signature_record(
            target=obj,
            form=str(request.data.get("form", "")),
            signer_name=str(request.data.get("signer_name", "")),
            signer_role=str(request.data.get("signer_role", "")),
            image=request.data.get("image") or None,
            file=request.FILES.get("file"),
            by=request.user,
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(SignatureSerializer(sig).data, status=status.HTTP_201_CREATED)
