"""Transition buttons for FSM models in the Django admin (docs/architecture.md §layers.admin).

The admin never edits a state: the FSM field is read-only everywhere, and each transition
the current user may run now is offered as a button that calls the same service the API
and the portal call (docs/architecture.md §layers.services). Declare them on the ModelAdmin::

    class ContractAdmin(FSMTransitionAdminMixin, SimpleHistoryAdmin):
        transition_services = {
            "sign": (contract_sign, None),
            "renew": (contract_renew, ContractRenewForm),
        }
        transition_labels = {"sign": _("Sign"), "renew": _("Renew…")}

A service is called as ``service(obj, by=request.user, **form.cleaned_data)`` and returns
the updated object. A transition without a form is one POST from the change page; one with
a form first shows an intermediate admin page with that form (``GET``), then runs on
``POST`` — a state never changes on ``GET``. ``ApplicationError`` (and its subclasses
``TransitionConflict`` and ``NotPermitted``) become admin error messages, or errors on the
intermediate form, never a 500. The service stays the authority: it checks the transition's
conditions and permissions again under a row lock, so a forged POST gets the same refusal.

Transitions without a form are also offered as list actions for bulk use, applied one
record at a time in primary-key order (each record is its own business action).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote, unquote
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .exceptions import ApplicationError, NotPermitted
from .services.transitions import available_transitions, fsm_field_name

TransitionService = Callable[..., Any]
TransitionSpec = tuple[TransitionService, type[forms.Form] | None]


@dataclass(frozen=True)
class TransitionButton:
    name: str
    label: str
    url: str
    has_form: bool


class FSMTransitionAdminMixin:
    """Mix into a ``ModelAdmin`` (before ``SimpleHistoryAdmin``/``ModelAdmin``)."""

    #: the app's declared actions (servicedesk/core/actions.py); when set, the buttons,
    #: forms and services all come from it and ``transition_services`` is derived
    action_set: Any = None
    #: transition name → (service, form class or None)
    transition_services: dict[str, TransitionSpec] = {}
    #: transition name → button label (lazy gettext); defaults to the humanised name
    transition_labels: dict[str, Any] = {}
    #: offer form-less transitions as list actions too
    transition_bulk_actions: bool = True
    change_form_template = "admin/fsm_change_form.html"
    transition_form_template = "admin/fsm_transition_form.html"

    # -- the state is read-only ---------------------------------------------------------

    @property
    def fsm_state_field(self) -> str:
        return fsm_field_name(self.model)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if self.fsm_state_field not in fields:
            fields.append(self.fsm_state_field)
        return fields

    # ModelAdmin.get_form() excludes read-only fields from the form, so a posted state is
    # ignored even when a custom ``fields`` list names it.

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        # django-simple-history's "Revert" saves an old version, state included: that would
        # move the record outside the state machine.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.action_set is not None:
            admin_actions = self.action_set.for_channel("admin")
            self.transition_services = {a.name: (a.service, a.form) for a in admin_actions}
            self.transition_labels = {a.name: a.label for a in admin_actions}

    def _declared(self, name: str) -> Any:
        return self.action_set.get(name) if self.action_set is not None else None

    def _make_transition_form(
        self, request: HttpRequest, obj: Any, name: str, data: Any = None, files: Any = None
    ) -> forms.Form | None:
        declared = self._declared(name)
        if declared is not None:
            if declared.form is None:
                return None
            form = declared.make_form(obj, request.user, data, files, prefix=False)
            if data is None:
                form.initial.update(self.get_transition_initial(request, obj, name))
            return form
        _service, form_class = self.transition_services[name]
        if form_class is None:
            return None
        if data is None:
            return form_class(initial=self.get_transition_initial(request, obj, name))
        return form_class(data, files)

    def _allowed_names(self, request: HttpRequest, obj: Any) -> set[str]:
        if self.action_set is not None:
            return set(self.action_set.available(obj, request.user, "admin"))
        return set(available_transitions(obj, request.user))

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = list(super().check(**kwargs))
        if self.fsm_state_field in (self.list_editable or ()):
            errors.append(
                checks.Error(
                    f"{type(self).__name__}: the state field "
                    f"'{self.fsm_state_field}' must not be list_editable.",
                    obj=type(self),
                    id="core.E101",
                )
            )
        for name in self.transition_services:
            if self.action_set is not None:
                continue  # the ActionSet checked its transitions when it was declared
            method = getattr(self.model, name, None)
            if method is None or not hasattr(method, "_django_fsm"):
                errors.append(
                    checks.Error(
                        f"{type(self).__name__}.transition_services names '{name}', "
                        f"which is not a transition of {self.model.__name__}.",
                        obj=type(self),
                        id="core.E102",
                    )
                )
        return errors

    # -- buttons on the change page -------------------------------------------------------

    def transition_label(self, name: str) -> str:
        label = self.transition_labels.get(name)
        return str(label) if label else name.replace("_", " ").capitalize()

    def transition_url(self, obj: Any, name: str) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_transition",
            args=[quote(obj.pk), name],
            current_app=self.admin_site.name,
        )

    def get_transition_buttons(self, request: HttpRequest, obj: Any) -> list[TransitionButton]:
        """One button per declared transition the user may run on ``obj`` now."""
        allowed = self._allowed_names(request, obj)
        return [
            TransitionButton(
                name=name,
                label=self.transition_label(name),
                url=self.transition_url(obj, name),
                has_form=form_class is not None,
            )
            for name, (_service, form_class) in self.transition_services.items()
            if name in allowed
        ]

    def get_transition_notes(self, request: HttpRequest, obj: Any) -> list[str]:
        """Hints shown above the form (e.g. what a draft still needs before signing): with
        declared actions, why each action that is offered disabled cannot run yet."""
        if self.action_set is None:
            return []
        return [
            _("%(action)s: %(reason)s") % {"action": state.action.label, "reason": state.reason}
            for state in self.action_set.states(obj, request.user, "admin")
            if not state.enabled
        ]

    def get_transition_initial(self, request: HttpRequest, obj: Any, name: str) -> dict:
        """Initial values of a transition's form."""
        return {}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            context["fsm_transitions"] = self.get_transition_buttons(request, obj)
            context["fsm_transition_notes"] = self.get_transition_notes(request, obj)
        return super().change_view(request, object_id, form_url, extra_context=context)

    # -- the transition view ----------------------------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        # Before the admin's own URLs: its catch-all "<path:object_id>/" would match first.
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_transition",
            ),
            *super().get_urls(),
        ]

    def run_transition(self, request: HttpRequest, obj: Any, name: str, data: dict) -> Any:
        declared = self._declared(name)
        if declared is not None:
            refusal = self.action_set.refusal(obj, request.user, declared)
            if refusal and not self.action_set.transition_names(declared):
                raise NotPermitted(refusal)
            return declared.run(obj, request.user, data)
        service, _form_class = self.transition_services[name]
        return service(obj, by=request.user, **data)

    def _change_url(self, obj: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )

    def _state_display(self, obj: Any) -> str:
        return str(getattr(obj, f"get_{self.fsm_state_field}_display")())

    def _done_message(self, obj: Any, name: str) -> str:
        return _("%(object)s: “%(transition)s” done; the state is now “%(state)s”.") % {
            "object": obj,
            "transition": self.transition_label(name),
            "state": self._state_display(obj),
        }

    @staticmethod
    def _add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
        placed = False
        for key, value in (exc.extra or {}).items():
            errors = value if isinstance(value, list | tuple) else [value]
            field = key if key in form.fields else None
            for error in errors:
                form.add_error(field, str(error))
                placed = True
        if not placed:
            form.add_error(None, exc.message)

    @staticmethod
    def _error_text(exc: ApplicationError) -> str:
        return exc.message or _("The action was refused.")

    def transition_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        return require_http_methods(["GET", "POST"])(self._transition_view)(
            request, object_id, name
        )

    def _transition_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        opts = self.model._meta
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        if name not in self.transition_services:
            raise Http404(_("Unknown transition “%(name)s”.") % {"name": name})
        change_url = self._change_url(obj)
        # "Renew…" on the button; the page it opens is just "Renew".
        label = self.transition_label(name).rstrip("…. ")

        form = None
        if request.method == "POST":
            form = self._make_transition_form(request, obj, name, request.POST, request.FILES)
            if form is None or form.is_valid():
                data = dict(form.cleaned_data) if form is not None else {}
                try:
                    updated = self.run_transition(request, obj, name, data)
                except ApplicationError as exc:
                    if form is None:
                        self.message_user(request, self._error_text(exc), messages.ERROR)
                        return HttpResponseRedirect(change_url)
                    self._add_service_errors(form, exc)
                else:
                    # An action that is not a transition may return another record (a
                    # decision, a note): the message names this one.
                    if not isinstance(updated, type(obj)):
                        updated = obj
                    self.message_user(request, self._done_message(updated, name), messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            if name not in self._allowed_names(request, obj):
                self.message_user(
                    request,
                    _("“%(transition)s” is not available for %(object)s now.")
                    % {"transition": label, "object": obj},
                    messages.WARNING,
                )
                return HttpResponseRedirect(change_url)
            form = self._make_transition_form(request, obj, name)

        media = self.media
        if form is not None:
            media += form.media
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(transition)s: %(object)s") % {"transition": label, "object": obj},
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "object": obj,
            "form": form,
            "transition_name": name,
            "transition_label": label,
            "state_display": self._state_display(obj),
            "change_url": change_url,
            "media": media,
            "has_view_permission": self.has_view_permission(request, obj),
            "is_popup": False,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.transition_form_template, context)

    # -- bulk: form-less transitions as list actions --------------------------------------

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not self.transition_bulk_actions or self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for name, (_service, form_class) in self.transition_services.items():
            if form_class is not None:
                continue
            action_name = f"transition_{name}"
            description = _("%(transition)s: the selected %(items)s") % {
                "transition": self.transition_label(name),
                "items": self.model._meta.verbose_name_plural,
            }
            actions[action_name] = (self._bulk_action(name), action_name, description)
        return actions

    def _bulk_action(self, name: str) -> Callable:
        def action(modeladmin, request, queryset):
            done = 0
            # Lock order by primary key (docs/architecture.md §layers.admin).
            for obj in queryset.order_by("pk"):
                try:
                    modeladmin.run_transition(request, obj, name, {})
                except ApplicationError as exc:
                    modeladmin.message_user(
                        request, f"{obj}: {modeladmin._error_text(exc)}", messages.ERROR
                    )
                else:
                    done += 1
            if done:
                modeladmin.message_user(
                    request,
                    _("“%(transition)s” done for %(count)d record(s).")
                    % {"transition": modeladmin.transition_label(name), "count": done},
                    messages.SUCCESS,
                )

        return action
