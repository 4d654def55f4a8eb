"""The intake screen (docs/domain.md §hotline.intake): built for an engineer on the phone.

The customer is found as the engineer types (phone, name or dongle number); once picked,
the screen shows the contract, the service level, the entitlement for the chosen service
type (re-checked when the type or the received time changes), the customer's open work
and knowledge-base articles for the symptoms as they are typed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from contracts.choices import ServiceType
from contracts.entitlement import entitlement_check
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.page_cache import page_cached

from .. import selectors
from ..forms import IntakeForm
from ..search import articles_search
from ..services import ticket_intake
from ..services.knowledge import article_usage_record
from . import form_errors_from, redirect_to

SUGGESTIONS = 5


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _received(value: str | None) -> dt.datetime | None:
    """The received time as typed in a datetime-local field, in the local time zone."""
    parsed = parse_datetime((value or "").strip()) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _entitlement(customer_id: int | None, service_type: str, received: dt.datetime | None):
    if not customer_id or service_type not in ServiceType.values:
        return None
    received = received or timezone.now()
    if received > timezone.now() + dt.timedelta(minutes=2):
        return None
    return entitlement_check(customer=customer_id, service_type=service_type, on=received)


def _customer_context(request: HttpRequest, customer_id: int | None, data: Any) -> dict:
    """What the right-hand side shows once a customer is picked."""
    customer = (
        selectors.customer_for_intake(user=request.user, pk=customer_id) if customer_id else None
    )
    if customer is None:
        return {"customer": None}
    service_type = data.get("service_type") or ServiceType.PHONE_SUPPORT
    received = _received(data.get("received_at"))
    return {
        "customer": customer,
        "open_items": selectors.customer_open_items(customer),
        "entitlement": _entitlement(customer.pk, service_type, received),
        "on": timezone.localtime(received).date() if received else timezone.localdate(),
    }


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """``/tickets/new/`` — ``?phone=`` (a screen pop from the phone system) looks the
    number up at once; ``?call=`` links the phone system's call record."""
    lookup_q = request.GET.get("phone", "").strip()[:60]
    results: list = []
    if request.method == "POST":
        form = IntakeForm(request.POST, user=request.user)
        lookup_q = request.POST.get("lookup", "").strip()[:60]
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = ticket_intake(
                    by=request.user,
                    customer=data["customer"],
                    caller_name=data["caller_name"],
                    caller_company=data["caller_company"],
                    caller_phone=data["caller_phone"],
                    product=data["product"],
                    description=data["description"],
                    channel=data["channel"],
                    service_type=data["service_type"],
                    received_at=data["received_at"],
                    severity=data["severity"],
                    kind=data["kind"],
                    needs_on_site=data["needs_on_site"],
                    call=data.get("call"),
                    new_customer=data["new_customer"],
                )
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(
                    request,
                    _("Ticket %(number)s recorded: %(entitlement)s.")
                    % {"number": ticket.number, "entitlement": ticket.get_entitlement_display()},
                )
                return redirect_to(request, ticket.get_absolute_url())
        customer_id = _int(request.POST.get("customer"))
        data = request.POST
        status = 400
    else:
        initial = {}
        if lookup_q:
            initial["caller_phone"] = lookup_q
        if _int(request.GET.get("call")):
            initial["call"] = _int(request.GET.get("call"))
        customer_id = _int(request.GET.get("customer"))
        results = selectors.customer_lookup(user=request.user, q=lookup_q) if lookup_q else []
        if customer_id is None and len(results) == 1:
            customer_id = results[0].pk  # the only customer with that number: pick it
            initial.update(_prefill(results[0], lookup_q))
        if customer_id:
            initial["customer"] = customer_id
        form = IntakeForm(initial=initial, user=request.user)
        data = {}
        status = 200
    context = {
        "form": form,
        "lookup_q": lookup_q,
        "results": [] if customer_id else results,
        "suggestions": _suggest(data.get("description", ""), data.get("product", "")),
        **_customer_context(request, customer_id, data),
    }
    return render(request, "tickets/intake.html", context, status=status)


def _prefill(customer: Any, typed: str) -> dict[str, str]:
    """What picking ``customer`` fills in: the company, the contact whose number was
    typed, that number, and the product when the customer has only one."""
    contact = customer.matched_contact or customer.primary_contact
    typed_digits = re.sub(r"\D", "", typed or "")
    phone_typed = bool(selectors.PHONE_CHARS.match(typed or "")) and len(typed_digits) >= 3
    if customer.matched_contact is not None:
        # The whole number of the contact whose number was (partly) typed.
        matched = customer.matched_contact
        phone = (
            matched.mobile if typed_digits in re.sub(r"\D", "", matched.mobile) else matched.phone
        )
    elif phone_typed and typed_digits in re.sub(r"\D", "", customer.phone):
        phone = customer.phone
    elif phone_typed:
        phone = typed.strip()
    elif contact is not None:
        phone = contact.mobile or contact.phone
    else:
        phone = customer.phone
    products = customer.product_names
    return {
        "caller_company": customer.name,
        "caller_name": customer.matched_contact.name if customer.matched_contact else "",
        "caller_phone": phone,
        "product": products[0] if len(products) == 1 else "",
    }


def _partial(template: str, context: dict) -> HttpResponse:
    """A fragment without the page's context processors (navigation, notification count):
    the lookup runs on every keystroke while the customer is on the phone."""
    return HttpResponse(render_to_string(template, context))


def _lookup(request: HttpRequest, q: str) -> list:
    customers = selectors.customer_lookup(user=request.user, q=q)
    for customer in customers:
        customer.prefill = _prefill(customer, q)
    return customers


def _suggest(text: str, product: str) -> list:
    text = (text or "").strip()[:500]
    if len(text) < 2:
        return []
    return articles_search(text=text, product=(product or "").strip()[:100], limit=SUGGESTIONS)


@page_cached
@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """htmx: the customers matching what is typed in the search box."""
    q = (request.GET.get("q") or request.GET.get("lookup") or "").strip()[:60]
    customers = _lookup(request, q)
    context = {
        "customers": customers,
        "q": q,
        "may_register": True,  # whoever takes calls may record an unknown caller
    }
    return _partial("tickets/partials/lookup_results.html", context)


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
@require_GET
def intake_customer(request: HttpRequest) -> HttpResponse:
    """htmx: the picked customer's contract, service level, entitlement and open work."""
    context = _customer_context(request, _int(request.GET.get("customer")), request.GET)
    context["oob"] = True  # also update the entitlement shown next to the picked customer
    return render(request, "tickets/partials/intake_customer.html", context)


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
@require_GET
def intake_entitlement(request: HttpRequest) -> HttpResponse:
    """htmx: the entitlement again, for another service type or received time."""
    service_type = request.GET.get("service_type", "")
    received = _received(request.GET.get("received_at"))
    customer_id = _int(request.GET.get("customer"))
    result = _entitlement(customer_id, service_type, received)
    context = {
        "entitlement": result,
        "errors": result is None,
        "oob": True,
        "on": timezone.localtime(received).date() if received else timezone.localdate(),
    }
    return render(request, "tickets/partials/intake_entitlement.html", context)


@login_required
@permission_required("tickets.view_knowledgearticle", raise_exception=True)
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: knowledge-base articles for the symptoms typed so far."""
    articles = _suggest(request.GET.get("description", ""), request.GET.get("product", ""))
    article_usage_record(articles, kind="suggested", by=request.user)
    return render(
        request,
        "tickets/partials/suggestions.html",
        {"suggestions": articles, "typed": bool(request.GET.get("description", "").strip())},
    )
