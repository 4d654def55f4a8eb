"""Portal pages of routine inspections (docs/domain.md §inspection): the monthly calendar
for managers, the schedules, and the checklist on the engineer's phone."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict

from ..actions_inspections import INSPECTION_ACTIONS
from ..forms_inspections import ItemForm, RaiseForm, ScheduleForm
from ..models.inspections import Inspection, InspectionItem, InspectionSchedule, ItemResult
from ..selectors_inspections import inspections_in_month, schedules_for_list
from ..services.inspections import (
    inspection_item_raise,
    inspection_item_record,
    inspection_schedule_save,
)
from . import form_errors_from


def _month(text: str) -> dt.date:
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
@permission_required("fieldservice.view_all_dispatches", raise_exception=True)
@require_GET
def inspection_calendar(request: HttpRequest) -> HttpResponse:
    """The month's routine inspections, day by day, for the service managers."""
    first = _month(request.GET.get("month", ""))
    by_day = inspections_in_month(request.user, first)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                {"day": d, "in_month": d.month == first.month, "items": by_day.get(d, [])}
                for d in week
            ]
        )
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "fieldservice/inspections/calendar.html",
        {
            "first": first,
            "weeks": weeks,
            "count": sum(len(v) for v in by_day.values()),
            "previous": previous,
            "following": following,
            "today": timezone.localdate(),
        },
    )


@login_required
@permission_required("fieldservice.view_inspectionschedule", raise_exception=True)
@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "fieldservice/inspections/schedule_list.html",
        {"schedules": schedules_for_list(request.user)},
    )


def _schedule_form_save(request: HttpRequest, schedule: InspectionSchedule | None) -> Any:
    form = ScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            return inspection_schedule_save(by=request.user, schedule=schedule, **data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
    return form


@login_required
@permission_required("fieldservice.manage_inspections", raise_exception=True)
@require_http_methods(["GET", "POST"])
def schedule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    schedule = (
        get_object_or_404(InspectionSchedule.objects.restrict(request.user), pk=pk) if pk else None
    )
    result = _schedule_form_save(request, schedule)
    if isinstance(result, InspectionSchedule):
        messages.success(request, _("The inspection schedule was saved."))
        return redirect(result.get_absolute_url())
    return render(
        request,
        "fieldservice/inspections/schedule_edit.html",
        {"form": result, "schedule": schedule},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(
        InspectionSchedule.objects.restrict(request.user).select_related(
            "contract__customer", "engineer__user", "backup_engineer__user"
        ),
        pk=pk,
    )
    inspections = schedule.inspections.select_related("dispatch").order_by("-due_on")[:50]
    return render(
        request,
        "fieldservice/inspections/schedule_detail.html",
        {"object": schedule, "inspections": inspections},
    )


# -- the checklist ------------------------------------------------------------------------


def _get_inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.restrict(request.user).select_related(
            "dispatch__engineer__user", "customer", "contract", "schedule"
        ),
        pk=pk,
    )


def _page(
    request: HttpRequest,
    inspection: Inspection,
    *,
    status: int = 200,
    failed: str = "",
    failed_form: Any = None,
    item_errors: dict[int, Any] | None = None,
) -> HttpResponse:
    items = list(inspection.items.select_related("ticket", "follow_up"))
    item_errors = item_errors or {}
    rows = [
        {
            "item": item,
            "form": item_errors.get(item.pk)
            or ItemForm(initial={"result": item.result, "note": item.note}, prefix=f"i{item.pk}"),
        }
        for item in items
    ]
    answered = sum(1 for i in items if i.result != ItemResult.NONE)
    return render(
        request,
        "fieldservice/inspections/detail.html",
        {
            "object": inspection,
            "dispatch": inspection.dispatch,
            "rows": rows,
            "answered": answered,
            "total": len(items),
            "editable": inspection.state == "open",
            "panels": action_panels(
                INSPECTION_ACTIONS, inspection, request.user, failed=failed, failed_form=failed_form
            ),
            "action_url": "fieldservice:inspection-action",
        },
        status=status,
    )


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _get_inspection(request, pk))


@login_required
@require_POST
def inspection_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=INSPECTION_ACTIONS,
        obj=_get_inspection(request, pk),
        name=name,
        page=lambda req, obj, **kw: _page(req, obj, **kw),
        reload=lambda: _get_inspection(request, pk),
    )


def _item(request: HttpRequest, pk: int, item_pk: int) -> tuple[Inspection, InspectionItem]:
    inspection = _get_inspection(request, pk)
    return inspection, get_object_or_404(InspectionItem, pk=item_pk, inspection=inspection)


@login_required
@require_POST
def inspection_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Save one line of the checklist (a tap on OK, or an issue with note and photo)."""
    inspection, item = _item(request, pk, item_pk)
    form = ItemForm(request.POST, request.FILES, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            inspection_item_record(item, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        except (TransitionConflict, NotPermitted) as exc:
            messages.error(request, exc.message)
            return redirect(inspection.get_absolute_url())
        else:
            return redirect(f"{inspection.get_absolute_url()}#item-{item.pk}")
    return _page(request, inspection, status=400, item_errors={item.pk: form})


@login_required
@require_POST
def inspection_item_raise_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """An issue opens a ticket or a follow-up dispatch in one step."""
    inspection, item = _item(request, pk, item_pk)
    form = RaiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Open a ticket or a follow-up dispatch."))
        return redirect(inspection.get_absolute_url())
    try:
        raised = inspection_item_raise(item, by=request.user, to=form.cleaned_data["to"])
    except (ApplicationError, TransitionConflict, NotPermitted) as exc:
        messages.error(request, exc.message)
    else:
        number = raised.ticket.number if raised.ticket_id else raised.follow_up.number
        messages.success(request, _("%(number)s was opened for this issue.") % {"number": number})
    return redirect(f"{inspection.get_absolute_url()}#item-{item.pk}")


@login_required
@require_POST
def schedule_send(request: HttpRequest, pk: int) -> HttpResponse:
    """E-mail the yearly schedule to the customer, or say why it is to be printed."""
    from ..services.inspections import inspection_schedule_send

    schedule = get_object_or_404(InspectionSchedule.objects.restrict(request.user), pk=pk)
    try:
        schedule = inspection_schedule_send(schedule, by=request.user)
    except NotPermitted as exc:
        messages.error(request, exc.message)
    else:
        if schedule.send_error:
            messages.warning(request, schedule.send_error)
        else:
            messages.success(
                request, _("The schedule was e-mailed to %(to)s.") % {"to": schedule.sent_to}
            )
    return redirect(schedule.get_absolute_url())
