"""The requirement pipeline, recording a request, its page with the evaluation and the
solution confirmation, and the periodic evaluation reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from contracts.models import Customer
from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.forms import form_errors_from

from .. import selectors
from ..actions import REQUIREMENT_ACTIONS
from ..choices import RequirementState
from ..forms import EvaluationReportForm, RequirementForm, default_period
from ..models import SOLUTION_FORM, Requirement
from ..services import evaluation_report_create, quote_for, requirement_record


@login_required
@permission_required("defects.view_requirement", raise_exception=True)
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    customer = request.GET.get("customer", "")
    columns = selectors.requirement_pipeline(
        user=request.user, customer=int(customer) if customer.isdigit() else None
    )
    return render(
        request,
        "defects/pipeline.html",
        {"columns": columns, "decided": selectors.requirements_decided(user=request.user)},
    )


@login_required
@permission_required("defects.add_requirement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def requirement_create(request: HttpRequest) -> HttpResponse:
    from tickets.selectors import ticket_for_defect

    initial: dict[str, Any] = {}
    ticket = None
    pk = request.GET.get("ticket", "") or request.POST.get("ticket", "")
    if str(pk).isdigit():
        found = ticket_for_defect(request.user, pk)
        if found is None:
            raise Http404
        ticket, values = found
        initial.update({k: values[k] for k in ("ticket", "customer", "product", "description")})
    form = RequirementForm(request.POST or None, initial=initial)
    form.fields["customer"].queryset = Customer.objects.restrict(request.user).order_by("name")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = requirement_record(
                    by=request.user,
                    customer=data["customer"],
                    title=data["title"],
                    description=data["description"],
                    intent=data["intent"],
                    product=data["product"],
                    module=data["module"],
                    ticket=ticket,
                    recorded_at=data["recorded_at"],
                    tracker_key=data["tracker_key"],
                    tracker_url=data["tracker_url"],
                )
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(
                    request, _("Request %(number)s recorded.") % {"number": item.number}
                )
                return redirect(item.get_absolute_url())
        status = 400
    return render(
        request, "defects/requirement_form.html", {"form": form, "ticket": ticket}, status=status
    )


def _requirement_or_404(request: HttpRequest, pk: int) -> Requirement:
    try:
        return selectors.requirement_detail(user=request.user, pk=pk)
    except Requirement.DoesNotExist:
        raise Http404 from None


def _requirement_page(
    request: HttpRequest,
    item: Requirement,
    *,
    failed: str = "",
    failed_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    from servicedesk.core.selectors import signatures_for

    signatures = list(signatures_for(item, SOLUTION_FORM))
    item.solution_signed_by = signatures
    quote_preview = None
    if item.state in (RequirementState.RECORDED, RequirementState.EVALUATING):
        quote_preview = quote_for(item, 1)
    context = {
        "item": item,
        "actions": action_panels(
            REQUIREMENT_ACTIONS, item, request.user, failed=failed, failed_form=failed_form
        ),
        "timeline": selectors.timeline(item),
        "solution_signatures": signatures,
        "missing_signers": item.missing_signers(),
        "rate": quote_preview[0] if quote_preview else None,
    }
    return render(request, "defects/requirement_detail.html", context, status=status)


@login_required
@permission_required("defects.view_requirement", raise_exception=True)
@require_GET
def requirement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _requirement_page(request, _requirement_or_404(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def requirement_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one action (POST). A GET (e.g. coming back from signing a form opened on a
    page shown after a refused action) goes to the record's page."""
    if request.method == "GET":
        return redirect(_requirement_or_404(request, pk).get_absolute_url())
    if name not in REQUIREMENT_ACTIONS:
        raise Http404
    if not request.user.has_perm("defects.view_requirement"):
        raise PermissionDenied
    item = _requirement_or_404(request, pk)
    from servicedesk.core.selectors import signatures_for

    item.solution_signed_by = list(signatures_for(item, SOLUTION_FORM))
    return action_run_portal(
        request,
        action_set=REQUIREMENT_ACTIONS,
        obj=item,
        name=name,
        page=_requirement_page,
        reload=lambda: _requirement_or_404(request, pk),
    )


# -- evaluation reports ------------------------------------------------------------------


@login_required
@permission_required("defects.view_evaluationreport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    may_create = request.user.has_perm("defects.add_evaluationreport")
    start, end = default_period(timezone.localdate())
    form = EvaluationReportForm(
        request.POST or None, initial={"period_start": start, "period_end": end}
    )
    status = 200
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        if form.is_valid():
            try:
                report = evaluation_report_create(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("The evaluation report was sent."))
                return redirect(report.get_absolute_url())
        status = 400
    return render(
        request,
        "defects/reports.html",
        {
            "reports": selectors.reports_list(user=request.user)[:50],
            "form": form if may_create else None,
        },
        status=status,
    )


@login_required
@permission_required("defects.view_evaluationreport", raise_exception=True)
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(selectors.reports_list(user=request.user), pk=pk)
    return render(
        request,
        "defects/report_detail.html",
        {"report": report, "items": selectors.evaluated_in(report)},
    )
