"""Phone-system calls and their figures (docs/domain.md §hotline.calls: "热线接通率达到 90%";
"热线电话铃响三声接听")."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, cast

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contact, Customer
from servicedesk.core.exceptions import ApplicationError, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_reason, history_user

from ..models import Call, DutyShift, HotlineLine, Ticket

if TYPE_CHECKING:
    from servicedesk.core.types import User

CONNECT_RATE_TARGET = 0.9
RINGS_TARGET = 3
GROUP_BY = ("day", "line", "engineer", "duty")


def phone_variants(phone: str) -> list[str]:
    """The ways one number may be stored: as given, digits only, without +86 / 0086."""
    raw = (phone or "").strip()
    digits = re.sub(r"\D", "", raw)
    variants = [raw, digits]
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 7:
            variants.append(digits[len(prefix) :])
    return [v for v in dict.fromkeys(variants) if v]


def _customers_matching(customer_q: Q, contact_q: Q) -> list[int]:
    contacts = Contact.objects.filter(contact_q).values("customer_id")
    return list(
        Customer.objects.filter(customer_q | Q(pk__in=contacts))
        .order_by()
        .values_list("pk", flat=True)[:2]
    )


def customer_for_phone(phone: str) -> Customer | None:
    """The one customer whose main phone or a contact's phone/mobile is ``phone``
    (None when nobody or several customers have it).

    Exact forms first (indexed); then numbers stored with an area code or dashes are
    matched on their last 8 digits.
    """
    variants = phone_variants(phone)
    if not variants:
        return None
    ids = _customers_matching(Q(phone__in=variants), Q(phone__in=variants) | Q(mobile__in=variants))
    digits = re.sub(r"\D", "", phone or "")
    if not ids and len(digits) >= 8:
        tail = digits[-8:]
        ids = _customers_matching(
            Q(phone__endswith=tail), Q(phone__endswith=tail) | Q(mobile__endswith=tail)
        )
    if len(ids) != 1:
        return None
    return Customer.objects.get(pk=ids[0])


def call_record(
    *,
    engineer: User,
    caller_phone: str,
    started_at: dt.datetime,
    answered: bool,
    rings: int,
    duration_seconds: int,
    line: HotlineLine | None = None,
    external_id: str | None = None,
    ticket: Ticket | None = None,
) -> Call:
    """Record a call from the phone system; the same ``external_id`` twice is one call."""
    external_id = (external_id or "").strip() or None
    if external_id is not None:
        existing = Call.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    if not (caller_phone or "").strip():
        errors["caller_phone"] = [_("The caller's phone number.")]
    if rings < 0:
        errors["rings"] = [_("Cannot be negative.")]
    if duration_seconds < 0:
        errors["duration_seconds"] = [_("Cannot be negative.")]
    raise_field_errors(errors)
    customer = ticket.customer if ticket is not None and ticket.customer_id else None
    customer = customer or customer_for_phone(caller_phone)
    call = Call(
        caller_phone=caller_phone.strip(),
        started_at=started_at,
        answered=answered,
        rings=rings,
        duration_seconds=duration_seconds,
        engineer=engineer,
        line=line,
        customer=customer,
        ticket=ticket,
        external_id=external_id,
    )
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        # The phone system retried while the first request was being written.
        existing = Call.objects.filter(external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return existing
    return call


def call_attach(call: Call, ticket: Ticket, by: User) -> Call:
    """Link a call to the ticket it was about (and so to the ticket's customer)."""
    if call.ticket_id and call.ticket_id != ticket.pk:
        message = _("This call is already linked to ticket %(number)s.") % {
            "number": cast(Ticket, call.ticket).number
        }
        raise ApplicationError(message, extra={"ticket": [message]})
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        call.ticket = ticket
        fields = ["ticket"]
        if ticket.customer_id and call.customer_id != ticket.customer_id:
            call.customer_id = ticket.customer_id
            fields.append("customer")
        history_user(call, by)
        history_reason(call, "attach")
        call.save(update_fields=fields)
        event_record(kind="call.attached", target=ticket, actor=by, data={"call": call.pk})
    return call


def on_duty_engineer() -> Subquery:
    """Annotation: who was on duty on the call's line when it rang (any line's shift when
    the phone system did not say which line), from the duty roster."""
    shifts = DutyShift.objects.filter(
        starts_at__lte=OuterRef("started_at"),
        ends_at__gt=OuterRef("started_at"),
        line_id=Coalesce(OuterRef("line_id"), F("line_id")),
    ).order_by("-starts_at", "pk")
    return Subquery(shifts.values("engineer_id")[:1])


def _group_key(group_by: str) -> dict[str, Any]:
    if group_by == "day":
        return {"key": TruncDate("started_at", tzinfo=timezone.get_current_timezone())}
    if group_by == "line":
        return {"key": F("line_id"), "label": F("line__name")}
    if group_by == "duty":
        return {"key": on_duty_engineer()}
    return {"key": F("engineer_id"), "label": F("engineer__username")}


def call_stats(
    *, start: dt.datetime, end: dt.datetime, group_by: str = "day"
) -> list[dict[str, Any]]:
    """Connect rate (answered / all; target ≥ 90 %) and rings before answer (target ≤ 3)
    of the calls started in [start, end), per day, line, engineer who answered or engineer
    on duty (``duty``: every call, answered or missed, counts for whoever was on the duty
    roster then; with their shifts and late check-ins): one aggregate query (three for duty).

    ``avg_rings`` and ``over_3_rings`` count answered calls only.
    """
    if group_by not in GROUP_BY:
        message = _("Group by day, line, engineer or engineer on duty.")
        raise ApplicationError(message, extra={"group_by": [message]})
    if end <= start:
        message = _("The end must be after the start.")
        raise ApplicationError(message, extra={"end": [message]})
    answered = Q(answered=True)
    rows = (
        Call.objects.filter(started_at__gte=start, started_at__lt=end)
        .annotate(**_group_key(group_by))
        .values(*(["key"] if group_by in ("day", "duty") else ["key", "label"]))
        .annotate(
            calls=Count("pk"),
            answered_calls=Count("pk", filter=answered),
            avg_rings=Avg("rings", filter=answered),
            over_3_rings=Count("pk", filter=answered & Q(rings__gt=RINGS_TARGET)),
        )
        .order_by(F("key").asc(nulls_last=True))
    )
    result = []
    for row in rows:
        key = row["key"]
        if isinstance(key, dt.date):
            key = key.isoformat()
        result.append(
            {
                "key": key,
                "label": key if group_by == "day" else (row.get("label") or ""),
                "calls": row["calls"],
                "answered": row["answered_calls"],
                "connect_rate": round(row["answered_calls"] / row["calls"], 4)
                if row["calls"]
                else None,
                "avg_rings": round(float(row["avg_rings"]), 2)
                if row["avg_rings"] is not None
                else None,
                "over_3_rings": row["over_3_rings"],
            }
        )
    if group_by == "duty":
        _add_duty(result, start=start, end=end)
    return result


def _add_duty(rows: list[dict[str, Any]], *, start: dt.datetime, end: dt.datetime) -> None:
    """Label the rows with the engineer's name and add their shifts in the period and how
    many of them they did not check in on time (the ``duty_check_in`` deadline missed)."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from servicedesk.core.models import SlaTimer
    from servicedesk.core.people import display_name

    late = SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(DutyShift),
        subject_id=OuterRef("pk"),
        target="duty_check_in",
        breached_at__isnull=False,
    )
    shifts: dict[int, dict[str, int]] = {}
    for shift in (
        DutyShift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .annotate(late=Exists(late))
        .values("engineer_id", "late")
    ):
        counts = shifts.setdefault(shift["engineer_id"], {"shifts": 0, "late_check_ins": 0})
        counts["shifts"] += 1
        counts["late_check_ins"] += shift["late"]
    keys = {r["key"] for r in rows} | set(shifts)
    names = {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=keys - {None})}
    for pk in sorted(set(shifts) - {r["key"] for r in rows}):
        rows.append(
            {
                "key": pk,
                "calls": 0,
                "answered": 0,
                "connect_rate": None,
                "avg_rings": None,
                "over_3_rings": 0,
            }
        )
    for row in rows:
        row["label"] = names.get(row["key"], "") if row["key"] else str(_("(nobody on duty)"))
        row.update(shifts.get(row["key"], {"shifts": 0, "late_check_ins": 0}))


def call_stats_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of all rows together (computed from the rows, no query)."""
    calls = sum(r["calls"] for r in rows)
    answered = sum(r["answered"] for r in rows)
    rings = sum((r["avg_rings"] or 0) * r["answered"] for r in rows)
    return {
        "calls": calls,
        "answered": answered,
        "connect_rate": round(answered / calls, 4) if calls else None,
        "avg_rings": round(rings / answered, 2) if answered else None,
        "over_3_rings": sum(r["over_3_rings"] for r in rows),
    }
