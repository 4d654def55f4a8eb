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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from contracts.models import Customer
from servicedesk.core.exceptions import ApplicationError

from .. import selectors
from ..choices import Outcome, RequirementState
from ..forms import (
    AgreeForm,
    CloseForm,
    CustomerAcceptForm,
    DeliverForm,
    EscalateForm,
    EvaluateForm,
    EvaluationReportForm,
    ExplanationForm,
    RequirementForm,
    ScheduleForm,
    SolutionForm,
    TrackerForm,
    default_period,
)
from ..models import SOLUTION_FORM, Requirement
from ..services import (
    evaluation_report_create,
    quote_for,
    requirement_agree,
    requirement_confirm_solution,
    requirement_customer_accept,
    requirement_deliver,
    requirement_escalate,
    requirement_evaluate,
    requirement_record,
    requirement_refuse_quote,
    requirement_schedule,
    requirement_set_solution,
    requirement_set_tracker,
    requirement_start_development,
    requirement_start_evaluation,
)
from . import Action, action_panels, form_errors_from, fsm, run_action


def _evaluate(r: Requirement, user: Any, data: dict) -> Requirement:
    return requirement_evaluate(
        r,
        by=user,
        outcome=data["outcome"],
        in_scope=data["in_scope"],
        urgent=data["urgent"],
        affects_operation=data["affects_operation"],
        effort_days=data["effort_days"],
        evaluators=list(data["evaluators"]),
        note=data["note"],
        solution=data["solution"],
        workaround=data["workaround"],
        trained_people=data["trained_people"],
        trained_by=data["trained_by"],
        trained_at=data["trained_at"],
        explanation=data["explanation"],
    )


def _evaluate_initial(r: Requirement) -> dict[str, Any]:
    in_scope = {"in_scope": "yes", "out_of_scope": "no"}.get(r.entitlement)
    return {"in_scope": in_scope, "outcome": Outcome.ACCEPTED if in_scope == "yes" else None}


def _may_set_solution(r: Requirement, user: Any, _t: set[str]) -> bool:
    return (
        r.state == RequirementState.ACCEPTED
        and (
            user.has_perm("defects.confirm_solution")
            or user.has_perm("defects.evaluate_requirement")
        )
        and not getattr(r, "solution_signed_by", None)
    )


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "start_evaluation",
            gettext_lazy("Start evaluating"),
            "search",
            CloseForm,
            lambda r, u, d: requirement_start_evaluation(r, by=u),
            fsm("start_evaluation"),
        ),
        Action(
            "evaluate",
            gettext_lazy("Evaluate"),
            "clipboard-data",
            EvaluateForm,
            _evaluate,
            lambda r, u, t: (
                u.has_perm("defects.evaluate_requirement")
                and r.state in (RequirementState.RECORDED, RequirementState.EVALUATING)
            ),
            primary=True,
            initial=_evaluate_initial,
        ),
        Action(
            "agree",
            gettext_lazy("Customer agrees to pay"),
            "cash-coin",
            AgreeForm,
            lambda r, u, d: requirement_agree(r, by=u, amount=d["amount"], note=d["note"]),
            fsm("agree"),
            primary=True,
            initial=lambda r: {"amount": r.quote_amount},
        ),
        Action(
            "refuse_quote",
            gettext_lazy("Customer refuses the price"),
            "x-circle",
            ExplanationForm,
            lambda r, u, d: requirement_refuse_quote(r, by=u, explanation=d["explanation"]),
            fsm("refuse_quote"),
        ),
        Action(
            "solution",
            gettext_lazy("Agreed solution"),
            "pencil-square",
            SolutionForm,
            lambda r, u, d: requirement_set_solution(r, by=u, solution=d["solution"]),
            _may_set_solution,
            initial=lambda r: {"solution": r.solution},
            help=gettext_lazy("Printed on the solution confirmation; fixed once signed."),
        ),
        Action(
            "confirm_solution",
            gettext_lazy("Confirm the solution"),
            "patch-check",
            CloseForm,
            lambda r, u, d: requirement_confirm_solution(r, by=u),
            fsm("confirm_solution"),
            primary=True,
            help=gettext_lazy("Needs the signatures of the sales manager and the director."),
            sign_form=SOLUTION_FORM,
        ),
        Action(
            "schedule",
            gettext_lazy("Schedule"),
            "calendar-check",
            ScheduleForm,
            lambda r, u, d: requirement_schedule(
                r,
                by=u,
                planned_start=d["planned_start"],
                planned_delivery=d["planned_delivery"],
                developer=d["developer"],
            ),
            fsm("schedule"),
            primary=True,
        ),
        Action(
            "start_development",
            gettext_lazy("Start development"),
            "code-slash",
            CloseForm,
            lambda r, u, d: requirement_start_development(r, by=u),
            fsm("start_development"),
            primary=True,
        ),
        Action(
            "deliver",
            gettext_lazy("Deliver"),
            "box-seam",
            DeliverForm,
            lambda r, u, d: requirement_deliver(r, by=u, note=d["note"]),
            fsm("deliver"),
            primary=True,
        ),
        Action(
            "customer_accept",
            gettext_lazy("Customer accepts"),
            "award",
            CustomerAcceptForm,
            lambda r, u, d: requirement_customer_accept(r, by=u, note=d["note"]),
            fsm("customer_accept"),
            primary=True,
        ),
        Action(
            "escalate",
            gettext_lazy("Escalate to the region lead"),
            "person-up",
            EscalateForm,
            lambda r, u, d: requirement_escalate(r, by=u, point=d["point"]),
            fsm("escalate"),
            help=gettext_lazy("When the people involved cannot agree."),
        ),
        Action(
            "tracker",
            gettext_lazy("External tracker"),
            "link-45deg",
            TrackerForm,
            lambda r, u, d: requirement_set_tracker(r, by=u, key=d["key"], url=d["url"]),
            lambda r, u, _t: u.has_perm("defects.change_requirement"),
            initial=lambda r: {"key": r.tracker_key, "url": r.tracker_url},
        ),
    ]
}


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
    from tickets.models import Ticket

    initial: dict[str, Any] = {}
    ticket = None
    pk = request.GET.get("ticket", "") or request.POST.get("ticket", "")
    if str(pk).isdigit():
        ticket = Ticket.objects.restrict(request.user).filter(pk=pk).first()
        if ticket is None:
            raise Http404
        initial.update(
            ticket=ticket.pk,
            customer=ticket.customer_id,
            product=ticket.product,
            description=ticket.description,
        )
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
        "actions": action_panels(ACTIONS, item, request.user, failed, failed_form),
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
    if name not in ACTIONS:
        raise Http404
    if not request.user.has_perm("defects.view_requirement"):
        raise PermissionDenied
    item = _requirement_or_404(request, pk)
    from servicedesk.core.selectors import signatures_for

    item.solution_signed_by = list(signatures_for(item, SOLUTION_FORM))
    return run_action(
        request,
        actions=ACTIONS,
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
