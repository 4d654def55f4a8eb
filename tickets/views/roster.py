"""The duty roster (值班安排): a week grid of lines × days. The service manager plans and
removes shifts; engineers see theirs; the engineer on duty checks in (ready within 10
minutes), sees the previous shift's open items and acknowledges the hand-over (within 30
minutes of the shift start)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.dates import sane_date
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.selectors import timers_for

from .. import selectors
from ..forms import HandoverAcknowledgeForm, ShiftForm
from ..models import DutyShift
from ..services.roster import (
    check_in_open,
    handover_items,
    previous_shift,
    shift_acknowledge_handover,
    shift_check_in,
    shift_plan,
    shift_remove,
)
from . import form_errors_from, redirect_to

HANDOVER_LIMIT = 100


def _week(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = None
    return selectors.week_start(sane_date(day, timezone.localdate()))


def _roster_page(
    request: HttpRequest, start: dt.date, form: ShiftForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    may_plan = user.has_perm("tickets.add_dutyshift")
    current = selectors.shift_current(user=user)
    context = {
        "start": start,
        "days": [start + dt.timedelta(days=i) for i in range(7)],
        "rows": selectors.roster_week(user=user, start=start),
        "previous_week": start - dt.timedelta(days=7),
        "next_week": start + dt.timedelta(days=7),
        "today": timezone.localdate(),
        "may_plan": may_plan,
        "may_remove": user.has_perm("tickets.delete_dutyshift"),
        "form": form or (ShiftForm(initial={"day": timezone.localdate()}) if may_plan else None),
        "my_shifts": selectors.shifts_of(user=user),
        "current": current,
    }
    if current is not None:
        context.update(_handover_context(current))
    return render(request, "tickets/roster.html", context, status=status)


def _handover_context(shift: DutyShift) -> dict:
    return {
        "handover_tickets": selectors.with_open_timers(handover_items(shift)[:HANDOVER_LIMIT]),
        "previous": previous_shift(shift),
        "ack_form": HandoverAcknowledgeForm(),
    }


@login_required
@permission_required("tickets.view_dutyshift", raise_exception=True)
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    return _roster_page(request, _week(request))


@login_required
@permission_required("tickets.add_dutyshift", raise_exception=True)
@require_POST
def shift_add(request: HttpRequest) -> HttpResponse:
    form = ShiftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shift = shift_plan(
                by=request.user,
                line=data["line"],
                engineer=data["engineer"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            form_errors_from(exc, form, aliases={"starts_at": "starts", "ends_at": "ends"})
        else:
            messages.success(request, _("Shift planned: %(shift)s.") % {"shift": shift})
            week = selectors.week_start(timezone.localtime(shift.starts_at).date())
            return redirect_to(request, f"{reverse('tickets:roster')}?week={week.isoformat()}")
    day = form.cleaned_data.get("day") if hasattr(form, "cleaned_data") else None
    start = selectors.week_start(day or timezone.localdate())
    return _roster_page(request, start, form=form, status=400)


@login_required
@permission_required("tickets.delete_dutyshift", raise_exception=True)
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift.objects.restrict(request.user), pk=pk)
    week = selectors.week_start(timezone.localtime(shift.starts_at).date())
    try:
        shift_remove(shift, by=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The shift was removed."))
    return redirect_to(request, f"{reverse('tickets:roster')}?week={week.isoformat()}")


@login_required
@permission_required("tickets.view_dutyshift", raise_exception=True)
@require_GET
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(
        DutyShift.objects.restrict(request.user).select_related("line", "engineer"), pk=pk
    )
    return render(
        request,
        "tickets/shift_detail.html",
        {
            "shift": shift,
            "timers": list(timers_for(shift)),
            "is_mine": shift.engineer_id == request.user.pk,
            "check_in_open": check_in_open(shift, timezone.now()),
            "checked_in_minutes": (
                int((shift.checked_in_at - shift.starts_at).total_seconds() // 60)
                if shift.checked_in_at
                else None
            ),
            **_handover_context(shift),
        },
    )


@login_required
@permission_required("tickets.view_dutyshift", raise_exception=True)
@require_POST
def shift_check_in_view(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift.objects.restrict(request.user), pk=pk)
    try:
        shift_check_in(shift, by=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Checked in: you are on duty."))
    return redirect_to(request, shift.get_absolute_url())


@login_required
@permission_required("tickets.view_dutyshift", raise_exception=True)
@require_POST
def shift_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(DutyShift.objects.restrict(request.user), pk=pk)
    form = HandoverAcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            shift_acknowledge_handover(shift, by=request.user, note=form.cleaned_data["note"])
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Hand-over acknowledged."))
    return redirect_to(request, shift.get_absolute_url())
