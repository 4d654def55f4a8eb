"""The dispatch list and page with its actions, the engineer's phone pages, the board and
the person-days table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.dates import sane_date
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.live import live_etag, live_partial, live_render
from servicedesk.core.page_cache import page_cached
from servicedesk.core.services.transitions import AS_LOADED
from tickets.selectors import article_for_source

from .. import selectors
from ..actions import DISPATCH_ACTIONS
from ..choices import DispatchState, Outcome
from ..forms import AssignForm, CompleteForm, DispatchCreateForm, PartForm
from ..models import (
    Dispatch,
    Engineer,
    Partner,
    SparePartUsage,
    engineer_of,
    split_skills,
)
from ..services import (
    dispatch_assign,
    dispatch_complete,
    dispatch_create,
    dispatch_verify,
    part_add,
    part_approve,
)
from . import form_errors_from


def defect_create_url(dispatch: Dispatch) -> str:
    """The defects app's record page, prefilled from the dispatch (docs/domain.md
    §dispatch.next-step); empty when that app has no such page."""
    try:
        return f"{reverse('defects:defect-create')}?dispatch={dispatch.pk}"
    except NoReverseMatch:
        return ""


# -- list ---------------------------------------------------------------------------------


def old_list_query(request: HttpRequest, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The old list page's query in the declared list's terms (``list_moved``): its
    ``state=open`` (also its default, without ``state``) is the list's ``open``."""
    if not any(key == "state" for key, _value in params):
        params = [*params, ("state", "open")]
    return [("open", "true") if (k, v) == ("state", "open") else (k, v) for k, v in params]


@login_required
@permission_required("fieldservice.add_dispatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dispatch_new(request: HttpRequest) -> HttpResponse:
    form = DispatchCreateForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        try:
            dispatch = dispatch_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request, _("Dispatch %(number)s recorded.") % {"number": dispatch.number}
            )
            return redirect(dispatch.get_absolute_url())
    return render(request, "fieldservice/dispatch_new.html", {"form": form})


# -- the dispatch page ----------------------------------------------------------------------


def _may_escalate(user: Any, dispatch: Dispatch) -> bool:
    """An unsolved or partial visit goes to headquarters as a defect: recorded by the
    engineer who was on site (they know what they saw) or by the service manager."""
    if not (
        dispatch.state == DispatchState.COMPLETED
        and dispatch.needs_next_step
        and dispatch.defect_id is None
        and user.has_perm("defects.add_defect")
    ):
        return False
    own_visit = dispatch.engineer_id is not None and dispatch.engineer.user_id == user.pk
    return own_visit or user.has_perm("fieldservice.write_off_dispatch")


def _page_context(
    request: HttpRequest,
    pk: int,
    *,
    failed: str = "",
    failed_form: forms.Form | None = None,
    part_form: forms.Form | None = None,
) -> dict[str, Any]:
    page = selectors.dispatch_page(request.user, pk)
    dispatch = page.dispatch
    user = request.user
    defect_url = defect_create_url(dispatch) if _may_escalate(user, dispatch) else ""
    return {
        "page": page,
        "dispatch": dispatch,
        # The actions come from their one declaration (fieldservice/actions.py).
        "panels": action_panels(
            DISPATCH_ACTIONS, dispatch, user, failed=failed, failed_form=failed_form
        ),
        "action_url": "fieldservice:dispatch-action",
        "extra_buttons": render_to_string(
            "fieldservice/partials/escalate_button.html", {"defect_url": defect_url}
        )
        if defect_url
        else "",
        "may_add_part": dispatch.state in (DispatchState.ON_SITE, DispatchState.COMPLETED)
        and user.has_perm("fieldservice.add_sparepartusage"),
        "may_approve_parts": user.has_perm("fieldservice.change_sparepartusage"),
        "part_form": part_form or PartForm(),
        "defect_url": defect_url,
        "Outcome": Outcome,
        "article": article_for_source(dispatch) if dispatch.outcome == Outcome.SOLVED else None,
    }


def _render_page(
    request: HttpRequest,
    dispatch: Dispatch,
    *,
    status: int = 200,
    failed: str = "",
    failed_form: forms.Form | None = None,
) -> HttpResponse:
    context = _page_context(request, dispatch.pk, failed=failed, failed_form=failed_form)
    return render(request, "fieldservice/dispatch_detail.html", context, status=status)


@page_cached
@login_required
@permission_required("fieldservice.view_dispatch", raise_exception=True)
@require_GET
def dispatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "fieldservice/dispatch_detail.html", _page_context(request, pk))


def _success_url(request: HttpRequest) -> Callable[[Dispatch, Any], str]:
    """Back to the page the form came from (``next``: the engineer's list), else the
    dispatch."""

    def url(dispatch: Dispatch, result: Any) -> str:
        if not isinstance(result, Dispatch) and hasattr(result, "get_absolute_url"):
            return result.get_absolute_url()  # the draft article written from the visit
        target = request.POST.get("next") or ""
        if target.startswith("/") and not target.startswith("//"):
            return target
        return dispatch.get_absolute_url()

    return url


@login_required
@permission_required("fieldservice.view_dispatch", raise_exception=True)
@require_POST
def dispatch_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    dispatch = selectors.dispatch_get(request.user, pk)
    return action_run_portal(
        request,
        action_set=DISPATCH_ACTIONS,
        obj=dispatch,
        name=name,
        page=_render_page,
        reload=lambda: selectors.dispatch_get(request.user, pk),
        success_url=_success_url(request),
    )


@login_required
@permission_required("fieldservice.add_sparepartusage", raise_exception=True)
@require_POST
def dispatch_part(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = selectors.dispatch_get(request.user, pk)
    form = PartForm(request.POST)
    if form.is_valid():
        try:
            part_add(dispatch, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Spare part recorded."))
            return redirect(dispatch.get_absolute_url())
    context = _page_context(request, pk, part_form=form)
    return render(request, "fieldservice/dispatch_detail.html", context, status=400)


@login_required
@permission_required("fieldservice.change_sparepartusage", raise_exception=True)
@require_POST
def part_approve_view(request: HttpRequest, pk: int, part_pk: int) -> HttpResponse:
    dispatch = selectors.dispatch_get(request.user, pk)
    part = get_object_or_404(SparePartUsage, pk=part_pk, dispatch=dispatch)
    part_approve(part, by=request.user)
    messages.success(request, _("Spare part approved."))
    return redirect(dispatch.get_absolute_url())


# -- the engineer's phone pages ----------------------------------------------------------


@page_cached
@login_required
@permission_required("fieldservice.work_dispatch", raise_exception=True)
@require_GET
def my_dispatches(request: HttpRequest) -> HttpResponse:
    groups = selectors.my_dispatches(request.user)
    return render(
        request,
        "fieldservice/mine.html",
        {"groups": groups, "engineer": engineer_of(request.user), "today": timezone.localdate()},
    )


@login_required
@permission_required("fieldservice.work_dispatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dispatch_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete on site with the customer's signature drawn on the phone or tablet; the
    page keeps a draft in the browser so a reload loses nothing."""
    dispatch = selectors.dispatch_get(request.user, pk)
    # Whether it is offered comes from the declaration (fieldservice/actions.py).
    refusal = DISPATCH_ACTIONS.refusal(dispatch, request.user, DISPATCH_ACTIONS["complete"])
    if refusal:
        if dispatch.state != DispatchState.ON_SITE:
            refusal = _("Check in on site before completing.")
        messages.error(request, refusal)
        return redirect(dispatch.get_absolute_url())
    initial = {
        "outcome": dispatch.outcome,
        "cause": dispatch.cause,
        "solution": dispatch.solution,
        "steps": dispatch.steps,
        "precautions": dispatch.precautions,
        "backup_done": dispatch.backup_done,
        "backup_location": dispatch.backup_location,
        "signer_name": dispatch.contact_name,
    }
    form = CompleteForm(
        request.POST or None, initial=initial, software_work=bool(dispatch.software_work)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispatch_complete(
                dispatch,
                by=request.user,
                **CompleteForm.service_kwargs(data),
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            return redirect(dispatch.get_absolute_url())
        except ApplicationError as exc:
            form_errors_from(exc, form, aliases={"signature": "image", "leads": "lead_kind"})
        else:
            messages.success(request, _("Completed. Hand in the form before the next working day."))
            return render(
                request,
                "fieldservice/complete_done.html",
                {"dispatch": selectors.dispatch_get(request.user, pk)},
            )
    status = 400 if request.method == "POST" else 200
    # The engineer's box is signed by the visit's engineer only (docs/domain.md §signatures.who).
    engineer_signs = (
        dispatch.engineer_id is not None and dispatch.engineer.user_id == request.user.pk
    )
    context = {
        "dispatch": dispatch,
        "form": form,
        "Outcome": Outcome,
        "engineer_signs": engineer_signs,
    }
    return render(request, "fieldservice/complete.html", context, status=status)


# -- the board ----------------------------------------------------------------------------


def _board_start(request: HttpRequest) -> dt.date:
    """The Monday of the week asked for (``?start=``), else of this week."""
    day = sane_date(parse_date(request.GET.get("start", "") or ""), timezone.localdate())
    return day - dt.timedelta(days=day.weekday())


@page_cached
@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """Engineers × days with the cards; requests to verify or assign in the side list.
    The grid and the side list refresh themselves (``board_live``)."""
    etag = _board_etag(request)  # before reading: a change meanwhile is fetched next time
    start = _board_start(request)
    region = request.GET.get("region", "")
    data = selectors.board_get(
        request.user, start=start, region=region, page=request.GET.get("page", 1)
    )
    return render(
        request,
        "fieldservice/board.html",
        {
            "live_etag": etag,
            "board": data,
            "region": region,
            "regions": selectors.engineer_regions(request.user),
            "prev": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
            "today": timezone.localdate(),
            "assign_form": AssignForm(engineers=selectors.engineers_assignable(request.user)),
        },
    )


def _board_etag(request: HttpRequest) -> str:
    return live_etag(request, "fieldservice.board", selectors.board_version())


@page_cached
@live_partial
@require_GET
def board_live(request: HttpRequest) -> HttpResponseBase:
    """The grid and the side list for live.js: 304 while nothing changed
    (docs/architecture.md §live-boards)."""
    if not request.user.has_perm("fieldservice.manage_dispatch"):
        raise PermissionDenied

    def context() -> dict[str, Any]:
        board = selectors.board_get(
            request.user,
            start=_board_start(request),
            region=request.GET.get("region", ""),
            page=request.GET.get("page", 1),
        )
        return {"board": board, "today": timezone.localdate()}

    return live_render(
        request, "fieldservice/partials/board_live.html", context, _board_etag(request)
    )


@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_POST
def board_assign(request: HttpRequest) -> HttpResponse:
    """Drop a card on an engineer's day (fetch, JSON answer) or post the fallback form."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    dispatch = selectors.dispatch_get(request.user, int(request.POST.get("dispatch") or 0))
    engineer = get_object_or_404(
        selectors.engineers_assignable(request.user), pk=int(request.POST.get("engineer") or 0)
    )
    day = parse_date(request.POST.get("day", "") or "")
    form = AssignForm(request.POST, engineers=selectors.engineers_assignable(request.user))
    start: Any = day
    minutes = None
    # A card dragged from an engineer's row says whose it was when the board was drawn.
    expected = request.POST.get("expected_engineer", AS_LOADED)
    if expected is not AS_LOADED:
        expected = int(expected) if expected.isdigit() else None
    if day is None:
        if not form.is_valid():
            error = " ".join(str(e) for errors in form.errors.values() for e in errors)
            return _board_answer(request, wants_json, False, error)
        start = form.cleaned_data.get("planned_start")
        minutes = form.cleaned_data.get("planned_minutes")
        expected = form.cleaned_data.get("expected_engineer", AS_LOADED)
    elif dispatch.planned_start and timezone.localdate(dispatch.planned_start) == day:
        start = dispatch.planned_start
    try:
        # Verify-and-assign is one decision of the manager: both or neither.
        with transaction.atomic():
            if dispatch.state == DispatchState.REQUESTED:
                dispatch = dispatch_verify(dispatch, by=request.user)
            dispatch_assign(
                dispatch,
                by=request.user,
                engineer=engineer,
                planned_start=start,
                planned_minutes=minutes,
                expected_engineer=expected,
            )
    except NotPermitted as exc:
        return _board_answer(request, wants_json, False, exc.message, status=403)
    except TransitionConflict as exc:
        return _board_answer(request, wants_json, False, exc.message, status=409)
    except ApplicationError as exc:
        return _board_answer(request, wants_json, False, exc.message, status=400)
    message = _("%(number)s assigned to %(engineer)s.") % {
        "number": dispatch.number,
        "engineer": engineer,
    }
    have = {skill.lower() for skill in engineer.skill_list}
    lacking = [s for s in split_skills(dispatch.required_skills) if s.lower() not in have]
    if lacking:
        message += " " + _("Note: %(engineer)s has not listed %(skills)s.") % {
            "engineer": engineer,
            "skills": "、".join(lacking),
        }
    return _board_answer(request, wants_json, True, message)


def _board_answer(
    request: HttpRequest, wants_json: bool, ok: bool, message: str, status: int = 200
) -> HttpResponse:
    if wants_json:
        return JsonResponse({"ok": ok, "message": message}, status=status if not ok else 200)
    (messages.success if ok else messages.error)(request, message)
    back = request.POST.get("next") or reverse("fieldservice:board")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("fieldservice:board")
    return redirect(back)


# -- person-days --------------------------------------------------------------------------


@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_GET
def person_days(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or today.month)
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    partner = request.GET.get("partner")
    partner_id = int(partner) if partner and partner.isdigit() else None
    table = selectors.person_days_month(request.user, year=year, month=month, partner=partner_id)
    prev = dt.date(year, month, 1) - dt.timedelta(days=1)
    nxt = dt.date(year, month, 28) + dt.timedelta(days=4)
    return render(
        request,
        "fieldservice/person_days.html",
        {
            "table": table,
            "year": year,
            "month": month,
            "partner_id": partner_id,
            "partners": Partner.objects.restrict(request.user).order_by("name"),
            "prev": prev,
            "next": nxt,
        },
    )


@login_required
@permission_required("fieldservice.view_engineer", raise_exception=True)
@require_GET
def engineer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    engineer = get_object_or_404(
        Engineer.objects.restrict(request.user).select_related("user", "partner"), pk=pk
    )
    recent = (
        selectors.dispatches_for(request.user)
        .filter(engineer=engineer)
        .order_by("-created_at", "-pk")[:30]
    )
    return render(
        request,
        "fieldservice/engineer.html",
        {
            "engineer": engineer,
            "recent": recent,
            "leaves": engineer.leaves.order_by("-starts_on")[:10],
        },
    )
