"""Reads of the hotline, shaped for the portal and restricted to what the user may see.

Every list here runs in a constant number of queries whatever the data: the intake lookup
(customers with their contract, service level, contacts and products), the engineer's
queue and the manager's board (tickets with their timers attached in one query).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.choices import ContractState
from contracts.models import (
    Asset,
    Contact,
    Contract,
    Customer,
    InstalledProduct,
    ServicePeriod,
)
from servicedesk.core.choices import TimerState, timer_target_label
from servicedesk.core.history import event_label  # any app's event in words
from servicedesk.core.models import DomainEvent
from servicedesk.core.people import display_name
from servicedesk.core.selectors import (
    StateColumn,
    TimelineEntry,
    columns_by_deadline,
    customer_waits_for,
    history_changes,
    numbers_per_customer,
    timeline_timer_entries,
    timeline_wait_entries,
    timers_attach_open,
    timers_for,
)
from servicedesk.core.templatetags.desk import timer_tone

from .choices import ArticleState, Severity, TicketKind, TicketState
from .models import (
    Call,
    DutyShift,
    HotlineLine,
    InboundMail,
    KnowledgeArticle,
    Ticket,
    TicketNote,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User

OPEN_STATES = [s for s in TicketState.values if s != TicketState.CLOSED]
# The order of the manager's board: what waits for someone first, finished work last.
BOARD_STATES = [
    TicketState.NEW,
    TicketState.SHELVED,
    TicketState.SCOPE_REVIEW,
    TicketState.COMMERCIAL_REVIEW,
    TicketState.DISPATCH_REQUESTED,
    TicketState.DISPATCHED,
    TicketState.RESOLVED,
    TicketState.ANSWERED,
]
LOOKUP_MIN_CHARS = 2
PHONE_MIN_DIGITS = 3
PHONE_CHARS = re.compile(r"^[\d\s()+\-–—]+$")


def _ticket_type() -> ContentType:
    return ContentType.objects.get_for_model(Ticket)


# -- intake ------------------------------------------------------------------------------


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _stored_digits(field_name: str) -> Replace:
    """A phone field without the separators people type (-, spaces)."""
    return Replace(Replace(F(field_name), Value("-"), Value("")), Value(" "), Value(""))


def _active_contracts() -> QuerySet[Contract]:
    return (
        Contract.objects.filter(
            state__in=[ContractState.SIGNED, ContractState.IN_SERVICE, ContractState.EXPIRED]
        )
        .select_related("sales_manager")
        .prefetch_related(
            Prefetch("periods", queryset=ServicePeriod.objects.order_by("starts_on")),
        )
        .order_by("-signed_on", "-id")
    )


def customer_lookup(*, user: User, q: str, limit: int = 10) -> list[Customer]:
    """Customers matching what the engineer typed: a phone number (the customer's, or a
    contact's phone or mobile), a name or short name, or a dongle/licence number.

    Six queries whatever the number of customers: the best matches (ids only), those
    customers, then their contracts, periods, contacts and installed products. Each customer gets
    ``active_contract``, ``current_period``, ``primary_contact``, ``matched_contact``,
    ``matched_product`` and ``match`` (why it matched) for the intake screen.
    """
    q = (q or "").strip()[:60]
    if len(q) < LOOKUP_MIN_CHARS:
        return []
    digits = _digits(q)
    phone_like = bool(PHONE_CHARS.match(q)) and len(digits) >= PHONE_MIN_DIGITS
    if phone_like and len(digits) >= 13 and digits.startswith(("0086", "86")):
        digits = digits.removeprefix("00").removeprefix("86")  # +86 139…: stored without it
    # Case-insensitive matching (UPPER … LIKE) costs three times as much: only when the
    # text has letters. Chinese and digits have no case.
    cased = q.lower() != q.upper()
    contains = "icontains" if cased else "contains"
    customers = Customer.objects.restrict(user)
    dongles = InstalledProduct.objects.filter(**{f"licence_number__{contains}": q})
    condition = Q(pk__in=dongles.values("customer_id"))
    # An asset's serial number finds its customer (docs/domain.md §installation.intake).
    serials = Asset.objects.filter(**{f"serial_number__{contains}": q})
    condition |= Q(pk__in=serials.values("customer_id"))
    if phone_like:
        # Numbers are stored as people write them (0512-6666 8888): compare digits. A
        # company name holds no phone number, so names are not searched.
        contacts = Contact.objects.alias(
            phone_digits=_stored_digits("phone"), mobile_digits=_stored_digits("mobile")
        ).filter(Q(phone_digits__contains=digits) | Q(mobile_digits__contains=digits))
        customers = customers.alias(phone_digits=_stored_digits("phone"))
        condition |= Q(phone_digits__contains=digits) | Q(pk__in=contacts.values("customer_id"))
        rank = [When(phone_digits__endswith=digits, then=Value(0))]
    else:
        condition |= Q(**{f"name__{contains}": q}) | Q(**{f"short_name__{contains}": q})
        rank = [
            When(short_name__iexact=q, then=Value(0)),
            When(name__iexact=q, then=Value(0)),
            When(short_name__istartswith=q, then=Value(1)),
            When(name__istartswith=q, then=Value(1)),
        ]
    open_tickets = (
        Ticket.objects.filter(customer=OuterRef("pk"), state__in=OPEN_STATES)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Rank the matches on narrow rows first (thousands may match "有限公司"), then load
    # the ten shown with everything the screen needs.
    ids = list(
        customers.filter(condition)
        .alias(lookup_rank=Case(*rank, default=Value(2), output_field=IntegerField()))
        .order_by("lookup_rank", "name")
        .values_list("pk", flat=True)[:limit]
    )
    found = (
        Customer.objects.filter(pk__in=ids)
        .annotate(
            open_tickets=Coalesce(Subquery(open_tickets, output_field=IntegerField()), Value(0))
        )
        .select_related("sales_manager")
        .prefetch_related(
            Prefetch("contracts", queryset=_active_contracts(), to_attr="lookup_contracts"),
            Prefetch(
                "contacts",
                queryset=Contact.objects.order_by("-is_primary", "name", "pk"),
                to_attr="lookup_contacts",
            ),
            Prefetch(
                "products",
                queryset=InstalledProduct.objects.order_by("software", "pk"),
                to_attr="lookup_products",
            ),
        )
        .in_bulk()
        if ids
        else {}
    )
    matches: list[Customer] = [found[pk] for pk in ids if pk in found]
    today = timezone.localdate()
    for customer in matches:
        _describe_match(customer, q, digits if phone_like else "", today)
    return matches


def _describe_match(customer: Any, q: str, digits: str, today: dt.date) -> None:
    contracts = customer.lookup_contracts
    live = [c for c in contracts if c.state in (ContractState.SIGNED, ContractState.IN_SERVICE)]
    customer.active_contract = (live or contracts or [None])[0]
    customer.current_period = None
    if customer.active_contract is not None:
        periods = list(customer.active_contract.periods.all())
        customer.current_period = next((p for p in periods if p.covers(today)), None)
        customer.last_period = periods[-1] if periods else None
    contacts = customer.lookup_contacts
    customer.primary_contact = contacts[0] if contacts else None
    customer.matched_contact = None
    customer.matched_product = None
    lowered = q.lower()
    customer.matched_product = next(
        (p for p in customer.lookup_products if lowered in p.licence_number.lower()), None
    )
    if digits:
        customer.matched_contact = next(
            (c for c in contacts if digits in _digits(c.mobile) or digits in _digits(c.phone)),
            None,
        )
    if digits and customer.matched_contact is not None:
        customer.match = "contact_phone"
    elif digits and digits in _digits(customer.phone):
        customer.match = "phone"
    elif customer.matched_product is not None and lowered not in customer.name.lower():
        customer.match = "dongle"
    elif lowered not in customer.name.lower() and lowered not in customer.short_name.lower():
        customer.match = "serial"  # only an asset's serial number matched
        customer.matched_serial = q
    else:
        customer.match = "name"
    customer.product_names = sorted(
        {str(p).strip() for p in customer.lookup_products if p.software}
    )


def customer_for_intake(*, user: User, pk: int) -> Customer | None:
    """One customer shaped like a lookup result (the card shown once it is picked)."""
    customer = (
        Customer.objects.restrict(user)
        .filter(pk=pk)
        .select_related("sales_manager")
        .prefetch_related(
            Prefetch("contracts", queryset=_active_contracts(), to_attr="lookup_contracts"),
            Prefetch(
                "contacts",
                queryset=Contact.objects.order_by("-is_primary", "name", "pk"),
                to_attr="lookup_contacts",
            ),
            Prefetch(
                "products",
                queryset=InstalledProduct.objects.order_by("software", "pk"),
                to_attr="lookup_products",
            ),
            # Installed assets with their warranty (docs/domain.md §installation.intake).
            Prefetch(
                "assets", queryset=Asset.objects.order_by("model", "pk"), to_attr="lookup_assets"
            ),
        )
        .first()
    )
    if customer is not None:
        _describe_match(customer, "\x00", "", timezone.localdate())
        customer.match = ""
    return customer


# Other apps add the open work they hold for a customer (field service: dispatches).
OpenItemsProvider = Callable[[Customer], list[Any]]
_open_item_providers: dict[str, OpenItemsProvider] = {}


def open_items_register(name: str, provider: OpenItemsProvider) -> None:
    """``open_items_register("dispatches", dispatches_open_for)``: call from a ready()."""
    _open_item_providers[name] = provider


def customer_open_items(customer: Customer, limit: int = 10) -> dict[str, list[Any]]:
    """The customer's open tickets, and whatever other apps registered (dispatches)."""
    tickets = list(
        Ticket.objects.filter(customer=customer, state__in=OPEN_STATES)
        .select_related("assignee")
        .order_by("-received_at", "-id")[:limit]
    )
    items: dict[str, list[Any]] = {"tickets": tickets}
    for name, provider in _open_item_providers.items():
        items[name] = list(provider(customer))[:limit]
    return items


# -- queue and board ---------------------------------------------------------------------


def _queue_condition(user: User) -> Q:
    condition = Q(first_contact_owner=user) | Q(assignee=user)
    if user.has_perm("tickets.decide_charge"):
        # docs/domain.md §hotline.commercial: the customer's sales manager negotiates; without one,
        # every sales manager was told, so every one sees it.
        condition |= Q(state=TicketState.COMMERCIAL_REVIEW) & (
            Q(contract__sales_manager=user)
            | Q(customer__sales_manager=user)
            | (Q(contract__sales_manager__isnull=True) & Q(customer__sales_manager__isnull=True))
        )
    if user.has_perm("tickets.decide_scope"):
        condition |= Q(state=TicketState.SCOPE_REVIEW)
    return condition


def tickets_list(*, user: User) -> QuerySet[Ticket]:
    return Ticket.objects.restrict(user).select_related(
        "customer", "contract", "assignee", "first_contact_owner"
    )


def tickets_for_archive(customer: Customer, contracts: list[Any], *, user: User) -> dict:
    """The customer archive's hotline records (docs/domain.md §customer.archive), each under the
    contract it was taken under; one query whatever the customer's history."""
    from contracts.archive import group_by_contract

    tickets = (
        Ticket.objects.restrict(user)
        .filter(customer=customer)
        .select_related("first_contact_owner")
        .order_by("-received_at", "-id")[:200]
    )
    return group_by_contract(tickets)


QUEUE_PAGE = 50


def my_queue(user: User, *, page: Any = 1, per_page: int = QUEUE_PAGE) -> Page:
    """Open tickets the user took (first contact), works on, or must decide, nearest
    deadline first, ``per_page`` at a time (a bad ``page`` gives the nearest page); each
    with ``prefetched_timers`` (open ones) and ``next_timer``. Three queries whatever the
    length of the queue: the count, the page, its timers (docs/architecture.md §boards).

    The page ranks narrow rows (the key and its next deadline) in a subquery and joins
    customers, contracts and people for the ``per_page`` rows shown only: a long queue
    (hundreds of open tickets) is not ranked as wide joined rows."""
    # The ticket's own kept nearest deadline (``next_due_at``): no probe of the timers
    # per open ticket (docs/architecture.md §boards.kept).
    order = (F("next_due_at").asc(nulls_last=True), "received_at", "id")
    ranked = (
        Ticket.objects.restrict(user)
        .filter(_queue_condition(user))
        .exclude(state=TicketState.CLOSED)
        .order_by(*order)
    )
    result = Paginator(ranked.values("pk"), per_page).get_page(page)
    shown = tickets_list(user=user).filter(pk__in=result.object_list).order_by(*order)
    result.object_list = timers_attach_open(list(shown))
    return result


#: what a card on the board draws (``board_card_html``): the cards are loaded with these
#: columns only, without the contract and first-contact joins the lists need — a card
#: cost a quarter of a millisecond to build in full
BOARD_CARD_FIELDS = (
    "number",
    "state",
    "kind",
    "severity",
    "caller_company",
    "description",
    "received_at",
    "customer",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def _board_card_customers() -> Prefetch:
    """The cards' customers by their keys, in a query of their own: joined to the cards,
    PostgreSQL hashed the whole customer table (10,000 rows) for 200 cards."""
    return Prefetch("customer", queryset=Customer.objects.only("name", "short_name"))


def _timer_html(timer: Any, labels: dict[str, str]) -> str:
    """A card's nearest deadline: its tone, countdown data for live.js and due time."""
    tone = timer_tone(timer)
    due = timezone.localtime(timer.due_at)
    title = f"{timer_target_label(timer.target)} · {labels['due']} {due:%Y-%m-%d %H:%M}"
    return (
        f'<span class="timer timer-{tone}" data-timer-state="{timer.state}" '
        f'data-timer-due="{timer.due_at.isoformat()}" '
        f'data-timer-warn="{timer.warn_at.isoformat()}" title="{escape(title)}">'
        f'<i class="bi bi-stopwatch" aria-hidden="true"></i> '
        f'<span class="timer-countdown">{due:%m-%d %H:%M}</span></span>'
    )


def board_card_html(ticket: Any, labels: dict[str, str]) -> str:
    """One card's markup, built once here: ``ticket`` with its timers attached
    (``timers_attach_open``), ``labels`` from ``board_card_labels``. A template loop
    cost about a third of a millisecond a card, and the board draws up to 200 of them.
    Free texts are escaped; the rest are numbers, codes and our own labels."""
    timer = ticket.next_timer
    tone = f" tone-{timer_tone(timer)}" if timer else ""
    badges = ""
    if ticket.severity == Severity.SYSTEM_DOWN:
        badges += (
            '<span class="badge text-bg-danger"><i class="bi bi-exclamation-octagon" '
            f'aria-hidden="true"></i> {escape(ticket.get_severity_display())}</span>'
        )
    if ticket.kind == TicketKind.COMPLAINT:
        badges += f'<span class="badge text-bg-warning">{escape(ticket.get_kind_display())}</span>'
    if timer:
        deadline = _timer_html(timer, labels)
    else:
        overdue = (
            '<span class="timer timer-breached" title="{}"><i class="bi bi-alarm" '
            f'aria-hidden="true"></i> {escape(labels["overdue"])}</span>'
        )
        deadline = "".join(
            overdue.format(escape(timer_target_label(t.target)))
            for t in ticket.prefetched_timers
            if t.state == TimerState.BREACHED
        )
    who = ticket.customer if ticket.customer_id else ticket.caller_company
    return (
        f'<a class="board-card{tone}" href="{ticket.get_absolute_url()}" '
        f'data-ticket="{ticket.pk}" data-testid="board-card">'
        '<div class="d-flex gap-1 align-items-center">'
        f'<strong class="me-auto card-number">{escape(ticket.number)}</strong>{badges}</div>'
        f"<div>{escape(str(who or ''))}</div>"
        f'<div class="card-symptoms">{escape(ticket.description)}</div>'
        '<div class="d-flex flex-wrap align-items-center gap-1 mt-1">'
        '<span class="text-secondary small me-auto"><i class="bi bi-person" '
        f'aria-hidden="true"></i> {escape(display_name(ticket.assignee))}</span>'
        f"{deadline}</div></a>"
    )


def board_card_labels() -> dict[str, str]:
    """The words on the cards, in the request's language, translated once per board."""
    return {"due": _("due"), "overdue": _("overdue")}


def manager_board(user: User, per_column: int = 50, state: str = "") -> list[StateColumn]:
    """Every open ticket by state, nearest deadline first; each column shows its first
    ``per_column`` cards (their markup in ``card_html``) and the total. Five queries
    whatever the number of tickets: the counts, the columns (from each ticket's kept
    nearest deadline), the cards, their customers, their timers."""
    states = [state] if state in BOARD_STATES else BOARD_STATES
    columns = columns_by_deadline(
        tickets_list(user=user).filter(state__in=states),
        states=states,
        choices=TicketState,
        since="received_at",
        per_column=per_column,
        cards=Ticket.objects.restrict(user)
        .select_related("assignee")
        .only(*BOARD_CARD_FIELDS)
        .prefetch_related(_board_card_customers()),
    )
    labels = board_card_labels()
    for column in columns:
        for ticket in column.items:
            ticket.card_html = mark_safe(board_card_html(ticket, labels))  # noqa: S308
    return columns


# -- ticket page -------------------------------------------------------------------------


def ticket_detail(user: User, pk: int) -> Ticket:
    """The ticket the user may see, with what its page shows; raises DoesNotExist."""
    return (
        tickets_list(user=user)
        .select_related("contract__sales_manager", "customer__sales_manager")
        .get(pk=pk)
    )


EVENT_TITLES = {
    "ticket.received": ("telephone-inbound", gettext_lazy("Call received")),
    "ticket.answer": ("check2-circle", gettext_lazy("Answered on the phone")),
    "ticket.shelve": ("pause-circle", gettext_lazy("Shelved to consult")),
    "ticket.call_back": ("telephone-outbound", gettext_lazy("Called the customer back")),
    "ticket.request_dispatch": ("truck", gettext_lazy("On-site visit requested")),
    "ticket.dispatch": ("truck", gettext_lazy("Dispatched")),
    "ticket.resolve": ("tools", gettext_lazy("Resolved on site")),
    "ticket.refer_scope": ("question-circle", gettext_lazy("Sent for a scope decision")),
    "ticket.confirm_in_scope": ("check-circle", gettext_lazy("Decided: in scope")),
    "ticket.confirm_out_of_scope": ("x-circle", gettext_lazy("Decided: out of scope")),
    "ticket.refer_commercial": ("cash-coin", gettext_lazy("Sent to the sales manager")),
    "ticket.agree_charge": ("cash-coin", gettext_lazy("Charge agreed with the customer")),
    "ticket.waive_charge": ("gift", gettext_lazy("Charge waived")),
    "ticket.decline": ("slash-circle", gettext_lazy("Customer declined")),
    "ticket.close": ("archive", gettext_lazy("Closed")),
    "ticket.transfer": ("arrow-left-right", gettext_lazy("Transferred")),
    "ticket.handover_to_manager": (
        "person-up",
        gettext_lazy("Handed over to the service manager"),
    ),
    "ticket.password_disclosed": ("key", gettext_lazy("Password disclosed")),
    "ticket.write_special_plan": (
        "file-earmark-text",
        gettext_lazy("Special arrangement written"),
    ),
    "ticket.hand_over_special_plan": (
        "send-check",
        gettext_lazy("Signed special arrangement handed to the service owner"),
    ),
    "form.signed": ("pen", gettext_lazy("Form signed")),
}
# Same instant: the call first, then what it started.
KIND_ORDER = {"call": 0, "mail": 0, "event": 1, "note": 2, "timer": 3, "history": 4}
# Recorded for the field-service app; the transition's own event already tells it.
HIDDEN_EVENTS = {"ticket.dispatch_requested", "ticket.mail_received"}  # mails: _mail_entries


def ticket_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Calls, notes, transitions (domain events), deadlines and field history of the
    ticket, oldest first. At most six queries whatever the ticket's history."""
    entries: list[TimelineEntry] = []
    read = getattr(ticket, "prefetched_events", None)  # core.selectors.trail_attach
    if read is None:
        read = (
            DomainEvent.objects.filter(target_type=_ticket_type(), target_id=ticket.pk)
            .select_related("actor")
            .order_by("created_at", "id")
        )
    events = [e for e in read if e.kind not in HIDDEN_EVENTS]
    event_notes: list[tuple[str, dt.datetime]] = []
    transfers: list[tuple[TimelineEntry, dict]] = []
    for event in events:
        icon, title = EVENT_TITLES.get(event.kind) or ("lightning-charge", event_label(event.kind))
        data = event.data or {}
        text = str(data.get("note") or "")
        if event.kind == "ticket.received":
            text = ticket.entitlement_reason
        elif event.kind == "form.signed":
            text = str(data.get("signer") or "")
        elif text:
            event_notes.append((text.strip(), event.created_at))
        # The call was received when the engineer says, maybe before it was recorded.
        when = ticket.received_at if event.kind == "ticket.received" else event.created_at
        entry = TimelineEntry(when, "event", icon, str(title), event.actor, text)
        if event.kind == "ticket.transfer":
            transfers.append((entry, data))
        entries.append(entry)
    _name_transfers(transfers)
    for note in TicketNote.objects.filter(ticket=ticket).select_related("author"):
        if any(
            note.text.strip()[:500] == text[:500]
            and abs((note.created_at - at).total_seconds()) < 5
            for text, at in event_notes
        ):
            continue  # the call-back or transfer event already shows it
        entries.append(
            TimelineEntry(note.created_at, "note", "sticky", _("Note"), note.author, note.text)
        )
    for call in Call.objects.filter(ticket=ticket).select_related("engineer", "line"):
        if call.answered:
            text = _("Answered after %(rings)s rings, %(minutes)s min") % {
                "rings": call.rings,
                "minutes": round(call.duration_seconds / 60, 1),
            }
        else:
            text = _("Not answered")
        title = _("Call from %(phone)s") % {"phone": call.caller_phone}
        if call.line_id:
            title = f"{title} · {call.line}"
        tone = "" if call.answered else "warning"
        entries.append(
            TimelineEntry(call.started_at, "call", "telephone", title, call.engineer, text, tone)
        )
    entries.extend(_mail_entries(ticket))
    timers = getattr(ticket, "all_timers", None)
    if timers is None:
        timers = list(timers_for(ticket))
    entries.extend(timeline_timer_entries(timers))
    entries.extend(timeline_wait_entries(customer_waits_for(ticket)))
    # Transitions already appear as events: keep only the other field changes.
    covered = {e.kind.rsplit(".", 1)[-1] for e in events} | {"transfer"}
    rows = getattr(ticket, "prefetched_history", None)
    if rows is None:
        rows = history_changes(ticket, limit=200)
    for row in rows:
        if row["type"] == "created" or row["reason"] in covered:
            continue
        if not {c["field"] for c in row["changes"]} - {"number"}:
            continue  # the intake numbers the ticket right after saving it
        entries.append(
            TimelineEntry(
                row["when"],
                "history",
                "pencil",
                row["title"],
                row["actor"],
                row["note"],
                changes=row["changes"],
            )
        )
    entries.sort(key=lambda e: (e.when, KIND_ORDER[e.kind]))
    return entries


def _mail_entries(ticket: Ticket) -> list[TimelineEntry]:
    """The mails of the ticket (docs/domain.md §hotline.mail): who wrote, the subject and
    words, the attachments kept and those refused."""
    entries = []
    for mail in InboundMail.objects.filter(ticket=ticket).prefetch_related("attachments"):
        title = _("Mail from %(sender)s") % {
            "sender": f"{mail.sender_name} <{mail.sender}>" if mail.sender_name else mail.sender
        }
        lines = [mail.subject, mail.text[:2000]]
        names = [a.name for a in mail.attachments.all()]
        if names:
            lines.append(_("Attachments: %(names)s") % {"names": "、".join(names)})
        if mail.refused_attachments:
            lines.append(_("Not kept: %(why)s") % {"why": mail.refused_attachments})
        entries.append(
            TimelineEntry(
                mail.received_at, "mail", "envelope", title, None, "\n".join(x for x in lines if x)
            )
        )
    return entries


def _name_transfers(transfers: list[tuple[TimelineEntry, dict]]) -> None:
    """Say who a ticket went from and to (one query for the people named)."""
    if not transfers:
        return
    from django.contrib.auth import get_user_model

    ids = {data[k] for _entry, data in transfers for k in ("from", "to") if data.get(k) is not None}
    people: dict[Any, Any] = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}
    for entry, data in transfers:
        entry.title = _("Transferred from %(from)s to %(to)s") % {
            "from": people.get(data.get("from"), "—"),
            "to": people.get(data.get("to"), "—"),
        }


# -- roster ------------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class RosterRow:
    line: HotlineLine
    cells: list[list[DutyShift]]


def roster_week(*, user: User, start: dt.date) -> list[RosterRow]:
    """Lines × the 7 days from ``start`` (a Monday), each cell the shifts starting that
    day. Two queries."""
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end = begin + dt.timedelta(days=7)
    shifts = list(
        DutyShift.objects.restrict(user)
        .filter(starts_at__gte=begin, starts_at__lt=end)
        .select_related("engineer", "line")
        .order_by("starts_at", "pk")
    )
    lines = list(HotlineLine.objects.filter(Q(active=True) | Q(shifts__in=shifts)).distinct())
    rows = {line.pk: RosterRow(line, [[] for _day in range(7)]) for line in lines}
    for shift in shifts:
        day = (timezone.localtime(shift.starts_at).date() - start).days
        rows[shift.line_id].cells[day].append(shift)
    return list(rows.values())


def shifts_of(*, user: User, since: dt.datetime | None = None, limit: int = 20) -> list[DutyShift]:
    """The user's own shifts still to come (or running), soonest first."""
    since = since or timezone.now()
    return list(
        DutyShift.objects.filter(engineer=user, ends_at__gt=since)
        .select_related("line")
        .order_by("starts_at")[:limit]
    )


def shift_current(*, user: User, at: dt.datetime | None = None) -> DutyShift | None:
    at = at or timezone.now()
    return (
        DutyShift.objects.filter(engineer=user, starts_at__lte=at, ends_at__gt=at)
        .select_related("line")
        .order_by("starts_at")
        .first()
    )


def with_open_timers(tickets: list[Ticket]) -> list[Ticket]:
    """Attach each ticket's open deadlines (one query), e.g. to the hand-over items."""
    return timers_attach_open(list(tickets))


# -- knowledge and calls -----------------------------------------------------------------


def article_for_source(source: Model) -> KnowledgeArticle | None:
    """The article written from ``source`` (a ticket, a dispatch, a defect), if any."""
    return (
        KnowledgeArticle.objects.filter(
            source_type=ContentType.objects.get_for_model(source), source_id=source.pk
        )
        .order_by("pk")
        .first()
    )


def articles_list(*, user: User) -> QuerySet[KnowledgeArticle]:
    """The articles the user may read: every state for those who write articles, only
    published ones for everybody else (docs/domain.md §hotline.knowledge)."""
    qs = KnowledgeArticle.objects.restrict(user).select_related(
        "source_ticket", "author", "source_type"
    )
    if not user.has_perm("tickets.change_knowledgearticle"):
        qs = qs.filter(state=ArticleState.PUBLISHED)
    return qs


def tickets_without_call(*, start: dt.datetime, end: dt.datetime) -> int:
    """Tickets received in [start, end) with no call from the phone system linked: the
    intake's calls that the call statistics do not count."""
    return Ticket.objects.filter(
        received_at__gte=start, received_at__lt=end, calls__isnull=True
    ).count()


# -- asked by other apps (docs/architecture.md §apps.calls: each app reads its own data) --


def ticket_for_defect(user: Any, pk: Any) -> tuple[Ticket, dict[str, Any]] | None:
    """A call ``user`` may see, and what a defect or a requirement request recorded from it
    starts with: the customer, its address as the site, and the description. ``None``
    when there is no such call for the user."""
    ticket = Ticket.objects.restrict(user).select_related("customer").filter(pk=pk).first()
    if ticket is None:
        return None
    description = ticket.description or ""
    return ticket, {
        "ticket": ticket.pk,
        "customer": ticket.customer_id,
        "product": ticket.product,
        "site": ticket.customer.address if ticket.customer else "",
        "customer_sees": ticket.description,
        "description": ticket.description,
        "title": description.strip().splitlines()[0][:200] if description else "",
    }


def board_version() -> tuple[int, ...]:
    """Changes whenever a card of the manager's board may have changed: the newest
    history row of tickets, their deadlines and customers (one query; the rule in
    servicedesk/core/live.py)."""
    from servicedesk.core.live import history_models_of, history_version
    from servicedesk.core.models import SlaTimer

    return history_version(history_models_of(Ticket, SlaTimer, Customer))


def tickets_closed_by_customer(*, user_id: int, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The tickets ``user_id`` closed as assignee in [start, end), per customer: the hotline's
    part of a weekly report (reports app, docs/domain.md §reports.weekly). One aggregate
    query; ``numbers`` lists at most ten ticket numbers per customer."""
    closed = Ticket.objects.filter(assignee_id=user_id, closed_at__gte=start, closed_at__lt=end)
    rows = list(closed.values("customer_id").annotate(items=Count("id")).order_by("customer_id"))
    return numbers_per_customer(rows, closed, "closed_at")
