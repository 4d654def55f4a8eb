"""The defect board, recording a defect (also from a dispatch or a ticket) and the
defect page with its actions."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from contracts.models import Customer
from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.forms import form_errors_from
from servicedesk.core.live import live_etag, live_partial, live_render

from .. import selectors
from ..actions import DEFECT_ACTIONS
from ..choices import Severity
from ..forms import DefectForm
from ..models import Defect
from ..services import defect_record

#: portal URLs older than the action's name (``defects/<pk>/severity/``)
PORTAL_ALIASES = {"severity": "change_severity"}


@login_required
@permission_required("defects.view_defect", raise_exception=True)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """Open defects in columns by state; filters: severity, customer, product, overdue.
    The columns refresh themselves (``board_live``)."""
    etag = _board_etag(request)  # before reading: a change meanwhile is fetched next time
    return render(
        request,
        "defects/board.html",
        {
            **_board_columns(request),
            "severities": Severity.choices,
            "customers": selectors.board_customers(user=request.user),
            "live_etag": etag,
        },
    )


def _board_columns(request: HttpRequest) -> dict[str, Any]:
    filters = selectors.DefectFilters.from_query(request.GET)
    state = request.GET.get("state", "")
    single = state in selectors.BOARD_STATES
    columns = selectors.defect_board(
        user=request.user, filters=filters, per_column=500 if single else 25, state=state
    )
    return {
        "columns": columns,
        "filters": filters,
        "single": single,
        "query": request.GET.urlencode(),
    }


def _board_etag(request: HttpRequest) -> str:
    return live_etag(request, "defects.board", selectors.board_version())


@live_partial
@require_GET
def board_live(request: HttpRequest) -> HttpResponseBase:
    """The board's columns for live.js: 304 while nothing changed (docs/architecture.md
    §live-boards)."""
    if not request.user.has_perm("defects.view_defect"):
        raise PermissionDenied
    return live_render(
        request,
        "defects/partials/board_columns.html",
        lambda: _board_columns(request),
        _board_etag(request),
    )


def old_list_query(request: HttpRequest, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The old list page's query in the declared list's terms (``list_moved``): the
    customer it was given by key (the board's pick) is named, so the list shows the filter;
    a customer the user may not see filters nothing."""
    out = []
    for key, value in params:
        if key != "customer":
            out.append((key, value))
            continue
        name = (
            Customer.objects.restrict(request.user)
            .filter(pk=value)
            .values_list("name", flat=True)
            .first()
            if value.isdigit()
            else None
        )
        if name:
            out.append(("customer_name", name))
    return out


def _source_pk(request: HttpRequest, name: str) -> str:
    pk = request.GET.get(name, "") or request.POST.get(name, "")
    return pk if str(pk).isdigit() else ""


def _prefill(request: HttpRequest) -> tuple[dict[str, Any], Any, Any]:
    """Initial values from the dispatch or ticket the defect comes from, as the owning
    apps give them (docs/architecture.md §apps.calls)."""
    from fieldservice.selectors import dispatch_for_defect
    from tickets.selectors import ticket_for_defect

    initial: dict[str, Any] = {"severity": Severity.SERIOUS}
    dispatch = ticket = None
    if pk := _source_pk(request, "dispatch"):
        found = dispatch_for_defect(request.user, pk)
        if found is None:
            raise Http404
        dispatch, values = found
        initial.update(values, **_product_fields(dispatch.customer, dispatch.product))
        ticket = dispatch.ticket
    pk = _source_pk(request, "ticket")
    if ticket is None and pk:
        found = ticket_for_defect(request.user, pk)
        if found is None:
            raise Http404
        ticket, values = found
        initial.update(
            {k: values[k] for k in ("ticket", "customer", "site", "customer_sees", "title")},
            **_product_fields(ticket.customer, ticket.product),
        )
    elif ticket is not None:
        initial["ticket"] = ticket.pk
    return initial, dispatch, ticket


def _product_fields(customer: Any, product: str) -> dict[str, str]:
    """Product, version and module from the customer's installed product: the version
    once (not "U8 ERP V16.0" and "V16.0"), and the module only when there is a single
    one — of several installed modules the engineer names the one that fails."""
    from contracts.selectors import installed_product_like

    installed = installed_product_like(customer, product)
    product = (product or "").strip() or getattr(installed, "software", "")
    version = getattr(installed, "version", "") or ""
    if version and product.endswith(version) and product != version:
        product = product[: -len(version)].strip()
    modules = [m for m in re.split(r"[、，,；;/\s]+", getattr(installed, "modules", "") or "") if m]
    return {
        "product": product,
        "version": version,
        "module": modules[0] if len(modules) == 1 else "",
    }


@login_required
@permission_required("defects.add_defect", raise_exception=True)
@require_http_methods(["GET", "POST"])
def defect_create(request: HttpRequest) -> HttpResponse:
    """Record a defect; ``?dispatch=<pk>`` (an on-site engineer escalating to
    headquarters) or ``?ticket=<pk>`` prefills it."""
    initial, dispatch, ticket = _prefill(request)
    form = DefectForm(request.POST or None, initial=initial)
    form.fields["customer"].queryset = Customer.objects.restrict(request.user).order_by("name")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                defect = defect_record(
                    by=request.user,
                    severity=data["severity"],
                    title=data["title"],
                    steps=data["steps"],
                    customer_sees=data["customer_sees"],
                    product=data["product"],
                    version=data["version"],
                    module=data["module"],
                    site=data["site"],
                    customer=data["customer"],
                    ticket=ticket,
                    dispatch=dispatch,
                    reported_at=data["reported_at"],
                    workaround=data["workaround"],
                    tracker_key=data["tracker_key"],
                    tracker_url=data["tracker_url"],
                )
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(
                    request, _("Defect %(number)s recorded.") % {"number": defect.number}
                )
                return redirect(defect.get_absolute_url())
        status = 400
    return render(
        request,
        "defects/defect_form.html",
        {"form": form, "dispatch": dispatch, "ticket": ticket, "now": timezone.now()},
        status=status,
    )


def _defect_or_404(request: HttpRequest, pk: int) -> Defect:
    try:
        return selectors.defect_detail(user=request.user, pk=pk)
    except Defect.DoesNotExist:
        raise Http404 from None


def _defect_page(
    request: HttpRequest,
    defect: Defect,
    *,
    failed: str = "",
    failed_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "defect": defect,
        "actions": action_panels(
            DEFECT_ACTIONS, defect, request.user, failed=failed, failed_form=failed_form
        ),
        "timeline": selectors.timeline(defect),
        "following": any(f.pk == request.user.pk for f in defect.followers.all()),
    }
    return render(request, "defects/defect_detail.html", context, status=status)


@login_required
@permission_required("defects.view_defect", raise_exception=True)
@require_GET
def defect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _defect_page(request, _defect_or_404(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def defect_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one action (POST). A GET (e.g. coming back from signing a form opened on a
    page shown after a refused action) goes to the record's page."""
    if request.method == "GET":
        return redirect(_defect_or_404(request, pk).get_absolute_url())
    name = PORTAL_ALIASES.get(name, name)
    if name not in DEFECT_ACTIONS:
        raise Http404
    if not request.user.has_perm("defects.view_defect"):
        raise PermissionDenied
    defect = _defect_or_404(request, pk)
    return action_run_portal(
        request,
        action_set=DEFECT_ACTIONS,
        obj=defect,
        name=name,
        page=_defect_page,
        reload=lambda: _defect_or_404(request, pk),
        success_url=_after_action,
    )


def _after_action(defect: Defect, result: Any) -> str:
    """The workaround's article opens (to edit the draft and submit it); any other action
    goes back to the defect."""
    from tickets.models import KnowledgeArticle

    if isinstance(result, KnowledgeArticle):
        return result.get_absolute_url()
    return defect.get_absolute_url()
