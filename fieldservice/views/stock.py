"""Portal pages of the spare-parts stock (docs/domain.md §stock): stock by warehouse with
low-stock warnings, a part's page, the stock movements (receive, issue, return,
transfer, warning level), loans and repairs outstanding, a loan's and a faulty part's
page with their declared actions (fieldservice/actions_stock.py).

Thin views (docs/architecture.md §layers.views): a form, one service or selector, a render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.forms import form_errors_from

from .. import forms_stock as f
from .. import selectors_stock as selectors
from ..actions_stock import LOAN_ACTIONS, REPAIR_ACTIONS
from ..models.stock import FaultyPart, Part, PartLoan, Warehouse
from ..services import stock as services

# -- stock by warehouse --------------------------------------------------------------------


@login_required
@permission_required("fieldservice.view_stocklevel", raise_exception=True)
@require_GET
def stock(request: HttpRequest) -> HttpResponse:
    warehouses = selectors.warehouses_for_stock(request.user)
    chosen = _chosen_warehouse(request, warehouses)
    q = (request.GET.get("q") or "").strip()[:60]
    low_only = request.GET.get("low") == "1"
    page = None
    if chosen is not None:
        lines = selectors.stock_lines(request.user, warehouse=chosen, q=q, low_only=low_only)
        page = Paginator(lines, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "fieldservice/stock/stock.html",
        {
            "warehouses": warehouses,
            "chosen": chosen,
            "page": page,
            "q": q,
            "low_only": low_only,
            "query": urlencode(
                {
                    k: v
                    for k, v in (
                        ("warehouse", chosen.pk if chosen else ""),
                        ("q", q),
                        ("low", "1" if low_only else ""),
                    )
                    if v
                }
            ),
            "may_move": request.user.has_perm("fieldservice.move_stock"),
        },
    )


def _chosen_warehouse(request: HttpRequest, warehouses: list[Warehouse]) -> Warehouse | None:
    wanted = request.GET.get("warehouse", "")
    for warehouse in warehouses:
        if str(warehouse.pk) == wanted:
            return warehouse
    return warehouses[0] if warehouses else None


@login_required
@permission_required("fieldservice.view_part", raise_exception=True)
@require_GET
def part_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        part = selectors.part_detail(request.user, pk)
    except Part.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "fieldservice/stock/part.html",
        {
            "part": part,
            "levels": selectors.part_levels(request.user, part),
            "movements": selectors.part_movements(request.user, part),
        },
    )


# -- movements -----------------------------------------------------------------------------

#: op → (label, form, service, permission); the service takes the form's cleaned data.
MOVES: dict[str, tuple[Any, type[forms.Form], Any, str]] = {
    "issue": (gettext_lazy("Issue"), f.IssueForm, services.stock_issue, "move_stock"),
    "return": (gettext_lazy("Return unused"), f.ReturnForm, services.stock_return, "move_stock"),
    "transfer": (gettext_lazy("Transfer"), f.TransferForm, services.stock_transfer, "move_stock"),
    "receive": (gettext_lazy("Receive"), f.ReceiveForm, services.stock_receive, "manage_stock"),
    "minimum": (
        gettext_lazy("Low-stock warning"),
        f.MinimumForm,
        services.stock_set_minimum,
        "manage_stock",
    ),
}


@login_required
@permission_required("fieldservice.move_stock", raise_exception=True)
@require_http_methods(["GET", "POST"])
def stock_move(request: HttpRequest, op: str = "issue") -> HttpResponse:
    if op not in MOVES:
        raise Http404
    label, form_class, service, perm = MOVES[op]
    if not request.user.has_perm(f"fieldservice.{perm}"):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                service(by=request.user, **form.cleaned_data)
            except NotPermitted as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                form_errors_from(exc, form)
                status = 400
            else:
                messages.success(request, _("Done: %(action)s.") % {"action": label})
                part = form.cleaned_data["part"]
                return redirect(part.get_absolute_url())
        else:
            status = 400
    else:
        form = form_class(initial=_initial(request))
    ops = [
        (name, spec[0])
        for name, spec in MOVES.items()
        if request.user.has_perm(f"fieldservice.{spec[3]}")
    ]
    return render(
        request,
        "fieldservice/stock/move.html",
        {"form": form, "op": op, "label": label, "ops": ops},
        status=status,
    )


def _initial(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for key in ("part", "warehouse", "from_warehouse", "dispatch"):
        if request.GET.get(key):
            initial[key] = request.GET[key][:60]
    return initial


# -- loans and repairs -----------------------------------------------------------------------


@login_required
@permission_required("fieldservice.view_partloan", raise_exception=True)
@require_GET
def outstanding(request: HttpRequest) -> HttpResponse:
    from servicedesk.core.selectors import timers_attach

    loans = list(selectors.loans_outstanding(request.user)[:200])
    repairs = list(selectors.repairs_outstanding(request.user)[:200])
    timers_attach(loans)
    return render(
        request,
        "fieldservice/stock/outstanding.html",
        {"loans": loans, "repairs": repairs},
    )


def _create_page(
    request: HttpRequest, form_class: type[forms.Form], service: Any, template: str
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                record = service(by=request.user, **form.cleaned_data)
            except NotPermitted as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                form_errors_from(exc, form)
                status = 400
            else:
                messages.success(request, _("Recorded: %(record)s.") % {"record": record})
                return redirect(record.get_absolute_url())
        else:
            status = 400
    else:
        form = form_class(initial=_initial(request))
    return render(request, template, {"form": form}, status=status)


@login_required
@permission_required("fieldservice.add_partloan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def loan_new(request: HttpRequest) -> HttpResponse:
    return _create_page(
        request, f.LoanRequestForm, services.loan_request, "fieldservice/stock/loan_new.html"
    )


@login_required
@permission_required("fieldservice.add_faultypart", raise_exception=True)
@require_http_methods(["GET", "POST"])
def repair_new(request: HttpRequest) -> HttpResponse:
    return _create_page(
        request, f.FaultyTagForm, services.faulty_tag, "fieldservice/stock/repair_new.html"
    )


def _record_page(template: str, action_set: Any, url_name: str):
    def page(request, obj, *, status=200, failed="", failed_form=None):
        panels = action_panels(
            action_set, obj, request.user, failed=failed, failed_form=failed_form
        )
        return render(
            request,
            template,
            {"object": obj, "panels": panels, "action_url": url_name},
            status=status,
        )

    return page


_loan_page = _record_page("fieldservice/stock/loan.html", LOAN_ACTIONS, "fieldservice:loan-action")
_repair_page = _record_page(
    "fieldservice/stock/repair.html", REPAIR_ACTIONS, "fieldservice:repair-action"
)


def _loan(request: HttpRequest, pk: int) -> PartLoan:
    try:
        return selectors.loan_detail(request.user, pk)
    except PartLoan.DoesNotExist:
        raise Http404 from None


def _repair(request: HttpRequest, pk: int) -> FaultyPart:
    try:
        return selectors.repair_detail(request.user, pk)
    except FaultyPart.DoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _loan_page(request, _loan(request, pk))


@login_required
@require_POST
def loan_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=LOAN_ACTIONS,
        obj=_loan(request, pk),
        name=name,
        page=_loan_page,
        reload=lambda: _loan(request, pk),
    )


@login_required
@require_GET
def repair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _repair_page(request, _repair(request, pk))


@login_required
@require_POST
def repair_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=REPAIR_ACTIONS,
        obj=_repair(request, pk),
        name=name,
        page=_repair_page,
        reload=lambda: _repair(request, pk),
    )
