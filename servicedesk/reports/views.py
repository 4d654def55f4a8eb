"""Portal pages of the reports app: weekly reports (list, edit, submit, print, Excel), the
manager's weekly meeting record and monthly project summary, trip reports and the
technical manager's briefing to sales (docs/domain.md §reports)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.forms import form_errors_from

from . import documents, selectors
from . import services as s
from .actions import BRIEFING_ACTIONS, TRIP_ACTIONS, WEEKLY_ACTIONS
from .choices import EDITABLE_STATES, BriefingState, TripState
from .forms import BriefingForm, MonthForm, TripReportForm, WeekForm, WeeklyReportForm
from .models import SalesBriefing, TripReport, WeeklyReport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(content: bytes, kind: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX if kind == "xlsx" else "application/pdf")
    disposition = "attachment" if kind == "xlsx" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{kind}"'
    return response


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, 30).get_page(request.GET.get("page"))


# -- weekly reports ------------------------------------------------------------------------


@login_required
@permission_required("reports.view_weeklyreport", raise_exception=True)
@require_GET
def weekly_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.weekly_reports(user=request.user).order_by("-week_start", "author_id")
    mine = request.GET.get("mine") == "1"
    if mine:
        rows = rows.filter(author=request.user)
    return render(
        request,
        "reports/weekly_list.html",
        {
            "page_obj": _page(request, rows),
            "mine": mine,
            "may_write": request.user.has_perm("reports.write_weeklyreport"),
        },
    )


@login_required
@permission_required("reports.write_weeklyreport", raise_exception=True)
@require_POST
def weekly_new(request: HttpRequest) -> HttpResponse:
    """Draft this week's report now (the Friday task drafts it anyway; once either way)."""
    report, created = s.weekly_report_draft(
        author=request.user, week_start=timezone.localdate(), by=request.user
    )
    if created:
        messages.success(request, _("This week's report is drafted from your work."))
    return redirect(report.get_absolute_url())


def _weekly(request: HttpRequest, pk: int) -> WeeklyReport:
    return get_object_or_404(selectors.weekly_reports(user=request.user), pk=pk)


def _weekly_page(request, report, *, status=200, failed="", failed_form=None, form=None):
    editable = report.author_id == request.user.pk and report.state in EDITABLE_STATES
    if editable and form is None:
        form = WeeklyReportForm(instance=report)
    return render(
        request,
        "reports/weekly_detail.html",
        {
            "object": report,
            "lines": selectors.report_lines(report),
            "panels": action_panels(
                WEEKLY_ACTIONS, report, request.user, failed=failed, failed_form=failed_form
            ),
            "action_url": "reports:weekly-action",
            "form": form if editable else None,
        },
        status=status,
    )


@login_required
@require_GET
def weekly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _weekly_page(request, _weekly(request, pk))


@login_required
@require_POST
def weekly_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _weekly(request, pk)
    form = WeeklyReportForm(request.POST, instance=WeeklyReport.objects.get(pk=report.pk))
    if form.is_valid():
        try:
            s.weekly_report_edit(report, by=request.user, **form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return _weekly_page(request, _weekly(request, pk), status=409)
        messages.success(request, _("Saved."))
        if request.POST.get("then") == "submit":
            return action_run_portal(
                request,
                action_set=WEEKLY_ACTIONS,
                obj=_weekly(request, pk),
                name="submit",
                page=_weekly_page,
                reload=lambda: _weekly(request, pk),
            )
        return redirect(report.get_absolute_url())
    return _weekly_page(request, report, status=400, form=form)


@login_required
@require_POST
def weekly_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    report = _weekly(request, pk)
    try:
        s.weekly_report_refresh(report, by=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _weekly_page(request, report, status=409)
    messages.success(request, _("The figures are drafted again from this week's work."))
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def weekly_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=WEEKLY_ACTIONS,
        obj=_weekly(request, pk),
        name=name,
        page=_weekly_page,
        reload=lambda: _weekly(request, pk),
    )


@login_required
@require_GET
def weekly_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _weekly(request, pk)
    return _file(documents.xlsx_bytes(documents.weekly_document(report)), "xlsx", report.number)


# -- the manager's meeting record and monthly summary --------------------------------------


def _meeting(request: HttpRequest) -> tuple[Any, WeekForm]:
    form = WeekForm(request.GET or None)
    week = form.week_start(timezone.localdate())
    return selectors.meeting_record(user=request.user, week_start=week), form


@login_required
@permission_required("reports.review_weeklyreport", raise_exception=True)
@require_GET
def meeting(request: HttpRequest, kind: str = "") -> HttpResponse:
    record, form = _meeting(request)
    if kind:
        doc = documents.meeting_document(record, request.user)
        content = documents.xlsx_bytes(doc) if kind == "xlsx" else documents.pdf_bytes(doc)
        return _file(content, kind, doc.number)
    return render(
        request,
        "reports/meeting.html",
        {"record": record, "form": form, "query": f"week={record.week_start:%Y-%m-%d}"},
    )


@login_required
@permission_required("reports.review_weeklyreport", raise_exception=True)
@require_GET
def monthly(request: HttpRequest, kind: str = "") -> HttpResponse:
    form = MonthForm(request.GET or None)
    year, month = form.year_month(timezone.localdate())
    summary = selectors.month_summary(user=request.user, year=year, month=month)
    if kind:
        doc = documents.month_document(summary, request.user)
        content = documents.xlsx_bytes(doc) if kind == "xlsx" else documents.pdf_bytes(doc)
        return _file(content, kind, doc.number)
    return render(
        request,
        "reports/monthly.html",
        {"summary": summary, "form": form, "query": f"month={year}-{month:02d}"},
    )


# -- trip reports --------------------------------------------------------------------------


@login_required
@permission_required("reports.view_tripreport", raise_exception=True)
@require_GET
def trip_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.trip_reports(user=request.user)
    state = request.GET.get("state", "")
    if state in TripState.values:
        rows = rows.filter(state=state)
    return render(
        request,
        "reports/trip_list.html",
        {"page_obj": _page(request, rows), "state": state, "states": TripState.choices},
    )


def _trip(request: HttpRequest, pk: int) -> TripReport:
    return get_object_or_404(selectors.trip_reports(user=request.user), pk=pk)


def _trip_page(request, report, *, status=200, failed="", failed_form=None, form=None):
    editable = report.author_id == request.user.pk and report.state == TripState.DRAFT
    if editable and form is None:
        form = TripReportForm(instance=report)
    return render(
        request,
        "reports/trip_detail.html",
        {
            "object": report,
            "panels": action_panels(
                TRIP_ACTIONS, report, request.user, failed=failed, failed_form=failed_form
            ),
            "action_url": "reports:trip-action",
            "form": form if editable else None,
        },
        status=status,
    )


@login_required
@require_GET
def trip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _trip_page(request, _trip(request, pk))


@login_required
@require_POST
def trip_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _trip(request, pk)
    form = TripReportForm(request.POST, instance=TripReport.objects.get(pk=report.pk))
    if not form.is_valid():
        return _trip_page(request, report, status=400, form=form)
    try:
        s.trip_report_edit(report, by=request.user, **form.cleaned_data)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _trip_page(request, _trip(request, pk), status=409)
    messages.success(request, _("Saved."))
    if request.POST.get("then") == "submit":
        return action_run_portal(
            request,
            action_set=TRIP_ACTIONS,
            obj=_trip(request, pk),
            name="submit",
            page=_trip_page,
            reload=lambda: _trip(request, pk),
        )
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def trip_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=TRIP_ACTIONS,
        obj=_trip(request, pk),
        name=name,
        page=_trip_page,
        reload=lambda: _trip(request, pk),
    )


@login_required
@require_GET
def trip_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _trip(request, pk)
    return _file(documents.xlsx_bytes(documents.trip_document(report)), "xlsx", report.number)


# -- briefings to sales --------------------------------------------------------------------


@login_required
@permission_required("reports.view_salesbriefing", raise_exception=True)
@require_GET
def briefing_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.briefings(user=request.user)
    return render(
        request,
        "reports/briefing_list.html",
        {
            "page_obj": _page(request, rows),
            "may_write": request.user.has_perm("reports.write_salesbriefing"),
        },
    )


@login_required
@permission_required("reports.write_salesbriefing", raise_exception=True)
@require_POST
def briefing_new(request: HttpRequest) -> HttpResponse:
    briefing, created = s.briefing_draft(
        author=request.user, week_start=timezone.localdate(), by=request.user
    )
    if created:
        messages.success(request, _("This week's briefing is drafted from the visits."))
    return redirect(briefing.get_absolute_url())


def _briefing(request: HttpRequest, pk: int) -> SalesBriefing:
    return get_object_or_404(selectors.briefings(user=request.user), pk=pk)


def _briefing_page(request, briefing, *, status=200, failed="", failed_form=None, form=None):
    editable = briefing.author_id == request.user.pk and briefing.state == BriefingState.DRAFT
    if editable and form is None:
        form = BriefingForm(briefing=briefing)
    return render(
        request,
        "reports/briefing_detail.html",
        {
            "object": briefing,
            "items": briefing.items.select_related("customer"),
            "panels": action_panels(
                BRIEFING_ACTIONS, briefing, request.user, failed=failed, failed_form=failed_form
            ),
            "action_url": "reports:briefing-action",
            "form": form if editable else None,
        },
        status=status,
    )


@login_required
@require_GET
def briefing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _briefing_page(request, _briefing(request, pk))


@login_required
@require_POST
def briefing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    form = BriefingForm(request.POST, briefing=briefing)
    if not form.is_valid():
        return _briefing_page(request, briefing, status=400, form=form)
    try:
        s.briefing_edit(
            briefing, by=request.user, summary=form.cleaned_data["summary"], notes=form.notes()
        )
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        form_errors_from(exc, form)
        messages.error(request, exc.message)
        return _briefing_page(request, _briefing(request, pk), status=409)
    messages.success(request, _("Saved."))
    if request.POST.get("then") == "submit":
        return action_run_portal(
            request,
            action_set=BRIEFING_ACTIONS,
            obj=_briefing(request, pk),
            name="send",
            page=_briefing_page,
            reload=lambda: _briefing(request, pk),
        )
    return redirect(briefing.get_absolute_url())


@login_required
@require_POST
def briefing_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=BRIEFING_ACTIONS,
        obj=_briefing(request, pk),
        name=name,
        page=_briefing_page,
        reload=lambda: _briefing(request, pk),
    )


@login_required
@require_GET
def briefing_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    doc = documents.briefing_document(briefing)
    return _file(documents.xlsx_bytes(doc), "xlsx", briefing.number)
