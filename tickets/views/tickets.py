"""My queue, the manager's board, the ticket page with its actions, the knowledge base
and the call statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.choices import Role
from servicedesk.core.dates import sane_date
from servicedesk.core.live import live_etag, live_partial, live_render
from servicedesk.core.page_cache import page_cached
from servicedesk.core.people import display_name
from servicedesk.core.selectors import timers_attach, trail_attach

from .. import selectors
from ..actions import TICKET_ACTIONS
from ..models import SPECIAL_PLAN_FORM, KnowledgeArticle, Ticket
from ..services.calls import CONNECT_RATE_TARGET, RINGS_TARGET, call_stats, call_stats_total

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


@page_cached
@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Open tickets I took or work on (or must decide), nearest deadline first."""
    page = selectors.my_queue(request.user, page=request.GET.get("page", 1))
    return render(
        request,
        "tickets/queue.html",
        {
            "page": page,
            "tickets": page.object_list,
            "may_see_board": may_see_board(request.user),
            "may_take_calls": request.user.has_perm("tickets.add_ticket"),
        },
    )


def _board_context(request: HttpRequest) -> dict[str, Any]:
    state = request.GET.get("state", "")
    single = state in selectors.BOARD_STATES
    columns = selectors.manager_board(
        request.user, per_column=500 if single else 25, state=state if single else ""
    )
    return {"columns": columns, "single": single, "now": timezone.now()}


def _board_etag(request: HttpRequest) -> str:
    return live_etag(request, "tickets.board", selectors.board_version())


@page_cached
@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """Every open ticket by state and deadline (``?state=`` shows one column in full);
    the columns refresh themselves (``board_live``)."""
    if not may_see_board(request.user):
        raise PermissionDenied
    etag = _board_etag(request)  # before reading: a change meanwhile is fetched next time
    return render(request, "tickets/board.html", {**_board_context(request), "live_etag": etag})


@page_cached
@live_partial
@require_GET
def board_live(request: HttpRequest) -> HttpResponseBase:
    """The board's columns for live.js: 304 while nothing changed (docs/architecture.md
    §live-boards)."""
    if not may_see_board(request.user):
        raise PermissionDenied
    return live_render(
        request,
        "tickets/partials/board_columns.html",
        lambda: _board_context(request),
        _board_etag(request),
    )


# -- the ticket page and its actions ----------------------------------------------------


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
    # The timeline and the history panel show the same events and history rows.
    trail_attach(ticket)
    context = {
        "ticket": ticket,
        "object": ticket,
        "panels": action_panels(
            TICKET_ACTIONS, ticket, request.user, failed=failed, failed_form=failed_form
        ),
        "action_url": "tickets:ticket-action",
        "special_plan": _special_plan(ticket),
        "timeline": selectors.ticket_timeline(ticket),
        "open_items": selectors.customer_open_items(ticket.customer) if ticket.customer else {},
        "disclosures": list(ticket.disclosures.select_related("contact", "disclosed_by")[:20]),
    }
    return render(request, "tickets/ticket_detail.html", context, status=status)


@page_cached
@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_GET
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_page(request, _ticket_or_404(request, pk))


def _after(ticket: Ticket, result: Any) -> str:
    """A published article is shown; anything else goes back to the ticket."""
    if isinstance(result, KnowledgeArticle):
        return result.get_absolute_url()
    return ticket.get_absolute_url()


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def ticket_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one declared action on a ticket (POST only); a refused one shows the page
    with why (tickets/actions.py)."""
    return action_run_portal(
        request,
        action_set=TICKET_ACTIONS,
        obj=_ticket_or_404(request, pk),
        name=name,
        page=_ticket_page,
        reload=lambda: _ticket_or_404(request, pk),
        success_url=_after,
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
