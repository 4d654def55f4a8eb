"""The action layer: each thing a user can do to a workflow record is declared once.

An app declares its actions next to its services (``<app>/actions.py``)::

    DISPATCH_ACTIONS = ActionSet(Dispatch, [
        Action("assign", _("Assign"), dispatch_assign, form=AssignForm,
               icon="person-check", primary=True,
               form_kwargs=lambda dispatch, user: {"engineers": ...}),
        Action("note", _("Add note"), dispatch_note_add, form=NoteForm,
               permission="fieldservice.add_dispatchnote"),
    ])

and the core builds from that one declaration

- the portal's action panel (``templates/partials/action_panel.html`` through
  :func:`action_panels`, and the POST handler :func:`action_run_portal`),
- the admin's buttons (``FSMTransitionAdminMixin.action_set``), and
- the API's ``…/transitions/<name>/`` endpoints with their OpenAPI schema
  (``FSMViewSetMixin.action_set``; the request body is derived from the same form).

Availability is answered in one place, :meth:`ActionSet.states`: an action whose
transition exists from the current state and whose permission the user holds is offered;
when one of the transition's conditions is unmet it is offered *disabled*, with the
reason each unmet condition gives (``core.conditions.condition``).
The service stays the authority: it checks conditions and permissions again under the
row lock (``transition_run``), so a forged request gets the same refusal.

Why: docs/architecture.md §action-layer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .conditions import condition, unmet_fields, unmet_reason, unmet_reasons
from .services.transitions import fsm_field_name, transition_permitted

if TYPE_CHECKING:
    from .types import User


@dataclass(frozen=True)
class Action:
    """One user action on a record: its name (the API's transition name), label, service
    and input form, who may run it and when.

    ``service`` is called as ``service(obj, by=user, **form.cleaned_data)``.
    ``transitions`` are the FSM transitions the action runs (by default the one named like
    the action, when the model has it); an action without a transition (a note, a
    disclosure) is governed by ``permission`` and ``when`` instead.
    ``unavailable(obj, user)`` returns a reason to show the action disabled (beyond the
    transition's own conditions), or ``None``.
    ``input_conditions``: conditions of the transition that read the action's input (the
    engineer chosen, the appointment agreed): they do not disable the action before the
    input is given; the service checks them with it and refuses with the reason.
    ``page(obj)``: the URL of a page of its own (a signature drawn on a phone): the portal
    panel links there instead of opening a form; availability still comes from here.
    ``prefix`` is the form's field prefix on the portal when it predates the action's name
    (default: the name). ``api_input`` is a serializer the API validates the body with
    instead of the form, for an API whose contract predates the form (its schema is kept).
    ``api_path``: the API serves the action at ``…/<api_path>/`` instead of
    ``…/transitions/<name>/`` (an action that is not a state transition, with a path of its
    own in the API contract: a transfer, a note); ``api_result`` is then the serializer of
    what the service returns, answered with 201 (a note, a disclosure), instead of the record;
    ``api_status`` the status of the record's answer otherwise (201 for a publication whose
    contract answers with the record).
    ``service_explains``: a POST of the action while it is offered disabled still reaches
    the service, whose own refusal (field errors, 400) says what is missing, instead of
    the channel's 409 with the condition's reason.
    """

    name: str
    label: str | Promise
    service: Callable[..., Any]
    form: type[forms.Form] | None = None
    transitions: tuple[str, ...] | None = None
    permission: str = ""
    #: who may run it at all, when that is more than one ``permission`` (either of two
    #: rights); asked before the state, like ``permission`` (``ActionSet.permits``)
    permitted: Callable[[Any, Any], bool] | None = None
    when: Callable[[Any, Any], bool] | None = None
    unavailable: Callable[[Any, Any], str | None] | None = None
    confirm: str | Promise = ""
    icon: str = "lightning"
    primary: bool = False
    help: str | Promise = ""
    initial: Callable[[Any, Any], dict[str, Any]] | None = None
    form_kwargs: Callable[[Any, Any], dict[str, Any]] | None = None
    summary: str = ""
    #: a template included in the portal panel above the form (context: object, a)
    panel_template: str = ""
    input_conditions: tuple[Callable[[Any], bool], ...] = ()
    page: Callable[[Any], str] | None = None
    #: the printed form whose signatures the action waits for: offered disabled, the
    #: portal panel links to the boxes the user may sign (``printforms.unsigned_boxes``)
    sign_form: str = ""
    #: named in the API representation's ``available_transitions`` (False for an API
    #: action that is not a state transition and was never listed there)
    listed: bool = True
    #: the OpenAPI name of the request body derived from ``form`` (default
    #: ``<Model><Action>Input``): keeps a published schema's name; actions giving the same
    #: name share one body (their forms take the same fields; the first one documents it)
    input_name: str = ""
    portal: bool = True
    admin: bool = True
    api: bool = True
    prefix: str = ""
    api_input: type | None = None
    api_path: str = ""
    api_result: type | None = None
    api_status: int = 200
    service_explains: bool = False

    def make_form(
        self,
        obj: Any,
        user: User | None,
        data: Any = None,
        files: Any = None,
        *,
        prefix: bool = True,
    ) -> forms.Form:
        form_class = self.form or EmptyActionForm
        kwargs: dict[str, Any] = {}
        if prefix:
            kwargs["prefix"] = self.prefix or self.name
        if self.form_kwargs is not None and self.form is not None:
            kwargs.update(self.form_kwargs(obj, user))
        if data is None and self.initial is not None:
            kwargs["initial"] = self.initial(obj, user)
        form = form_class(data, files, **kwargs)
        if data is None and hasattr(form, "prefill_for"):
            form.prefill_for(user)
        return form

    def run(self, obj: Any, user: User | None, data: dict[str, Any]) -> Any:
        return self.service(obj, by=user, **data)


class EmptyActionForm(forms.Form):
    """The input of an action that needs none (a confirmation button)."""


@dataclass
class ActionState:
    """An action as one user sees it on one record now."""

    action: Action
    enabled: bool
    reasons: list[str] = field(default_factory=list)
    form: forms.Form | None = None
    open: bool = False
    #: the action's own page (``Action.page``), linked from the panel
    url: str = ""
    #: the input fields the first unmet condition is about (``condition(..., field=)``)
    fields: list[str] = field(default_factory=list)
    #: the signature boxes the user may sign so that a disabled action can run
    sign: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.action.name

    def __getitem__(self, key: str) -> Any:
        """Read like the dicts of the older per-app panels (``a["action"]``, ``a["form"]``)."""
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


#: every declared action set, in declaration order (tests/core/test_action_registry.py
#: checks each is served by an admin and an API view)
_REGISTRY: list[ActionSet] = []


def registered_action_sets() -> list[ActionSet]:
    """Every :class:`ActionSet` declared so far (import the apps' ``actions`` modules
    first, e.g. by loading the URLconf)."""
    return list(_REGISTRY)


class ActionSet:
    """The declared actions of one model, in the order the portal shows them."""

    def __init__(
        self, model: type[models.Model], actions: Sequence[Action], *, form_prefix: bool = True
    ) -> None:
        self.model = model
        #: prefix the portal forms' fields with the action's name (several forms on one
        #: page); ``False`` keeps the plain field names an app's pages already post
        self.form_prefix = form_prefix
        self.actions: dict[str, Action] = {}
        for action in actions:
            if action.name in self.actions:
                raise ValueError(f"{model.__name__}: action {action.name!r} declared twice")
            self.actions[action.name] = action
        self.state_field = fsm_field_name(model)
        for action in actions:
            for name in self.transition_names(action):
                method = getattr(model, name, None)
                if method is None or not hasattr(method, "_django_fsm"):
                    raise ValueError(f"{model.__name__}.{name} is not a transition")
        _REGISTRY.append(self)

    def __repr__(self) -> str:
        return f"<ActionSet {self.model._meta.label}: {', '.join(self.actions)}>"

    def __iter__(self):
        return iter(self.actions.values())

    def __contains__(self, name: str) -> bool:
        return name in self.actions

    def __getitem__(self, name: str) -> Action:
        return self.actions[name]

    def get(self, name: str) -> Action | None:
        return self.actions.get(name)

    def for_channel(self, channel: str) -> list[Action]:
        return [a for a in self.actions.values() if getattr(a, channel)]

    def transition_names(self, action: Action) -> tuple[str, ...]:
        if action.transitions is not None:
            return action.transitions
        method = getattr(self.model, action.name, None)
        return (action.name,) if method is not None and hasattr(method, "_django_fsm") else ()

    # -- availability ---------------------------------------------------------------------

    def permits(self, obj: Any, user: User | None, action: Action) -> bool:
        """Whether ``user`` holds the permission of ``action`` on ``obj`` in *some* state:
        asked before anything about the record's state, so that a user without it gets
        403 and never learns the state from a 400 / 409 (docs/architecture.md
        §access-and-sessions). ``None`` is the system itself."""
        if user is None:
            return True
        if action.permitted is not None and not action.permitted(obj, user):
            return False
        names = self.transition_names(action)
        if not names:
            return not action.permission or user.has_perm(action.permission)
        return any(transition_permitted(obj, name, user) for name in names)

    def state_of(self, obj: Any, user: User | None, action: Action) -> ActionState | None:
        """``None`` when the action is not for this user or not from this state; else
        enabled, or disabled with the reasons."""
        names = self.transition_names(action)
        reasons: list[str] = []
        fields: list[str] = []
        if names:
            current = getattr(obj, self.state_field)
            offered = False
            for name in names:
                meta = getattr(type(obj), name)._django_fsm
                transition = meta.get_transition(current)
                if transition is None or not meta.has_transition(current):
                    continue
                if user is not None and not transition.has_perm(obj, user):
                    continue
                unmet = _unmet_reasons(transition, obj, action.input_conditions)
                if not unmet:
                    offered = True
                    reasons, fields = [], []
                    break
                if not offered:
                    offered = True
                    reasons = unmet
                    fields = unmet_fields(transition, obj)
            if not offered:
                return None
        else:
            if action.permission and not (user is not None and user.has_perm(action.permission)):
                return None
        if action.when is not None and not action.when(obj, user):
            return None
        if not reasons and action.unavailable is not None:
            reason = action.unavailable(obj, user)
            if reason:
                reasons = [str(reason)]
        return ActionState(
            action=action, enabled=not reasons, reasons=reasons, fields=fields if reasons else []
        )

    def states(self, obj: Any, user: User | None, channel: str = "portal") -> list[ActionState]:
        states = []
        for action in self.for_channel(channel):
            state = self.state_of(obj, user, action)
            if state is not None:
                states.append(state)
        return states

    def available(self, obj: Any, user: User | None, channel: str = "api") -> list[str]:
        """Names of the actions ``user`` can run on ``obj`` now (on the API, those
        ``listed``)."""
        return [
            s.name
            for s in self.states(obj, user, channel)
            if s.enabled and (channel != "api" or s.action.listed)
        ]

    def refusal(self, obj: Any, user: User | None, action: Action) -> str | None:
        """Why ``action`` cannot run now (``None`` when it can)."""
        state = self.state_of(obj, user, action)
        if state is None:
            display = getattr(obj, f"get_{self.state_field}_display", lambda: "")()
            return _("“%(action)s” is not possible now (state: %(state)s).") % {
                "action": action.label,
                "state": display,
            }
        return None if state.enabled else state.reason


def _unmet_reasons(transition: Any, obj: Any, input_conditions: Sequence[Any]) -> list[str]:
    if not input_conditions:
        return unmet_reasons(transition, obj)
    return [
        unmet_reason(cond, obj)
        for cond in transition.conditions
        if cond not in input_conditions and not cond(obj)
    ]


# -- portal ---------------------------------------------------------------------------------


def action_panels(
    action_set: ActionSet,
    obj: Any,
    user: User | None,
    *,
    failed: str = "",
    failed_form: forms.Form | None = None,
) -> list[ActionState]:
    """The portal's action panel of ``obj`` for ``user``: each offered action with its
    form (the failed one re-shown with its errors and opened)."""
    states = action_set.states(obj, user, "portal")
    for state in states:
        if state.action.page is not None:
            state.url = state.action.page(obj) if state.enabled else ""
        elif state.name == failed and failed_form is not None:
            state.form = failed_form
            state.open = True
        elif state.enabled:
            state.form = state.action.make_form(obj, user, prefix=action_set.form_prefix)
        elif state.action.sign_form and user is not None:
            from .printforms import unsigned_boxes

            state.sign = unsigned_boxes(obj, user, state.action.sign_form)
    return states


def action_run_portal(
    request: Any,
    *,
    action_set: ActionSet,
    obj: Any,
    name: str,
    page: Callable[..., Any],
    reload: Callable[[], Any],
    success_url: Callable[[Any, Any], str] | None = None,
    prefix: bool = True,
) -> Any:
    """Run one declared action from a portal POST.

    ``page(request, obj, status=..., failed=..., failed_form=...)`` renders the record's
    page again; a refused action shows it with the reason (409), bad input with the form's
    errors (400). Success redirects to ``success_url(obj, result)`` or the record.
    ``prefix=False`` reads the form's fields without the action's prefix (a page's own
    form posting to an older URL of one action).
    """
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from .exceptions import ApplicationError, NotPermitted, TransitionConflict
    from .forms import form_errors_from

    action = action_set.get(name)
    if action is None or not action.portal:
        raise Http404
    if not action_set.permits(obj, request.user, action):
        raise PermissionDenied(_("You may not perform this action."))
    state = action_set.state_of(obj, request.user, action)
    if state is None or not (state.enabled or action.service_explains):
        messages.error(request, action_set.refusal(obj, request.user, action) or "")
        return page(request, obj, status=409)
    if action.page is not None:
        return _redirect_to(request, action.page(obj))
    form = action.make_form(
        obj,
        request.user,
        request.POST,
        request.FILES,
        prefix=prefix and action_set.form_prefix,
    )
    if form.is_valid():
        try:
            result = action.run(obj, request.user, dict(form.cleaned_data))
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            return page(request, reload(), status=409)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action.label})
            url = success_url(obj, result) if success_url else obj.get_absolute_url()
            return _redirect_to(request, url)
    return page(request, obj, failed=name, failed_form=form, status=400)


def _redirect_to(request: Any, url: str) -> Any:
    """A redirect that htmx follows as a full page load."""
    from django.http import HttpResponse
    from django.shortcuts import redirect

    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# -- API: the form as a serializer ------------------------------------------------------------


def _offered_choices(form_field: forms.ChoiceField) -> list[Any]:
    """The field's choices without the empty one ("---------")."""
    return [c for c in cast(Iterable[Any], form_field.choices) if c[0] != ""]


def _serializer_field(form_field: forms.Field) -> Any:
    from rest_framework import serializers

    if getattr(form_field, "api_field", None) is not None:
        return copy.deepcopy(form_field.api_field)  # type: ignore[attr-defined]
    common: dict[str, Any] = {
        "required": form_field.required,
        "help_text": str(form_field.help_text or form_field.label or "") or None,
    }
    if not form_field.required and not isinstance(
        form_field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField
    ):
        common["allow_null"] = True
    if isinstance(form_field, forms.ModelChoiceField) and form_field.queryset is None:
        # The choices are set per form (``__init__``): documented as the row ids they are.
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            return serializers.ListField(
                child=serializers.IntegerField(), required=form_field.required
            )
        return serializers.IntegerField(**common)
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return serializers.PrimaryKeyRelatedField(
            queryset=form_field.queryset, many=True, required=form_field.required
        )
    if isinstance(form_field, forms.ModelChoiceField):
        return serializers.PrimaryKeyRelatedField(queryset=form_field.queryset, **common)
    if isinstance(form_field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(
            choices=_offered_choices(form_field), required=form_field.required
        )
    if isinstance(form_field, forms.ChoiceField):
        choices = _offered_choices(form_field)
        return serializers.ChoiceField(
            choices=choices, allow_blank=not form_field.required, **common
        )
    from servicedesk.core.forms import YesNoField

    if isinstance(form_field, YesNoField):
        return serializers.BooleanField(**common)
    if isinstance(form_field, forms.BooleanField | forms.NullBooleanField):
        # A box the form requires ticked (a confirmation) must be given; any other is
        # optional (absent means no, as on a page).
        common["required"] = bool(form_field.required) and not isinstance(
            form_field, forms.NullBooleanField
        )
        return serializers.BooleanField(**common)
    # DecimalField and FloatField are IntegerFields in Django's forms: ask for them first.
    if isinstance(form_field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=form_field.max_digits or 20,
            decimal_places=form_field.decimal_places or 2,
            min_value=form_field.min_value,
            max_value=form_field.max_value,
            **common,
        )
    if isinstance(form_field, forms.FloatField):
        return serializers.FloatField(**common)
    if isinstance(form_field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=form_field.min_value, max_value=form_field.max_value, **common
        )
    if isinstance(form_field, forms.DateTimeField):
        return serializers.DateTimeField(**common)
    if isinstance(form_field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(form_field, forms.FileField):
        return serializers.FileField(**common)
    if isinstance(form_field, forms.EmailField):
        return serializers.EmailField(allow_blank=not form_field.required, **common)
    if isinstance(form_field, forms.CharField):
        return serializers.CharField(
            max_length=form_field.max_length,
            allow_blank=not form_field.required,
            **common,
        )
    return serializers.CharField(allow_blank=not form_field.required, **common)


_SERIALIZERS: dict[tuple[type, str], type] = {}
_NAMED: dict[str, type] = {}


def action_input_serializer(model: type[models.Model], action: Action) -> type | None:
    """A DRF serializer describing ``action``'s form, for the OpenAPI schema (the request
    itself is validated by the form, so portal and API accept exactly the same input)."""
    from rest_framework import serializers

    if action.api_input is not None:
        return action.api_input
    if action.form is None:
        return None
    key = (model, action.name)
    if key not in _SERIALIZERS:
        shared = action.input_name
        if shared and shared in _NAMED:
            body = _NAMED[shared]
            if set(cast(Any, body)._declared_fields) != {
                api_name(n, f) for n, f in api_fields(action.form)
            }:
                raise ValueError(
                    f"{model.__name__}.{action.name}: input_name {shared!r} is another "
                    "action's body with other fields"
                )
            _SERIALIZERS[key] = body
            return body
        form = action.form.__new__(action.form)
        attrs: dict[str, Any] = {
            api_name(name, f): _serializer_field(f) for name, f in api_fields(action.form)
        }
        del form
        name = "".join(p.capitalize() for p in f"{model.__name__}_{action.name}".split("_"))
        attrs["__doc__"] = str(action.help or action.label)
        _SERIALIZERS[key] = type(
            action.input_name or f"{name}Input", (serializers.Serializer,), attrs
        )
        if action.input_name:
            _NAMED[shared] = _SERIALIZERS[key]
    return _SERIALIZERS[key]


_FORM_BODIES: dict[str, type] = {}


def action_input_serializer_for_form(form_class: type[forms.Form], name: str) -> type:
    """The OpenAPI body ``name`` of an endpoint that validates its request with the
    portal's ``form_class`` (outside an action set), derived like an action's."""
    from rest_framework import serializers

    if name not in _FORM_BODIES:
        attrs: dict[str, Any] = {
            api_name(n, f): _serializer_field(f) for n, f in api_fields(form_class)
        }
        attrs["__doc__"] = (form_class.__doc__ or name).strip()
        _FORM_BODIES[name] = type(name, (serializers.Serializer,), attrs)
    return _FORM_BODIES[name]


# A form field can say how the API sees it (docs/architecture.md §action-layer):
#   ``field.api_name``  the body's key when the API contract spells it otherwise
#                       (the drawn ``image`` is ``signature_image``);
#   ``field.api = False``  a page-only field (one lead typed on the phone), not in the body;
#   ``field.api_field``  the serializer field documenting it (a list of objects), for a
#                       form field that reads JSON.


def api_fields(form_class: type[forms.Form]) -> list[tuple[str, forms.Field]]:
    return [(n, f) for n, f in form_class.base_fields.items() if getattr(f, "api", True)]


def api_name(name: str, form_field: forms.Field) -> str:
    return getattr(form_field, "api_name", "") or name


def api_form_data(request: Any, form_class: type[forms.Form] | None = None) -> tuple[Any, Any]:
    """The request body as form data: a JSON object is flattened the way a form posts it
    (lists stay lists for multiple choices, a list of objects stays JSON; ``null`` becomes an
    empty value, still given: a form telling "not sent" from "none" sees it as sent). With
    ``form_class``, the body's keys are its fields' API names."""
    import json

    from django.http import QueryDict

    data = request.data
    if isinstance(data, QueryDict):
        return data, request.FILES
    query = QueryDict(mutable=True)
    if isinstance(data, dict):
        if form_class is not None:
            names = {api_name(n, f): n for n, f in api_fields(form_class)}
            data = {names[k]: v for k, v in data.items() if k in names}
        for key, value in data.items():
            if isinstance(value, list | tuple) and any(isinstance(v, dict) for v in value):
                query[key] = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, list | tuple):
                query.setlist(key, ["" if v is None else _form_value(v) for v in value])
            elif value is None:
                query[key] = ""
            else:
                query[key] = _form_value(value)
    return query, request.FILES


def _form_value(value: Any) -> str:
    # "true" / "false": what both a check box (BooleanField) and a yes / no question
    # (NullBooleanField, YesNoField) read as the boolean given.
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


__all__ = [
    "Action",
    "ActionSet",
    "ActionState",
    "EmptyActionForm",
    "action_input_serializer",
    "action_input_serializer_for_form",
    "action_panels",
    "action_run_portal",
    "api_fields",
    "api_form_data",
    "api_name",
    "condition",
    "gettext_lazy",
    "registered_action_sets",
]
