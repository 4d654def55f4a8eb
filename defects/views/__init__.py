"""Portal pages of defects and requirements. Thin views (docs/architecture.md §layers.views):
validate a form, call one service or selector, render; state changes only on POST."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.forms import form_errors_from
from servicedesk.core.services.transitions import available_transitions, blocked_transitions


@dataclass(frozen=True)
class Action:
    """One thing the user can do on a record page: a form and the service it calls."""

    name: str
    label: Any
    icon: str
    form: type[forms.Form]
    run: Callable[[Any, Any, dict], Any]
    allowed: Callable[[Any, Any, set[str]], bool]
    primary: bool = False
    initial: Callable[[Any], dict] | None = None
    help: Any = ""
    # A printed form whose signatures the action waits for: when its guard fails, the
    # user's own boxes of that form are offered next to the disabled button.
    sign_form: str = ""


def fsm(*names: str) -> Callable[[Any, Any, set[str]], bool]:
    def allowed(obj: Any, user: Any, transitions: set[str]) -> bool:
        return bool(transitions.intersection(names))

    allowed.transitions = names  # type: ignore[attr-defined]
    return allowed


def blocked_reasons(action: Action, blocked: dict[str, list[str]]) -> list[str]:
    """Why an fsm action the user may take in this state cannot succeed now (its guards),
    or ``[]`` when it is not such an action."""
    names = getattr(action.allowed, "transitions", ())
    reasons: list[str] = []
    for name in names:
        for reason in blocked.get(name, []):
            if reason not in reasons:
                reasons.append(reason)
    return reasons


def make_form(action: Action, obj: Any, data: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {"prefix": action.name}
    if data is None and action.initial is not None:
        kwargs["initial"] = action.initial(obj)
    return action.form(data, **kwargs)


def actions_for(actions: dict[str, Action], obj: Any, user: Any) -> list[Action]:
    transitions = set(available_transitions(obj, user))
    return [a for a in actions.values() if a.allowed(obj, user, transitions)]


def run_action(
    request: HttpRequest,
    *,
    actions: dict[str, Action],
    obj: Any,
    name: str,
    page: Callable[..., HttpResponse],
    reload: Callable[[], Any],
) -> HttpResponse:
    """Run one action (POST); a refused one shows the page again with why (409/400)."""
    action = actions[name]
    if not action.allowed(obj, request.user, set(available_transitions(obj, request.user))):
        reasons = blocked_reasons(action, blocked_transitions(obj, request.user))
        messages.error(
            request,
            " ".join(reasons)
            if reasons
            else _("“%(action)s” is not possible now (state: %(state)s).")
            % {"action": action.label, "state": obj.get_state_display()},
        )
        return page(request, obj, status=409)
    form = make_form(action, obj, request.POST)
    if form.is_valid():
        try:
            action.run(obj, request.user, form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            return page(request, reload(), status=409)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action.label})
            return redirect(obj.get_absolute_url())
    return page(request, obj, failed=name, failed_form=form, status=400)


def action_panels(
    actions: dict[str, Action], obj: Any, user: Any, failed: str, failed_form: Any
) -> list[dict[str, Any]]:
    """The actions the user can take, and those whose guard fails now: shown disabled
    with why (and, for a missing signature, the user's own boxes to sign)."""
    transitions = set(available_transitions(obj, user))
    blocked = blocked_transitions(obj, user)
    panels = []
    for action in actions.values():
        if not action.allowed(obj, user, transitions):
            reasons = blocked_reasons(action, blocked)
            if reasons:
                panels.append(
                    {
                        "action": action,
                        "disabled": True,
                        "reasons": reasons,
                        "sign": sign_links(obj, user, action.sign_form),
                    }
                )
            continue
        form = failed_form if action.name == failed else make_form(action, obj)
        if not form.is_bound and hasattr(form, "prefill_for"):
            form.prefill_for(user)
        panels.append({"action": action, "form": form, "open": action.name == failed})
    return panels


def sign_links(obj: Any, user: Any, code: str) -> list[dict[str, Any]]:
    """The boxes of form ``code`` the user holds on ``obj`` and has not signed yet."""
    from servicedesk.core.printforms import unsigned_boxes

    return unsigned_boxes(obj, user, code) if code else []
