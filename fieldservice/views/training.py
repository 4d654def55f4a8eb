"""Portal pages of customer training (docs/domain.md §training): the list, planning a
training, the training page (its declared actions, attendees with their certificates,
feedback) and the tablet sign-in page where attendees sign one after another.

Thin views (docs/architecture.md §layers.views)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.forms import form_errors_from

from .. import selectors_training as selectors
from ..actions_training import TRAINING_ACTIONS
from ..forms_training import SignInForm, TrainingPlanForm
from ..models.training import TrainingSession, may_run_training
from ..services import training as services


@login_required
@permission_required("fieldservice.view_trainingsession", raise_exception=True)
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.trainings_for_list(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "fieldservice/training/list.html", {"page": page, "query": ""})


@login_required
@permission_required("fieldservice.plan_training", raise_exception=True)
@require_http_methods(["GET", "POST"])
def training_new(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = TrainingPlanForm(request.POST)
        if form.is_valid():
            try:
                session = services.training_plan(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
                status = 400
            else:
                messages.success(
                    request, _("Training planned: %(number)s.") % {"number": session.number}
                )
                return redirect(session.get_absolute_url())
        else:
            status = 400
    else:
        form = TrainingPlanForm()
    return render(request, "fieldservice/training/new.html", {"form": form}, status=status)


def _session(request: HttpRequest, pk: int) -> TrainingSession:
    try:
        return selectors.training_detail(request.user, pk)
    except TrainingSession.DoesNotExist:
        raise Http404 from None


def _page(request, session, *, status=200, failed="", failed_form=None):
    panels = action_panels(
        TRAINING_ACTIONS, session, request.user, failed=failed, failed_form=failed_form
    )
    return render(
        request,
        "fieldservice/training/detail.html",
        {
            "object": session,
            "panels": panels,
            "action_url": "fieldservice:training-action",
            "attendees": selectors.training_attendees(session),
            "feedback": selectors.training_feedback(session),
            "may_sign_in": may_run_training(session, request.user)
            and session.state in ("plan_sent", "held"),
        },
        status=status,
    )


@login_required
@require_GET
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _session(request, pk))


@login_required
@require_POST
def training_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=TRAINING_ACTIONS,
        obj=_session(request, pk),
        name=name,
        page=_page,
        reload=lambda: _session(request, pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The tablet passed round the room: each attendee taps their name and signs."""
    session = _session(request, pk)
    if not may_run_training(session, request.user):
        raise Http404
    attendees = selectors.training_attendees(session)
    chosen: Any = None
    status = 200
    form = SignInForm(request.POST or None)
    wanted = request.POST.get("attendee") or request.GET.get("attendee")
    if wanted:
        chosen = next((a for a in attendees if str(a.pk) == str(wanted)), None)
    if request.method == "POST" and form.is_valid() and chosen is not None:
        try:
            services.training_sign_in(
                session,
                by=request.user,
                attendee=chosen,
                image=form.cleaned_data["image"],
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        except (NotPermitted, TransitionConflict) as exc:
            messages.error(request, exc.message)
            return redirect(session.get_absolute_url())
        except ApplicationError as exc:
            form_errors_from(exc, form)
            status = 400
        else:
            messages.success(request, _("%(name)s signed in.") % {"name": chosen.name})
            return redirect("fieldservice:training-sign-in", pk=session.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "fieldservice/training/sign_in.html",
        {"object": session, "attendees": attendees, "chosen": chosen, "form": form},
        status=status,
    )
