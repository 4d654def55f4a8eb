"""The engineers' leave: a month of engineers × days (leave, visits, holidays), and leave
recorded, changed and cancelled by the service manager (docs/domain.md §partners.leave)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.dates import sane_date
from servicedesk.core.exceptions import ApplicationError

from .. import selectors
from ..choices import BUSY_STATES
from ..forms import LeaveCancelForm, LeaveForm
from ..models import Dispatch, Engineer, EngineerLeave
from ..services import engineer_leave_add, engineer_leave_cancel, engineer_leave_change
from . import form_errors_from


def _month(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or today.month)
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        return today.year, today.month
    return year, month


def _month_url(day: dt.date, region: str = "") -> str:
    url = f"{reverse('fieldservice:leave-month')}?year={day.year}&month={day.month}"
    return url + (f"&region={region}" if region else "")


@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_GET
def leave_month(request: HttpRequest) -> HttpResponse:
    """For those who plan visits (the dispatch board's people): who is away when."""
    year, month = _month(request)
    region = request.GET.get("region", "")
    table = selectors.leave_month(request.user, year=year, month=month, region=region)
    first = table.first
    return render(
        request,
        "fieldservice/leave_month.html",
        {
            "table": table,
            "region": region,
            "regions": selectors.engineer_regions(request.user),
            "prev": (first - dt.timedelta(days=1)).replace(day=1),
            "next": (first + dt.timedelta(days=32)).replace(day=1),
            "today": timezone.localdate(),
            "may_add": request.user.has_perm("fieldservice.add_engineerleave"),
            "may_change": request.user.has_perm("fieldservice.change_engineerleave"),
        },
    )


def _warn_busy(request: HttpRequest, leave: EngineerLeave) -> None:
    """Visits already booked on the leave's days: the manager moves them on the board."""
    begin = timezone.make_aware(dt.datetime.combine(leave.starts_on, dt.time.min))
    end = timezone.make_aware(
        dt.datetime.combine(leave.ends_on + dt.timedelta(days=1), dt.time.min)
    )
    numbers = list(
        Dispatch.objects.filter(engineer_id=leave.engineer_id, state__in=BUSY_STATES)
        .filter(
            Q(appointment_at__gte=begin, appointment_at__lt=end)
            | Q(appointment_at__isnull=True, planned_start__gte=begin, planned_start__lt=end)
        )
        .order_by("appointment_at", "planned_start", "pk")
        .values_list("number", flat=True)[:20]
    )
    if numbers:
        messages.warning(
            request,
            _(
                "%(name)s has visits booked on these days: %(numbers)s. "
                "Assign them to someone else on the dispatch board."
            )
            % {"name": leave.engineer, "numbers": "、".join(numbers)},
        )


@login_required
@permission_required("fieldservice.add_engineerleave", raise_exception=True)
@require_http_methods(["GET", "POST"])
def leave_new(request: HttpRequest) -> HttpResponse:
    engineers = selectors.engineers_assignable(request.user)
    day = sane_date(parse_date(request.GET.get("day", "") or ""), timezone.localdate())
    initial = {"engineer": request.GET.get("engineer"), "starts_on": day, "ends_on": day}
    form = LeaveForm(request.POST or None, engineers=engineers, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leave = engineer_leave_add(
                engineer=data["engineer"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                by=request.user,
            )
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _("Leave of %(name)s recorded: %(start)s – %(end)s.")
                % {"name": leave.engineer, "start": leave.starts_on, "end": leave.ends_on},
            )
            _warn_busy(request, leave)
            return redirect(_month_url(leave.starts_on))
    status = 400 if request.method == "POST" else 200
    return render(request, "fieldservice/leave_form.html", {"form": form}, status=status)


def _leave_or_404(request: HttpRequest, pk: int) -> EngineerLeave:
    return get_object_or_404(
        EngineerLeave.objects.select_related("engineer__user").filter(
            engineer__in=Engineer.objects.restrict(request.user)
        ),
        pk=pk,
    )


@login_required
@permission_required("fieldservice.change_engineerleave", raise_exception=True)
@require_http_methods(["GET", "POST"])
def leave_edit(request: HttpRequest, pk: int) -> HttpResponse:
    leave = _leave_or_404(request, pk)
    initial = {"starts_on": leave.starts_on, "ends_on": leave.ends_on, "reason": leave.reason}
    form = LeaveForm(request.POST or None, fixed=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            leave = engineer_leave_change(
                leave=leave,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
                by=request.user,
            )
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _("Leave of %(name)s changed: %(start)s – %(end)s.")
                % {"name": leave.engineer, "start": leave.starts_on, "end": leave.ends_on},
            )
            _warn_busy(request, leave)
            return redirect(_month_url(leave.starts_on))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "fieldservice/leave_form.html",
        {
            "form": form,
            "leave": leave,
            "cancel_form": LeaveCancelForm(),
            "may_cancel": request.user.has_perm("fieldservice.delete_engineerleave"),
        },
        status=status,
    )


@login_required
@permission_required("fieldservice.delete_engineerleave", raise_exception=True)
@require_POST
def leave_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    leave = _leave_or_404(request, pk)
    form = LeaveCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("fieldservice:leave-edit", pk=leave.pk)
    note = form.cleaned_data["note"]
    engineer, start, end = leave.engineer, leave.starts_on, leave.ends_on
    engineer_leave_cancel(leave=leave, by=request.user, note=note)
    messages.success(
        request,
        _("Leave of %(name)s cancelled: %(start)s – %(end)s.")
        % {"name": engineer, "start": start, "end": end},
    )
    return redirect(_month_url(start))
