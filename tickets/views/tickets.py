"""My queue, the manager's board, the ticket page with its actions, the knowledge base
and the call statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.choices import Role
from servicedesk.core.dates import sane_date
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.forms import CustomerAnswerForm, CustomerWaitForm
from servicedesk.core.people import display_name
from servicedesk.core.selectors import customer_wait_open, timers_attach
from servicedesk.core.services.transitions import available_transitions, blocked_transitions

from .. import selectors
from ..choices import CommercialDecision, ScopeDecision, TicketState
from ..forms import (
    AnswerForm,
    ArticleForm,
    CallBackForm,
    CloseForm,
    CommercialDecisionForm,
    DiscloseForm,
    HandoverForm,
    NoteForm,
    PublishForm,
    RequestDispatchForm,
    ScopeDecisionForm,
    ShelveForm,
    SpecialPlanForm,
    SpecialPlanHandOverForm,
    TransferForm,
)
from ..models import SPECIAL_PLAN_FORM, KnowledgeArticle, Ticket
from ..search import articles_search
from ..services import (
    ticket_add_note,
    ticket_answer,
    ticket_call_back,
    ticket_close,
    ticket_commercial_decide,
    ticket_handover_to_manager,
    ticket_request_dispatch,
    ticket_scope_decide,
    ticket_shelve,
    ticket_special_plan_hand_over,
    ticket_special_plan_write,
    ticket_transfer,
)
from ..services.calls import CONNECT_RATE_TARGET, RINGS_TARGET, call_stats, call_stats_total
from ..services.disclosure import password_disclose
from ..services.knowledge import article_publish_from_ticket, article_save
from ..services.waits import ticket_customer_answered, ticket_wait_for_customer
from . import form_errors_from, redirect_to

BOARD_ROLES = {Role.SERVICE_MANAGER, Role.TECH_MANAGER, Role.DIRECTOR}


def may_see_board(user: Any) -> bool:
    """The service manager tracks every open problem; the tech manager and the director
    look over their shoulder."""
    if user.is_superuser:
        return True
    return user.has_perm("tickets.view_ticket") and any(
        g.name in BOARD_ROLES for g in user.groups.all()
    )


# -- queue and board ---------------------------------------------------------------------


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Open tickets I took or work on (or must decide), nearest deadline first."""
    tickets = selectors.my_queue(request.user)
    return render(
        request,
        "tickets/queue.html",
        {
            "tickets": tickets,
            "may_see_board": may_see_board(request.user),
            "may_take_calls": request.user.has_perm("tickets.add_ticket"),
        },
    )


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """Every open ticket by state and deadline (``?state=`` shows one column in full)."""
    if not may_see_board(request.user):
        raise PermissionDenied
    state = request.GET.get("state", "")
    single = state in selectors.BOARD_STATES
    columns = selectors.manager_board(
        request.user, per_column=500 if single else 25, state=state if single else ""
    )
    return render(
        request,
        "tickets/board.html",
        {"columns": columns, "single": single, "now": timezone.now()},
    )


# -- the ticket page and its actions ----------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing the user can do on a ticket page: a form and the service it calls."""

    name: str
    label: Any
    icon: str
    form: type[forms.Form]
    run: Callable[[Ticket, Any, dict], Any]
    allowed: Callable[[Ticket, Any, set[str]], bool]
    primary: bool = False
    initial: Callable[[Ticket], dict] | None = None
    # The printed form whose signatures the action waits for (see _blocked).
    sign_form: str = ""
    # When a blocked action is worth showing at all (disabled, with why); always if None.
    offered: Callable[[Ticket], bool] | None = None


def _fsm(*names: str) -> Callable[[Ticket, Any, set[str]], bool]:
    def allowed(ticket: Ticket, user: Any, transitions: set[str]) -> bool:
        return bool(transitions.intersection(names))

    allowed.transitions = names  # type: ignore[attr-defined]
    return allowed


def _blocked(action: Action, blocked: dict[str, list[str]]) -> list[str]:
    """Why an action the user may take in this state cannot succeed now (its transition's
    guards), or ``[]``: such an action is shown disabled with the reason."""
    reasons: list[str] = []
    for name in getattr(action.allowed, "transitions", ()):
        reasons += [r for r in blocked.get(name, []) if r not in reasons]
    return reasons


def _open_with(perm: str) -> Callable[[Ticket, Any, set[str]], bool]:
    return lambda ticket, user, transitions: (
        ticket.state != TicketState.CLOSED and user.has_perm(perm)
    )


def _run_scope(ticket: Ticket, user: Any, data: dict) -> Ticket:
    return ticket_scope_decide(
        ticket, by=user, in_scope=data["decision"] == ScopeDecision.IN_SCOPE, note=data["note"]
    )


def _run_disclose(ticket: Ticket, user: Any, data: dict) -> Any:
    return password_disclose(ticket=ticket, contact=data["contact"], what=data["what"], by=user)


def _may_disclose(ticket: Ticket, user: Any, transitions: set[str]) -> bool:
    return (
        bool(ticket.customer_id)
        and ticket.state != TicketState.CLOSED
        and user.has_perm("tickets.disclose_password")
    )


def _may_wait(ticket: Ticket, user: Any, transitions: set[str]) -> bool:
    return (
        ticket.state in Ticket.customer_wait_states
        and user.has_perm("tickets.work_ticket")
        and customer_wait_open(ticket) is None
    )


def _may_record_answer(ticket: Ticket, user: Any, transitions: set[str]) -> bool:
    return user.has_perm("tickets.work_ticket") and customer_wait_open(ticket) is not None


def _may_publish(ticket: Ticket, user: Any, transitions: set[str]) -> bool:
    return (
        ticket.state in (TicketState.ANSWERED, TicketState.CLOSED)
        and user.has_perm("tickets.add_knowledgearticle")
        and not getattr(ticket, "published_article", None)
    )


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "answer",
            gettext_lazy("Answer"),
            "check2-circle",
            AnswerForm,
            lambda t, u, d: ticket_answer(t, by=u, **d),
            _fsm("answer"),
            primary=True,
            initial=lambda t: {
                "problem": t.problem or t.description,
                "cause": t.cause,
                "solution": t.solution,
                "steps": t.steps,
                "precautions": t.precautions,
            },
        ),
        Action(
            "shelve",
            gettext_lazy("Shelve"),
            "pause-circle",
            ShelveForm,
            lambda t, u, d: ticket_shelve(t, by=u, reason=d["reason"]),
            _fsm("shelve"),
        ),
        Action(
            "call_back",
            gettext_lazy("Call back"),
            "telephone-outbound",
            CallBackForm,
            lambda t, u, d: ticket_call_back(t, by=u, note=d["note"]),
            _fsm("call_back"),
            primary=True,
        ),
        Action(
            "request_dispatch",
            gettext_lazy("Request on-site visit"),
            "truck",
            RequestDispatchForm,
            lambda t, u, d: ticket_request_dispatch(t, by=u, notes=d["notes"]),
            _fsm("request_dispatch"),
        ),
        Action(
            "scope",
            gettext_lazy("Decide scope"),
            "question-circle",
            ScopeDecisionForm,
            _run_scope,
            _fsm("confirm_in_scope", "confirm_out_of_scope"),
            primary=True,
        ),
        Action(
            "commercial",
            gettext_lazy("Commercial decision"),
            "cash-coin",
            CommercialDecisionForm,
            lambda t, u, d: ticket_commercial_decide(
                t, by=u, decision=d["decision"], amount=d["amount"], note=d["note"]
            ),
            _fsm("agree_charge", "waive_charge", "decline"),
            primary=True,
            initial=lambda t: {"decision": CommercialDecision.CHARGE_AGREED},
        ),
        Action(
            "special_plan",
            gettext_lazy("Special arrangement"),
            "file-earmark-text",
            SpecialPlanForm,
            lambda t, u, d: ticket_special_plan_write(t, by=u, plan=d["plan"]),
            _fsm("write_special_plan"),
            initial=lambda t: {"plan": t.special_plan},
        ),
        Action(
            "hand_over_plan",
            gettext_lazy("Hand the signed arrangement to the service owner"),
            "send-check",
            SpecialPlanHandOverForm,
            lambda t, u, d: ticket_special_plan_hand_over(
                t, by=u, owner=d["owner"], note=d["note"]
            ),
            _fsm("hand_over_special_plan"),
            primary=True,
            sign_form=SPECIAL_PLAN_FORM,
            # Only once a special arrangement is written: most negotiations need none.
            offered=lambda t: bool(t.special_plan),
        ),
        Action(
            "close",
            gettext_lazy("Close"),
            "archive",
            CloseForm,
            lambda t, u, d: ticket_close(t, by=u),
            _fsm("close"),
            primary=True,
        ),
        Action(
            "transfer",
            gettext_lazy("Transfer"),
            "arrow-left-right",
            TransferForm,
            lambda t, u, d: ticket_transfer(
                t, by=u, to=d["to"], note=d["note"], expected_assignee=d["expected_assignee"]
            ),
            _open_with("tickets.work_ticket"),
        ),
        Action(
            "handover",
            gettext_lazy("Hand over to the service manager"),
            "person-up",
            HandoverForm,
            lambda t, u, d: ticket_handover_to_manager(t, by=u, note=d["note"]),
            _open_with("tickets.work_ticket"),
        ),
        Action(
            "disclose",
            gettext_lazy("Disclose a password"),
            "key",
            DiscloseForm,
            _run_disclose,
            _may_disclose,
        ),
        Action(
            "publish",
            gettext_lazy("Publish to the knowledge base"),
            "journal-plus",
            PublishForm,
            lambda t, u, d: article_publish_from_ticket(t, by=u, title=d["title"]),
            _may_publish,
        ),
        Action(
            "wait_for_customer",
            gettext_lazy("Wait for the customer"),
            "hourglass-split",
            CustomerWaitForm,
            lambda t, u, d: ticket_wait_for_customer(t, by=u, reason=d["reason"], note=d["note"]),
            _may_wait,
        ),
        Action(
            "customer_answered",
            gettext_lazy("The customer answered"),
            "reply",
            CustomerAnswerForm,
            lambda t, u, d: ticket_customer_answered(t, by=u, answer=d["answer"]),
            _may_record_answer,
            primary=True,
        ),
        Action(
            "note",
            gettext_lazy("Add note"),
            "sticky",
            NoteForm,
            lambda t, u, d: ticket_add_note(t, by=u, text=d["text"]),
            lambda t, u, _tr: u.has_perm("tickets.add_ticketnote"),
        ),
    ]
}
FORM_KWARGS = {"transfer": "ticket", "disclose": "ticket"}


def _make_form(action: Action, ticket: Ticket, data: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {"prefix": action.name}
    if action.name in FORM_KWARGS:
        kwargs["ticket"] = ticket
    if data is None and action.initial is not None:
        kwargs["initial"] = action.initial(ticket)
    return action.form(data, **kwargs)


def _ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    try:
        return selectors.ticket_detail(request.user, pk)
    except Ticket.DoesNotExist:
        raise Http404 from None


def _special_plan(ticket: Ticket) -> dict[str, Any]:
    """The special arrangement's signatures and who has still to sign it."""
    from servicedesk.core.selectors import signatures_for

    from ..models import SPECIAL_PLAN_SIGNERS, special_plan_missing_signers

    if not ticket.special_plan:
        return {}
    return {
        "signatures": list(signatures_for(ticket, SPECIAL_PLAN_FORM)),
        "missing": [SPECIAL_PLAN_SIGNERS[m] for m in special_plan_missing_signers(ticket)],
    }


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    failed: str = "",
    failed_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    timers_attach([ticket])
    ticket.all_timers = ticket.prefetched_timers
    ticket.published_article = ticket.articles.first()
    from servicedesk.core.printforms import unsigned_boxes

    actions = []
    transitions = set(available_transitions(ticket, request.user))
    blocked = blocked_transitions(ticket, request.user)
    for action in ACTIONS.values():
        if not action.allowed(ticket, request.user, transitions):
            reasons = _blocked(action, blocked)
            if reasons and (action.offered is None or action.offered(ticket)):
                sign = (
                    unsigned_boxes(ticket, request.user, action.sign_form)
                    if action.sign_form
                    else []
                )
                actions.append(
                    {"action": action, "disabled": True, "reasons": reasons, "sign": sign}
                )
            continue
        form = failed_form if action.name == failed else _make_form(action, ticket)
        actions.append({"action": action, "form": form, "open": action.name == failed})
    context = {
        "ticket": ticket,
        "actions": actions,
        "special_plan": _special_plan(ticket),
        "timeline": selectors.ticket_timeline(ticket),
        "open_items": selectors.customer_open_items(ticket.customer) if ticket.customer else {},
        "disclosures": list(ticket.disclosures.select_related("contact", "disclosed_by")[:20]),
    }
    return render(request, "tickets/ticket_detail.html", context, status=status)


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_page(request, _ticket_or_404(request, pk))


@login_required
@require_POST
def ticket_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one action on a ticket (POST only); a refused one shows the page with why."""
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    ticket = _ticket_or_404(request, pk)
    if not action.allowed(ticket, request.user, set(available_transitions(ticket, request.user))):
        if not request.user.has_perm("tickets.view_ticket"):
            raise PermissionDenied
        reasons = _blocked(action, blocked_transitions(ticket, request.user))
        messages.error(
            request,
            " ".join(reasons)
            if reasons
            else _("“%(action)s” is not possible now (state: %(state)s).")
            % {"action": action.label, "state": ticket.get_state_display()},
        )
        return _ticket_page(request, ticket, status=409)
    form = _make_form(action, ticket, request.POST)
    if form.is_valid():
        try:
            result = action.run(ticket, request.user, form.cleaned_data)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            return _ticket_page(request, _ticket_or_404(request, pk), status=409)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action.label})
            if isinstance(result, KnowledgeArticle):
                return redirect_to(request, result.get_absolute_url())
            return redirect_to(request, ticket.get_absolute_url())
    return _ticket_page(request, ticket, failed=name, failed_form=form, status=400)


# -- knowledge base ----------------------------------------------------------------------


@login_required
@permission_required("tickets.view_knowledgearticle", raise_exception=True)
@require_GET
def knowledge(request: HttpRequest) -> HttpResponse:
    """The standard problem library (标准化问题库): search as you type."""
    q = request.GET.get("q", "").strip()[:200]
    product = request.GET.get("product", "").strip()[:100]
    if q:
        articles = articles_search(text=q, product=product, limit=50)
        page = None
    else:
        qs = selectors.articles_list(user=request.user).filter(published=True)
        if product:
            qs = qs.filter(product__icontains=product)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        articles = list(page.object_list)
    context = {"articles": articles, "page": page, "q": q, "product": product}
    if request.htmx:
        return render(request, "tickets/partials/article_list.html", context)
    return render(request, "tickets/knowledge.html", context)


@login_required
@permission_required("tickets.view_knowledgearticle", raise_exception=True)
@require_http_methods(["GET", "POST"])
def article(request: HttpRequest, pk: int) -> HttpResponse:
    """An article; staff who may change articles edit it on the same page."""
    item = get_object_or_404(selectors.articles_list(user=request.user), pk=pk)
    may_edit = request.user.has_perm("tickets.change_knowledgearticle")
    fields = list(ArticleForm.base_fields)
    form = None
    status = 200
    if may_edit:
        initial = {name: getattr(item, name) for name in fields}
        form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                article_save(by=request.user, data=form.cleaned_data, article=item)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("The article was saved."))
                return redirect_to(request, item.get_absolute_url())
        status = 400
    return render(
        request,
        "tickets/article.html",
        {"article": item, "form": form, "editing": status == 400},
        status=status,
    )


# -- call statistics ---------------------------------------------------------------------


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return sane_date(dt.date.fromisoformat(value), default) if value else default
    except ValueError:
        return default


@login_required
@permission_required("tickets.view_call", raise_exception=True)
@require_GET
def call_statistics(request: HttpRequest) -> HttpResponse:
    """Connect rate (target ≥ 90%) and rings before answer (target ≤ 3) per day, line and
    engineer."""
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - dt.timedelta(days=6))
    if start > end:
        start, end = end, start
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    groups = {
        g: call_stats(start=begin, end=finish, group_by=g)
        for g in ("day", "line", "engineer", "duty")
    }
    engineers = {
        u.pk: display_name(u)
        for u in get_user_model().objects.filter(
            pk__in=[r["key"] for r in groups["engineer"] if r["key"]]
        )
    }
    for row in groups["engineer"]:
        row["label"] = engineers.get(row["key"], row["label"]) if row["key"] else _("(nobody)")
    for row in groups["line"]:
        row["label"] = row["label"] or _("(no line)")
    tables = [
        (_("Per day"), "day", groups["day"]),
        (_("Per line"), "line", groups["line"]),
        (_("Per engineer"), "engineer", groups["engineer"]),
        (_("Per engineer on duty (every call, answered or missed)"), "duty", groups["duty"]),
    ]
    return render(
        request,
        "tickets/call_stats.html",
        {
            "tables": tables,
            "total": call_stats_total(groups["day"]),
            # Only the phone system's calls are counted: say so, and how many are not.
            "not_counted": selectors.tickets_without_call(start=begin, end=finish),
            "start": start,
            "end": end,
            "rate_target": CONNECT_RATE_TARGET,
            "rings_target": RINGS_TARGET,
        },
    )
