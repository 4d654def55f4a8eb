"""Portal pages for first visits and revisits (thin: a form, one service, a render).

State changes happen only on POST to their own URLs; conflicts and refusals come back as
a message (or as errors next to the inputs). Adding a need and routing needs answer htmx
requests with the needs panel alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.actions import action_panels
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.list_views import list_moved

from .. import printing  # noqa: F401 - registers the printed forms these pages offer
from .. import selectors_visits as selectors
from ..actions import FIRST_VISIT_ACTIONS, REVISIT_ACTIONS
from ..choices import FirstVisitState, RevisitState
from ..forms_visits import FirstVisitNeedForm, FirstVisitVerifyForm
from ..models import FirstVisit, Revisit
from ..services.visits import (
    first_visit_add_need,
    first_visit_route_needs,
    first_visit_verify,
)
from .actions import action_run

UPCOMING_DAYS = 14


def _safe_url(obj: Any) -> str:
    """The record's page, or "" while the app that serves it has no page yet."""
    try:
        return obj.get_absolute_url() if obj is not None else ""
    except NoReverseMatch:
        return ""


def _run(request: HttpRequest, action: Callable[[], Any], form: Any = None) -> bool:
    """Call a service; refusals become form errors (docs/architecture.md §transitions.errors)."""
    try:
        action()
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except TransitionConflict as exc:
        # Not the input's fault: the record moved on (or someone else was quicker).
        messages.error(request, exc.message)
        return False
    except ApplicationError as exc:
        if form is not None:
            form.add_service_errors(exc.extra, exc.message)
        else:
            messages.error(request, exc.message)
        return False
    return True


# -- first visits ------------------------------------------------------------------------


def _visit_or_404(request: HttpRequest, pk: int) -> FirstVisit:
    try:
        return selectors.first_visit_get(request.user, pk)
    except FirstVisit.DoesNotExist:
        raise Http404 from None


def _visit_context(
    request: HttpRequest,
    visit: FirstVisit,
    *,
    verify_form: FirstVisitVerifyForm | None = None,
    need_form: FirstVisitNeedForm | None = None,
    failed: str = "",
    failed_form: Any = None,
) -> dict[str, Any]:
    targets = selectors.first_visit_targets(visit)
    rows = selectors.verification_rows(visit, targets)
    if verify_form is None:
        verify_form = FirstVisitVerifyForm(
            rows=rows,
            needs_software=targets["product"] is None,
            initial={"notes": visit.notes},
        )
    user = request.user
    may_work = user.has_perm("contracts.perform_first_visit")
    needs = list(visit.needs.all())
    return {
        "visit": visit,
        "customer_url": _safe_url(visit.customer),
        "contract_url": _safe_url(visit.contract),
        "rows": rows,
        "unverified": [r for r in rows if not r.mark],
        "verify_form": verify_form,
        "need_form": need_form or FirstVisitNeedForm(),
        "needs": needs,
        "unrouted": [n for n in needs if n.routed_at is None],
        "object": visit,
        "panels": action_panels(
            FIRST_VISIT_ACTIONS, visit, user, failed=failed, failed_form=failed_form
        ),
        "action_url": "contracts:first-visit-action",
        "may_work": may_work and visit.state == FirstVisitState.VERIFYING,
    }


@login_required
@permission_required("contracts.view_firstvisit", raise_exception=True)
def first_visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    return render(request, "contracts/first_visit_detail.html", _visit_context(request, visit))


def _visit_page(request: HttpRequest, visit: FirstVisit, *, status: int = 200, **failed: Any):
    context = _visit_context(request, visit, **failed)
    return render(request, "contracts/first_visit_detail.html", context, status=status)


def _visit_action(request: HttpRequest, pk: int, name: str, **kwargs: Any) -> HttpResponse:
    return action_run(
        request,
        action_set=FIRST_VISIT_ACTIONS,
        obj=_visit_or_404(request, pk),
        name=name,
        page=_visit_page,
        reload=lambda: _visit_or_404(request, pk),
        **kwargs,
    )


@login_required
@permission_required("contracts.view_firstvisit", raise_exception=True)
@require_POST
def first_visit_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Any action of the first visit's panel (contracts/actions.py)."""
    return _visit_action(request, pk, name)


@login_required
@permission_required("contracts.perform_first_visit", raise_exception=True)
@require_POST
def first_visit_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_action(request, pk, "start", refusal_status=302)


@login_required
@require_POST
def first_visit_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    targets = selectors.first_visit_targets(visit)
    form = FirstVisitVerifyForm(
        request.POST,
        rows=selectors.verification_rows(visit, targets),
        needs_software=targets["product"] is None,
    )
    if form.is_valid():
        data = form.cleaned_data
        done = _run(
            request,
            lambda: first_visit_verify(
                visit,
                by=request.user,
                checks=data["checks"],
                corrections=data["corrections"],
                notes=data["notes"],
            ),
            form,
        )
        if done:
            messages.success(request, _("Verification saved."))
            return redirect(visit.get_absolute_url())
    visit = _visit_or_404(request, pk)
    context = _visit_context(request, visit, verify_form=form)
    return render(request, "contracts/first_visit_detail.html", context)


def _needs_response(request: HttpRequest, visit: FirstVisit, need_form=None) -> HttpResponse:
    visit = _visit_or_404(request, visit.pk)
    context = _visit_context(request, visit, need_form=need_form)
    return render(request, "contracts/partials/visit_needs.html", context)


@login_required
@require_POST
def first_visit_need_add(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    form = FirstVisitNeedForm(request.POST)
    saved = form.is_valid() and _run(
        request,
        lambda: first_visit_add_need(
            visit,
            by=request.user,
            department=form.cleaned_data["department"],
            description=form.cleaned_data["description"],
        ),
        form,
    )
    if request.htmx:
        return _needs_response(request, visit, None if saved else form)
    if saved:
        messages.success(request, _("Need recorded."))
        return redirect(f"{visit.get_absolute_url()}#needs")
    context = _visit_context(request, _visit_or_404(request, pk), need_form=form)
    return render(request, "contracts/first_visit_detail.html", context)


@login_required
@require_POST
def first_visit_route_needs_view(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    done = _run(request, lambda: first_visit_route_needs(visit, by=request.user))
    if request.htmx:
        return _needs_response(request, visit)
    if done:
        messages.success(request, _("The needs were sent to the departments."))
    return redirect(f"{visit.get_absolute_url()}#needs")


@login_required
@permission_required("contracts.perform_first_visit", raise_exception=True)
@require_POST
def first_visit_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_action(request, pk, "complete", refusal_status=302)


# -- revisits ----------------------------------------------------------------------------

#: the old worklist's tabs (``old_revisit_query``)
REVISIT_TABS = ("due", "upcoming", RevisitState.DONE, RevisitState.MISSED)


def _revisit_or_404(request: HttpRequest, pk: int) -> Revisit:
    try:
        return selectors.revisit_get(request.user, pk)
    except Revisit.DoesNotExist:
        raise Http404 from None


def old_revisit_query(request: HttpRequest, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The old revisit worklist's tabs in the declared list's terms (``list_moved``):
    "due now" (its default) is the scheduled ones due by today, "upcoming" the next
    fortnight's, "done" and "missed" those states latest first — the user's own unless
    they plan everybody's (``revisit_sees_all``)."""
    today = timezone.localdate()
    tab = next((v for k, v in params if k == "tab"), "due")
    tab = tab if tab in REVISIT_TABS else "due"
    out = [(k, v) for k, v in params if k in ("reason", "page")]
    if tab == "due":
        out += [("state", RevisitState.SCHEDULED), ("due_before", today.isoformat())]
    elif tab == "upcoming":
        upcoming = (today + dt.timedelta(days=1), today + dt.timedelta(days=UPCOMING_DAYS))
        out += [("state", RevisitState.SCHEDULED)]
        out += [("due_after", upcoming[0].isoformat()), ("due_before", upcoming[1].isoformat())]
    else:
        out += [("state", tab), ("sort", "-due")]
    if not selectors.revisit_sees_all(request.user):
        out.append(("assignee", str(request.user.pk)))
    return out


def _revisit_context(
    request: HttpRequest, revisit: Revisit, *, failed: str = "", failed_form: Any = None
) -> dict[str, Any]:
    previous = list(
        selectors.revisits_closed(request.user, state=RevisitState.DONE, sees_all=True)
        .filter(customer_id=revisit.customer_id)
        .exclude(pk=revisit.pk)[:5]
    )
    panels = {
        state.name: state
        for state in action_panels(
            REVISIT_ACTIONS, revisit, request.user, failed=failed, failed_form=failed_form
        )
    }
    record = panels.get("record")
    return {
        "revisit": revisit,
        # The call's form, laid out for a phone call (contracts/partials/visit_revisit_form.html).
        "record": record,
        "form": record.form if record is not None else None,
        "customer_url": _safe_url(revisit.customer),
        "previous": previous,
        "contacts": list(revisit.customer.contacts.all()[:5]),
        "today": timezone.localdate(),
    }


@login_required
@permission_required("contracts.view_revisit", raise_exception=True)
def revisit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    revisit = _revisit_or_404(request, pk)
    return render(request, "contracts/revisit_detail.html", _revisit_context(request, revisit))


def _revisit_page(request: HttpRequest, revisit: Revisit, *, status: int = 200, **failed: Any):
    # Bad input re-shows the call's form with its errors (200, as it always did).
    context = _revisit_context(request, revisit, **failed)
    return render(
        request, "contracts/revisit_detail.html", context, status=200 if status == 400 else status
    )


def _revisit_action(request: HttpRequest, pk: int, name: str, **kwargs: Any) -> HttpResponse:
    return action_run(
        request,
        action_set=REVISIT_ACTIONS,
        obj=_revisit_or_404(request, pk),
        name=name,
        page=_revisit_page,
        reload=lambda: _revisit_or_404(request, pk),
        # After a call the agent goes back to the worklist for the next one.
        success_url=lambda revisit, result: reverse("contracts:revisits"),  # the worklist
        **kwargs,
    )


@login_required
@permission_required("contracts.view_revisit", raise_exception=True)
@require_POST
def revisit_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Any action of the revisit (contracts/actions.py)."""
    return _revisit_action(request, pk, name)


@login_required
@permission_required("contracts.perform_revisit", raise_exception=True)
@require_POST
def revisit_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _revisit_action(request, pk, "record", refusal_status=302)


urlpatterns = [
    # The old list page's address keeps working (``q`` is the list's ``search``).
    path(
        "first-visits/",
        list_moved("contracts:all-first-visits", {"q": {"": "search"}}),
        name="first-visits",
    ),
    path("first-visits/<int:pk>/", first_visit_detail, name="first-visit"),
    path(
        "first-visits/<int:pk>/action/<str:name>/",
        first_visit_action,
        name="first-visit-action",
    ),
    path("first-visits/<int:pk>/start/", first_visit_start_view, name="first-visit-start"),
    path("first-visits/<int:pk>/verify/", first_visit_verify_view, name="first-visit-verify"),
    path("first-visits/<int:pk>/needs/", first_visit_need_add, name="first-visit-need-add"),
    path(
        "first-visits/<int:pk>/route-needs/",
        first_visit_route_needs_view,
        name="first-visit-route-needs",
    ),
    path("first-visits/<int:pk>/complete/", first_visit_complete_view, name="first-visit-complete"),
    # The old worklist's address keeps working, its tabs spelled as filters.
    path(
        "revisits/",
        list_moved("contracts:all-revisits", translate=old_revisit_query),
        name="revisits",
    ),
    path("revisits/<int:pk>/", revisit_detail, name="revisit"),
    path("revisits/<int:pk>/action/<str:name>/", revisit_action, name="revisit-action"),
    path("revisits/<int:pk>/record/", revisit_record_view, name="revisit-record"),
]
