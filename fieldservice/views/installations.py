"""Portal pages of installations (docs/domain.md §installation): the record of an
installation visit with its assets, daily service reports and acceptance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict

from ..actions_inspections import INSTALLATION_ACTIONS
from ..forms_inspections import AssetForm, DayForm
from ..models import Dispatch
from ..models.installations import Installation
from ..services.installations import (
    installation_asset_record,
    installation_day_record,
    installation_start,
)
from . import form_errors_from


def _get(request: HttpRequest, pk: int) -> Installation:
    return get_object_or_404(
        Installation.objects.restrict(request.user).select_related(
            "dispatch__engineer__user", "customer", "contract"
        ),
        pk=pk,
    )


def _page(
    request: HttpRequest,
    installation: Installation,
    *,
    status: int = 200,
    failed: str = "",
    failed_form: Any = None,
    asset_form: Any = None,
    day_form: Any = None,
) -> HttpResponse:
    return render(
        request,
        "fieldservice/installations/detail.html",
        {
            "object": installation,
            "dispatch": installation.dispatch,
            "assets": list(installation.assets()),
            "days": list(installation.days.order_by("day")),
            "asset_form": asset_form or AssetForm(),
            "day_form": day_form or DayForm(initial={"day": timezone.localdate(), "hours": 8}),
            "editable": installation.state == "open",
            "today": timezone.localdate(),
            "panels": action_panels(
                INSTALLATION_ACTIONS,
                installation,
                request.user,
                failed=failed,
                failed_form=failed_form,
            ),
            "action_url": "fieldservice:installation-action",
        },
        status=status,
    )


@login_required
@require_GET
def installation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _get(request, pk))


@login_required
@require_POST
def installation_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = get_object_or_404(Dispatch.objects.restrict(request.user), pk=pk)
    try:
        installation = installation_start(dispatch, by=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(dispatch.get_absolute_url())
    return redirect(installation.get_absolute_url())


@login_required
@require_POST
def installation_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=INSTALLATION_ACTIONS,
        obj=_get(request, pk),
        name=name,
        page=lambda req, obj, **kw: _page(req, obj, **kw),
        reload=lambda: _get(request, pk),
    )


@login_required
@require_POST
def installation_asset(request: HttpRequest, pk: int) -> HttpResponse:
    installation = _get(request, pk)
    form = AssetForm(request.POST)
    if form.is_valid():
        try:
            asset = installation_asset_record(installation, by=request.user, **form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            return redirect(installation.get_absolute_url())
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request, _("%(asset)s is in the customer's asset register.") % {"asset": asset}
            )
            return redirect(installation.get_absolute_url() + "#assets")
    return _page(request, installation, status=400, asset_form=form)


@login_required
@require_POST
def installation_day(request: HttpRequest, pk: int) -> HttpResponse:
    installation = _get(request, pk)
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            installation_day_record(installation, by=request.user, **form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            return redirect(installation.get_absolute_url())
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("The daily service report was saved."))
            return redirect(installation.get_absolute_url() + "#days")
    return _page(request, installation, status=400, day_form=form)
