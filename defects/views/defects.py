"""The defect board, recording a defect (also from a dispatch or a ticket) and the
defect page with its actions."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from contracts.models import Customer
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.forms import CustomerAnswerForm, CustomerWaitForm
from servicedesk.core.selectors import customer_wait_open, timers_attach_open

from .. import selectors
from ..choices import Severity
from ..forms import (
    CloseForm,
    ConfirmForm,
    DefectForm,
    EscalateForm,
    FixForm,
    FollowForm,
    PublishForm,
    ReasonForm,
    RejectForm,
    ReportForm,
    SeverityForm,
    StartFixForm,
    TrackerForm,
    VerifyForm,
    WorkaroundForm,
)
from ..models import Defect
from ..services import (
    defect_change_severity,
    defect_close,
    defect_confirm,
    defect_escalate,
    defect_fix,
    defect_follow,
    defect_publish_workaround,
    defect_record,
    defect_reject,
    defect_reopen,
    defect_report,
    defect_save_workaround,
    defect_set_tracker,
    defect_start_fix,
    defect_verify,
)
from ..services.waits import defect_customer_answered, defect_wait_for_customer
from . import Action, action_panels, form_errors_from, fsm, run_action


def _open_with(perm: str):
    return lambda d, u, _t: d.is_open and u.has_perm(perm)


def _may_publish(defect: Defect, user: Any, _t: set[str]) -> bool:
    return bool(defect.workaround) and user.has_perm(
        "tickets.change_knowledgearticle"
        if defect.knowledge_article_id
        else "tickets.add_knowledgearticle"
    )


def _may_follow(defect: Defect, user: Any, _t: set[str]) -> bool:
    return defect.is_open and user.has_perm("defects.view_defect")


def _may_wait(defect: Defect, user: Any, _t: set[str]) -> bool:
    return (
        defect.state in Defect.customer_wait_states
        and user.has_perm("defects.work_defect")
        and customer_wait_open(defect) is None
    )


def _may_record_answer(defect: Defect, user: Any, _t: set[str]) -> bool:
    return user.has_perm("defects.work_defect") and customer_wait_open(defect) is not None


def _toggle_follow(defect: Defect, user: Any, data: dict) -> Defect:
    following = any(f.pk == user.pk for f in defect.followers.all())
    return defect_follow(defect, by=user, follow=not following)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "report",
            gettext_lazy("Report"),
            "send",
            ReportForm,
            lambda d, u, data: defect_report(d, by=u, note=data["note"]),
            fsm("report"),
            primary=True,
            help=gettext_lazy("Verified on site and reported to headquarters."),
        ),
        Action(
            "verify",
            gettext_lazy("Verify"),
            "clipboard-check",
            VerifyForm,
            lambda d, u, data: defect_verify(d, by=u, note=data["note"]),
            fsm("verify"),
            primary=True,
        ),
        Action(
            "start_fix",
            gettext_lazy("Start fixing"),
            "tools",
            StartFixForm,
            lambda d, u, data: defect_start_fix(d, by=u, developer=data["developer"]),
            fsm("start_fix"),
            primary=True,
        ),
        Action(
            "fix",
            pgettext_lazy("defect", "Fixed"),
            "wrench-adjustable",
            FixForm,
            lambda d, u, data: defect_fix(d, by=u, note=data["note"], version=data["version"]),
            fsm("fix"),
            primary=True,
        ),
        Action(
            "confirm",
            gettext_lazy("Customer confirms"),
            "hand-thumbs-up",
            ConfirmForm,
            lambda d, u, data: defect_confirm(d, by=u, note=data["note"]),
            fsm("confirm"),
            primary=True,
        ),
        Action(
            "close",
            gettext_lazy("Close"),
            "archive",
            CloseForm,
            lambda d, u, data: defect_close(d, by=u),
            fsm("close"),
            primary=True,
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            "arrow-counterclockwise",
            ReasonForm,
            lambda d, u, data: defect_reopen(d, by=u, reason=data["reason"]),
            fsm("reopen"),
        ),
        Action(
            "reject",
            gettext_lazy("Reject"),
            "slash-circle",
            RejectForm,
            lambda d, u, data: defect_reject(d, by=u, reason=data["reason"], note=data["note"]),
            fsm("reject"),
        ),
        Action(
            "escalate",
            gettext_lazy("Escalate to the region lead"),
            "person-up",
            EscalateForm,
            lambda d, u, data: defect_escalate(d, by=u, point=data["point"]),
            fsm("escalate"),
            help=gettext_lazy("When the people involved cannot agree."),
        ),
        Action(
            "severity",
            gettext_lazy("Change severity"),
            "exclamation-triangle",
            SeverityForm,
            lambda d, u, data: defect_change_severity(
                d, by=u, severity=data["severity"], reason=data["reason"]
            ),
            fsm("change_severity"),
            initial=lambda d: {"severity": d.severity},
            help=gettext_lazy("The deadlines are planned again from the reported time."),
        ),
        Action(
            "workaround",
            gettext_lazy("Emergency workaround"),
            "bandaid",
            WorkaroundForm,
            lambda d, u, data: defect_save_workaround(d, by=u, workaround=data["workaround"]),
            _open_with("defects.work_defect"),
            initial=lambda d: {"workaround": d.workaround},
        ),
        Action(
            "publish",
            gettext_lazy("Publish the workaround to the knowledge base"),
            "journal-plus",
            PublishForm,
            lambda d, u, data: defect_publish_workaround(d, by=u, title=data["title"]),
            _may_publish,
            initial=lambda d: {"title": d.title},
        ),
        Action(
            "tracker",
            gettext_lazy("External tracker"),
            "link-45deg",
            TrackerForm,
            lambda d, u, data: defect_set_tracker(d, by=u, key=data["key"], url=data["url"]),
            lambda d, u, _t: u.has_perm("defects.work_defect"),
            initial=lambda d: {"key": d.tracker_key, "url": d.tracker_url},
        ),
        Action(
            "wait_for_customer",
            gettext_lazy("Wait for the customer"),
            "hourglass-split",
            CustomerWaitForm,
            lambda d, u, data: defect_wait_for_customer(
                d, by=u, reason=data["reason"], note=data["note"]
            ),
            _may_wait,
            help=gettext_lazy("Information, a test or access to the customer's system."),
        ),
        Action(
            "customer_answered",
            gettext_lazy("The customer answered"),
            "reply",
            CustomerAnswerForm,
            lambda d, u, data: defect_customer_answered(d, by=u, answer=data["answer"]),
            _may_record_answer,
            primary=True,
        ),
        Action(
            "follow",
            gettext_lazy("Follow / unfollow"),
            "eye",
            FollowForm,
            _toggle_follow,
            _may_follow,
            help=gettext_lazy("Followers are reminded before a deadline is missed."),
        ),
    ]
}


@login_required
@permission_required("defects.view_defect", raise_exception=True)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """Open defects in columns by state; filters: severity, customer, product, overdue."""
    filters = selectors.DefectFilters.from_query(request.GET)
    state = request.GET.get("state", "")
    single = state in selectors.BOARD_STATES
    columns = selectors.defect_board(
        user=request.user, filters=filters, per_column=500 if single else 25, state=state
    )
    return render(
        request,
        "defects/board.html",
        {
            "columns": columns,
            "filters": filters,
            "single": single,
            "severities": Severity.choices,
            "customers": selectors.board_customers(user=request.user),
            "query": request.GET.urlencode(),
        },
    )


LIST_SORTS = {
    "number": "number",
    "severity": "severity",
    "state": "state",
    "customer": "customer__name",
    "product": "product",
    "reported": "reported_at",
}
PAGE_SIZE = 50


@login_required
@permission_required("defects.view_defect", raise_exception=True)
@require_GET
def defect_list(request: HttpRequest) -> HttpResponse:
    """Every defect, closed and rejected ones too, as a dense sortable table (50 a page),
    with the board's filters and a state filter."""
    from django.core.paginator import Paginator

    from ..choices import DefectState

    filters = selectors.DefectFilters.from_query(request.GET)
    state = request.GET.get("state", "")
    qs = filters.apply(selectors.defects_list(user=request.user))
    if state in DefectState.values:
        qs = qs.filter(state=state)
    sort = request.GET.get("sort", "-reported")
    key = sort.lstrip("-")
    if key not in LIST_SORTS:
        sort, key = "-reported", "reported"
    if key == "severity":  # by seriousness, not by name
        from django.db.models import Case, IntegerField, Value, When

        rank = Case(
            *[When(severity=v, then=Value(i)) for i, v in enumerate(Severity.values)],
            output_field=IntegerField(),
        )
        qs = qs.annotate(severity_rank=rank)
        order = ("-" if sort.startswith("-") else "") + "severity_rank"
    else:
        order = ("-" if sort.startswith("-") else "") + LIST_SORTS[key]
    page = Paginator(qs.order_by(order, "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    timers_attach_open(list(page.object_list))
    params = request.GET.copy()
    for name in ("sort", "page"):
        params.pop(name, None)
    return render(
        request,
        "defects/defect_list.html",
        {
            "page": page,
            "sort": sort,
            "filters": filters,
            "state": state,
            "states": DefectState.choices,
            "severities": Severity.choices,
            "customers": selectors.board_customers(user=request.user),
            "query": params.urlencode(),
        },
    )


def _prefill(request: HttpRequest) -> tuple[dict[str, Any], Any, Any]:
    """Initial values from the dispatch or ticket the defect comes from."""
    from fieldservice.models import Dispatch
    from tickets.models import Ticket

    initial: dict[str, Any] = {"severity": Severity.SERIOUS}
    dispatch = ticket = None
    pk = request.GET.get("dispatch", "") or request.POST.get("dispatch", "")
    if str(pk).isdigit():
        dispatch = (
            Dispatch.objects.restrict(request.user)
            .select_related("customer", "ticket")
            .filter(pk=pk)
            .first()
        )
        if dispatch is None:
            raise Http404
        initial.update(
            dispatch=dispatch.pk,
            customer=dispatch.customer_id,
            **_product_fields(dispatch.customer, dispatch.product),
            site=dispatch.site_address,
            customer_sees=dispatch.problem,
            title=(dispatch.problem or "").strip().splitlines()[0][:200]
            if dispatch.problem
            else "",
            steps="\n".join(x for x in (dispatch.steps, dispatch.cause) if x),
            workaround=dispatch.solution if dispatch.outcome == "partially_solved" else "",
        )
        ticket = dispatch.ticket
    pk = request.GET.get("ticket", "") or request.POST.get("ticket", "")
    if ticket is None and str(pk).isdigit():
        ticket = (
            Ticket.objects.restrict(request.user).select_related("customer").filter(pk=pk).first()
        )
        if ticket is None:
            raise Http404
        initial.update(
            ticket=ticket.pk,
            customer=ticket.customer_id,
            **_product_fields(ticket.customer, ticket.product),
            site=ticket.customer.address if ticket.customer else "",
            customer_sees=ticket.description,
            title=ticket.description.strip().splitlines()[0][:200] if ticket.description else "",
        )
    elif ticket is not None:
        initial["ticket"] = ticket.pk
    return initial, dispatch, ticket


def _installed(customer: Any, product: str) -> Any:
    if customer is None:
        return None
    products = list(customer.products.all()[:20])
    for item in products:
        # The intake fills the product as "software version" (InstalledProduct.__str__).
        if product and product.strip() in (item.software, str(item)):
            return item
    return products[0] if products else None


def _product_fields(customer: Any, product: str) -> dict[str, str]:
    """Product, version and module from the customer's installed product: the version
    once (not "U8 ERP V16.0" and "V16.0"), and the module only when there is a single
    one — of several installed modules the engineer names the one that fails."""
    installed = _installed(customer, product)
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
        "actions": action_panels(ACTIONS, defect, request.user, failed, failed_form),
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
    if name not in ACTIONS:
        raise Http404
    if not request.user.has_perm("defects.view_defect"):
        raise PermissionDenied
    defect = _defect_or_404(request, pk)
    return run_action(
        request,
        actions=ACTIONS,
        obj=defect,
        name=name,
        page=_defect_page,
        reload=lambda: _defect_or_404(request, pk),
    )
