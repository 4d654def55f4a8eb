"""Service tickets: intake with entitlement, the state machine's services and its timers.

Timers (docs/domain.md §hotline): ``handover_to_manager`` from intake (unresolved at
end of day → the service manager before the next working day starts);
``dispatch_submission`` when the call needs an on-site visit (30 working minutes);
``callback`` (1 h) and ``reply`` (3 working hours) when shelved; ``acknowledge`` for
complaints.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.choices import EntitlementResult
from contracts.entitlement import entitlement_check
from contracts.models import Contract, Customer
from contracts.services import customer_register_caller, service_usage_record
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import (
    ApplicationError,
    NotPermitted,
    field_error,
    raise_field_errors,
)
from servicedesk.core.keys import key_reserve
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import history_reason, history_user
from servicedesk.core.services.timers import (
    timer_cancel,
    timer_meet,
    timer_start,
    timers_cancel_all,
)
from servicedesk.core.services.transitions import AS_LOADED, lock

from ..choices import CommercialDecision, Severity, TicketKind, TicketState
from ..models import Ticket, TicketNote

if TYPE_CHECKING:
    from servicedesk.core.types import User

RECEIVED_AT_SKEW = dt.timedelta(minutes=2)
# Decided in the negotiation itself; a special arrangement is written, signed and handed
# over instead (ticket_special_plan_*).
NEGOTIATED = (
    CommercialDecision.CHARGE_AGREED,
    CommercialDecision.WAIVED,
    CommercialDecision.DECLINED,
)
REQUIRED_TEXT = {
    "caller_name": gettext_lazy("Who called?"),
    "caller_company": gettext_lazy("Which company?"),
    "caller_phone": gettext_lazy("The caller's phone number."),
    "product": gettext_lazy("Which product?"),
    "description": gettext_lazy("Describe the symptoms."),
}


def _role_members(role: str) -> list[User]:
    return list(users_in_roles(role))


def _sales_manager(ticket: Ticket) -> User | None:
    contract = ticket.contract  # None, without a query, when there is none
    if contract is not None and contract.sales_manager_id:
        return contract.sales_manager
    customer = ticket.customer
    return customer.sales_manager if customer is not None else None


def ticket_intake(
    *,
    by: User,
    customer: Customer | None,
    caller_name: str,
    caller_company: str,
    caller_phone: str,
    product: str,
    description: str,
    channel: str = "phone",
    service_type: str = "phone_support",
    received_at: dt.datetime | None = None,
    severity: str = Severity.NORMAL,
    kind: str = TicketKind.REQUEST,
    needs_on_site: bool = False,
    contract: Contract | None = None,
    call: Any = None,
    new_customer: bool = False,
    unidentified: bool = False,
) -> Ticket:
    """Record a request; decide its entitlement and route it. Never refuses (docs/domain.md
    §entitlement.never-refuse): out of scope goes to the sales manager, undetermined to the arbiter.

    A caller the archive does not know is recorded with ``new_customer``: the company,
    the caller and the number become a new customer (with a first visit, contracts app),
    whose request has no contract behind it and goes to the arbiter like any other
    undetermined one (issue 10 §8).

    ``unidentified``: the sender is not known yet (a mail from an address no contact has,
    docs/domain.md §hotline.mail) — the ticket has no customer, its entitlement is to be
    decided, and the hotline matches the customer when it reviews it."""
    received_at = received_at or timezone.now()
    raise_field_errors(
        _intake_errors(
            values={
                "caller_name": caller_name,
                "caller_company": caller_company,
                "caller_phone": caller_phone,
                "product": product,
                "description": description,
            },
            customer=customer,
            new_customer=new_customer or unidentified,
            received_at=received_at,
            contract=contract,
        )
    )

    with transaction.atomic():
        if customer is None and not unidentified:
            customer = _register_caller(
                by=by, company=caller_company, name=caller_name, phone=caller_phone
            )
            contract = None
        result = entitlement_check(
            customer=customer, service_type=service_type, on=received_at, contract=contract
        )
        assignee = by
        if kind == TicketKind.COMPLAINT:
            # Complaints go to the technical manager (docs/domain.md §hotline.complaint).
            assignee = next(iter(_role_members(Role.TECH_MANAGER)), by)
        # The number is made of the key: reserved first, so the ticket is saved once, with
        # its number, and has one history row (docs/architecture.md §boards).
        pk = key_reserve(Ticket)
        local = timezone.localtime(received_at)
        ticket = Ticket(
            pk=pk,
            number=f"RX{local:%Y%m%d}-{pk:05d}",
            kind=kind,
            customer=customer,
            contract=contract or result.contract,
            caller_name=caller_name.strip(),
            caller_company=caller_company.strip(),
            caller_phone=caller_phone.strip(),
            channel=channel,
            product=product.strip(),
            service_type=service_type,
            description=description.strip(),
            received_at=received_at,
            severity=severity,
            needs_on_site=needs_on_site,
            first_contact_owner=by,
            assignee=assignee,
            entitlement=result.result,
            entitlement_reason=result.reason[:300],
            entitlement_code=result.code,
            charge=_jsonable(result.as_dict()["charge"]),
        )
        history_user(ticket, by)
        ticket.save(force_insert=True)
        if call is not None:
            call.ticket = ticket
            call.customer = customer
            call.save(update_fields=["ticket", "customer"])
        started = _intake_timers(ticket, by=by)
        if result.result == EntitlementResult.IN_SCOPE and result.contract is not None:
            service_usage_record(
                contract=result.contract,
                service_type=service_type,
                on=local.date(),
                source=ticket,
                new_source=True,
            )
        if severity == Severity.SYSTEM_DOWN:
            notifications_create(
                recipients=_role_members(Role.TECH_MANAGER),
                kind="system_down",
                title=_("System down: %(customer)s") % {"customer": customer},
                body=description[:500],
                url=ticket.get_absolute_url(),
                target=ticket,
            )
        ticket = _intake_route(ticket, result)
        if result.result == EntitlementResult.IN_SCOPE:
            # Not routed on: the ticket comes back with what its page and the API show
            # (its open timers, no wait for the customer), without reading them again.
            ticket.prefetched_timers = started  # type: ignore[attr-defined]
            ticket.customer_waits = []  # type: ignore[attr-defined]
        event_record(
            kind="ticket.received",
            target=ticket,
            actor=by,
            data={"entitlement": result.result, "code": result.code},
            new_target=True,
        )
    return ticket


def _intake_errors(
    *,
    values: dict[str, str],
    customer: Customer | None,
    new_customer: bool,
    received_at: dt.datetime,
    contract: Contract | None,
) -> dict[str, list[str]]:
    """What the intake refuses before anything is recorded, by field."""
    errors: dict[str, list[str]] = {
        field: [str(message)]
        for field, message in REQUIRED_TEXT.items()
        if not (values[field] or "").strip()
    }
    if customer is None and not new_customer:
        errors["customer"] = [
            _(
                "Find the customer first (by phone, name or dongle number), "
                "or record the caller as a new customer."
            )
        ]
    if received_at > timezone.now() + RECEIVED_AT_SKEW:
        errors["received_at"] = [_("The call cannot have been received in the future.")]
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    return errors


def _intake_timers(ticket: Ticket, *, by: Any) -> list[Any]:
    """The clocks a new ticket starts (module docstring; docs/domain.md §hotline)."""
    received_at = ticket.received_at
    targets = [("handover_to_manager", by)]
    if ticket.needs_on_site:
        targets.append(("dispatch_submission", by))
    if ticket.kind == TicketKind.COMPLAINT:
        targets.append(("acknowledge", ticket.assignee))
    started = []
    for target, assignee in targets:
        # Just created: no timer to look for first (timer_start's ``new_subject``).
        timer = timer_start(
            subject=ticket,
            target=target,
            started_at=received_at,
            assignee=assignee,
            new_subject=True,
        )
        if timer is not None:
            started.append(timer)
    return started


def _intake_route(ticket: Ticket, result: Any) -> Ticket:
    """Never refused (docs/domain.md §entitlement.never-refuse): undetermined goes to the
    arbiter, out of scope to the sales manager."""
    if result.result == EntitlementResult.UNDETERMINED:
        ticket = transition_run(instance=ticket, name="refer_scope", by=None, reason=result.code)
        notifications_create(
            recipients=_role_members(Role.DIRECTOR) + _role_members(Role.TECH_MANAGER),
            kind="scope_review",
            title=_("Is this in scope? %(number)s") % {"number": ticket.number},
            body=result.reason,
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    elif result.result == EntitlementResult.OUT_OF_SCOPE:
        ticket = transition_run(
            instance=ticket, name="refer_commercial", by=None, reason=result.code
        )
        _notify_sales(ticket, result.reason)
    return ticket


#: The contracts service's field names → the intake's.
CALLER_FIELDS = {"name": "caller_company", "contact_name": "caller_name", "phone": "caller_phone"}


def _register_caller(*, by: User | None, company: str, name: str, phone: str) -> Customer:
    if by is None or not by.has_perm("tickets.add_ticket"):
        raise NotPermitted(_("You may not perform this action."))
    try:
        return customer_register_caller(by=by, name=company, contact_name=name, phone=phone)
    except ApplicationError as exc:
        if not exc.extra:
            raise
        raise ApplicationError(
            exc.message, extra={CALLER_FIELDS.get(k, k): v for k, v in exc.extra.items()}
        ) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _notify_sales(ticket: Ticket, reason: str) -> None:
    """The sales manager negotiates; after the free period the company heads hear of it too
    (docs/domain.md §contract.period-end: "将把该服务请求转告公司负责人和销售经理")."""
    manager = _sales_manager(ticket)
    recipients = [manager] if manager else _role_members(Role.SALES_MANAGER)
    if ticket.entitlement_code == "expired":
        recipients += _role_members(Role.DIRECTOR)
    notifications_create(
        recipients=recipients,
        kind="commercial_review",
        title=_("Charge decision needed: %(customer)s %(number)s")
        % {"customer": ticket.customer, "number": ticket.number},
        body=reason,
        url=ticket.get_absolute_url(),
        target=ticket,
    )


def _meet(ticket: Ticket, *targets: str) -> None:
    for target in targets:
        timer_meet(subject=ticket, target=target)


def ticket_answer(
    ticket: Ticket,
    *,
    by: User,
    problem: str,
    cause: str,
    solution: str,
    steps: str,
    precautions: str = "",
) -> Ticket:
    """Solved on the phone (docs/domain.md §hotline.close): record problem, cause, solution
    and steps, and the precautions told to the caller with the cause
    ("对于能解决的问题要告知用户预防措施与问题发生的原因"); they print on the hotline record."""
    fields = {
        "problem": problem,
        "cause": cause,
        "solution": solution,
        "steps": steps,
        "precautions": precautions,
    }
    raise_field_errors(
        {k: [_("This field is required.")] for k, v in fields.items() if not (v or "").strip()}
    )
    with transaction.atomic():
        ticket = transition_run(
            instance=ticket,
            name="answer",
            by=by,
            kwargs={"at": timezone.now()},
            values={k: v.strip() for k, v in fields.items()},
            update_fields=["answered_at"],
        )
        _meet(ticket, "callback", "reply", "handover_to_manager", "acknowledge")
        timer_cancel(subject=ticket, target="dispatch_submission")
    return ticket


def ticket_shelve(ticket: Ticket, *, by: User, reason: str) -> Ticket:
    """Put the call on hold to consult: call back within 1 hour, reply within 3 working
    hours (docs/domain.md §hotline.shelve)."""
    raise_field_errors({} if (reason or "").strip() else {"reason": [_("Why is it shelved?")]})
    with transaction.atomic():
        ticket = transition_run(
            instance=ticket,
            name="shelve",
            by=by,
            kwargs={"reason": reason.strip()},
            update_fields=["shelve_reason"],
        )
        now = timezone.now()
        timer_start(subject=ticket, target="callback", started_at=now, assignee=ticket.assignee)
        timer_start(subject=ticket, target="reply", started_at=now, assignee=ticket.assignee)
    return ticket


def ticket_call_back(ticket: Ticket, *, by: User, note: str) -> Ticket:
    raise_field_errors(
        {} if (note or "").strip() else {"note": [_("What did you tell the customer?")]}
    )
    with transaction.atomic():
        ticket = transition_run(
            instance=ticket, name="call_back", by=by, event_data={"note": note.strip()[:500]}
        )
        TicketNote.objects.create(ticket=ticket, author=by, text=note.strip())
        _meet(ticket, "callback")
    return ticket


def ticket_request_dispatch(ticket: Ticket, *, by: User, notes: str) -> Ticket:
    """Submit to the service manager for an on-site visit (the field-service app turns the
    request into a dispatch when it hears ``ticket.dispatch_requested``)."""
    raise_field_errors(
        {}
        if (notes or "").strip()
        else {"notes": [_("Tell the field engineer what they must know.")]}
    )
    with transaction.atomic():
        ticket = transition_run(
            instance=ticket,
            name="request_dispatch",
            by=by,
            kwargs={"notes": notes.strip()},
            update_fields=["dispatch_notes"],
        )
        timer_start(
            subject=ticket, target="dispatch_submission", started_at=ticket.received_at, assignee=by
        )
        _meet(ticket, "dispatch_submission", "reply", "handover_to_manager", "acknowledge")
        event_record(
            kind="ticket.dispatch_requested",
            target=ticket,
            actor=by,
            data={
                "ticket": ticket.pk,
                "customer": ticket.customer_id,
                "contract": ticket.contract_id,
                "service_type": ticket.service_type,
                "notes": ticket.dispatch_notes,
            },
        )
        notifications_create(
            recipients=_role_members(Role.SERVICE_MANAGER),
            kind="dispatch_requested",
            title=_("On-site visit requested: %(customer)s") % {"customer": ticket.customer},
            body=ticket.dispatch_notes[:500],
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    return ticket


def ticket_mark_dispatched(
    ticket: Ticket, *, by: User | None = None, if_waiting: bool = False
) -> Ticket:
    """A dispatch was verified: the ticket waiting for it becomes ``dispatched``.

    The ticket decides, under its own row lock, whether it can move: from any state but
    ``dispatch_requested`` ``transition_run`` refuses in words (``TransitionConflict``).
    ``if_waiting=True`` (field service verifying a dispatch, a follow-up's ticket already
    dispatched) leaves a ticket that is not waiting for a visit as it is
    (docs/architecture.md §apps.events, case 2: the owner checks its own state)."""
    with transaction.atomic():
        if if_waiting:
            ticket = lock(ticket)
            if ticket.state != TicketState.DISPATCH_REQUESTED:
                return ticket
        return transition_run(instance=ticket, name="dispatch", by=by)


def ticket_mark_resolved(
    ticket: Ticket, *, by: User | None = None, if_dispatched: bool = False, **resolution: str
) -> Ticket:
    """The dispatch (or the defect) solved the problem: copy its resolution onto the ticket.

    The ticket decides, under its own row lock, whether it can move: from any state but
    ``dispatched`` ``transition_run`` refuses in words (``TransitionConflict``).
    ``if_dispatched=True`` (another app's step that solved the problem) leaves a ticket no
    longer waiting on the visit as it is (docs/architecture.md §apps.events, case 2)."""
    with transaction.atomic():
        if if_dispatched:
            ticket = lock(ticket)
            if ticket.state != TicketState.DISPATCHED:
                return ticket
        names = ("problem", "cause", "solution", "steps", "precautions")
        fields = [k for k in names if resolution.get(k)]
        return transition_run(
            instance=ticket, name="resolve", by=by, values={k: resolution[k] for k in fields}
        )


def ticket_scope_decide(ticket: Ticket, *, by: User, in_scope: bool, note: str = "") -> Ticket:
    """The designated arbiter decides (docs/domain.md §hotline.scope)."""
    with transaction.atomic():
        name = "confirm_in_scope" if in_scope else "confirm_out_of_scope"
        ticket = transition_run(
            instance=ticket,
            name=name,
            by=by,
            kwargs={"note": note},
            update_fields=["scope_decision", "scope_note"],
        )
        if not in_scope:
            _notify_sales(ticket, note or ticket.entitlement_reason)
    return ticket


def ticket_commercial_decide(
    ticket: Ticket, *, by: User, decision: str, amount: Decimal | None = None, note: str = ""
) -> Ticket:
    """The sales manager's decision (docs/domain.md §hotline.commercial): charge agreed or waived →
    back to work; declined by the customer → closed with their decision recorded."""
    errors: dict[str, list[str]] = {}
    if decision not in NEGOTIATED:
        errors["decision"] = [_("Choose charge agreed, waived or declined.")]
    if decision == CommercialDecision.CHARGE_AGREED and (amount is None or amount < 0):
        errors["amount"] = [_("Enter the charge agreed with the customer.")]
    if decision == CommercialDecision.DECLINED and not (note or "").strip():
        errors["note"] = [_("Record the customer's decision.")]
    raise_field_errors(errors)
    with transaction.atomic():
        fields = ["commercial_decision", "agreed_charge", "commercial_note"]
        if decision == CommercialDecision.CHARGE_AGREED:
            ticket = transition_run(
                instance=ticket,
                name="agree_charge",
                by=by,
                kwargs={"amount": amount, "note": note},
                update_fields=fields,
            )
        elif decision == CommercialDecision.WAIVED:
            ticket = transition_run(
                instance=ticket,
                name="waive_charge",
                by=by,
                kwargs={"note": note},
                update_fields=fields,
            )
        else:
            ticket = transition_run(
                instance=ticket,
                name="decline",
                by=by,
                kwargs={"note": note, "at": timezone.now()},
                update_fields=[*fields, "closed_at"],
            )
            timers_cancel_all(subject=ticket)
        notifications_create(
            recipients=[ticket.assignee, ticket.first_contact_owner],
            kind="commercial_decision",
            title=_("%(number)s: %(decision)s")
            % {"number": ticket.number, "decision": ticket.get_commercial_decision_display()},
            body=note,
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    return ticket


def service_owners() -> list[Any]:
    """Who a signed special arrangement is handed to: the designated arbiter of service
    requests (docs/domain.md §hotline.scope, §hotline.special-plan: one person), i.e. the active
    staff who decide scope, technical managers first."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    perm = Permission.objects.get(codename="decide_scope", content_type__app_label="tickets")
    users = (
        get_user_model()
        .objects.filter(Q(groups__permissions=perm) | Q(user_permissions=perm), is_active=True)
        .distinct()
    )
    tech = {u.pk for u in users_in_roles(Role.TECH_MANAGER)}
    return sorted(users, key=lambda u: (u.pk not in tech, u.last_name, u.first_name, u.pk))


def ticket_special_plan_write(ticket: Ticket, *, by: User, plan: str) -> Ticket:
    """The sales manager writes the special arrangement the negotiation needs (docs/domain.md
    §hotline.special-plan: 由销售经理和销售部门负责人制定方案); it is then printed and signed
    by him and the head of sales. The text can change until someone signs it."""
    if not (plan or "").strip():
        raise_field_errors({"plan": [_("Write the special arrangement.")]})
    with transaction.atomic():
        first = not (ticket.special_plan or "").strip()
        ticket = transition_run(
            instance=ticket,
            name="write_special_plan",
            by=by,
            kwargs={"plan": plan.strip()},
            update_fields=["special_plan"],
            event_data={"note": plan.strip()[:500]},
        )
        recipients = [u for u in _role_members(Role.DIRECTOR) if u.pk != getattr(by, "pk", None)]
        manager = _sales_manager(ticket)
        if manager is not None and manager.pk != getattr(by, "pk", None):
            recipients.append(manager)
        notifications_create(
            recipients=recipients,
            kind="special_plan_to_sign",
            title=(
                _("Special arrangement to sign: %(number)s")
                if first
                else _("Special arrangement changed, to sign: %(number)s")
            )
            % {"number": ticket.number},
            body=ticket.special_plan[:500],
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    return ticket


def ticket_special_plan_hand_over(
    ticket: Ticket, *, by: User, owner: User | None, note: str = ""
) -> Ticket:
    """Hand the signed special arrangement to the service owner (docs/domain.md
    §hotline.special-plan: 确定后的方案由销售经理签字和销售部负责人签字后转给侯福龙进行处理); the
    ticket goes back to work and the engineers are told. Refused (409, with what is missing)
    until both have signed."""
    if owner is None or owner.pk not in {u.pk for u in service_owners()}:
        raise field_error("owner", _("Choose the service owner who handles it."))
    with transaction.atomic():
        ticket = transition_run(
            instance=ticket,
            name="hand_over_special_plan",
            by=by,
            kwargs={"owner": owner, "at": timezone.now(), "note": (note or "").strip()},
            update_fields=[
                "commercial_decision",
                "special_plan_owner",
                "special_plan_handed_at",
                "commercial_note",
            ],
            event_data={"owner": owner.pk, "note": (note or "").strip()[:500]},
        )
        people = {u.pk: u for u in (owner, ticket.assignee, ticket.first_contact_owner)}
        notifications_create(
            recipients=list(people.values()),
            kind="special_plan_handed_over",
            title=_("Signed special arrangement to carry out: %(number)s %(customer)s")
            % {"number": ticket.number, "customer": ticket.customer},
            body=ticket.special_plan[:500],
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    return ticket


def ticket_close(ticket: Ticket, *, by: User) -> Ticket:
    if not all(
        (getattr(ticket, f) or "").strip() for f in ("problem", "cause", "solution", "steps")
    ):
        raise_field_errors(
            {
                f: [_("Required before closing.")]
                for f in ("problem", "cause", "solution", "steps")
                if not (getattr(ticket, f) or "").strip()
            }
        )
    with transaction.atomic():
        ticket = transition_run(
            instance=ticket,
            name="close",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["closed_at"],
        )
        _meet(ticket, "handover_to_manager", "acknowledge", "reply", "callback")
        timers_cancel_all(subject=ticket)
    return ticket


def ticket_transfer(
    ticket: Ticket, *, by: User, to: User | None, note: str = "", expected_assignee: Any = AS_LOADED
) -> Ticket:
    """Hand the work to another engineer; the first-contact owner stays (首问责任制).

    Under the row lock the ticket must still be with ``expected_assignee`` (the one the
    user saw; by default the one ``ticket`` was loaded with): of two transfers at once the
    second gets a conflict (409) instead of silently undoing the first."""
    if to is None or not to.is_active:
        raise field_error("to", _("Choose an active engineer."))
    if ticket.state == TicketState.CLOSED:
        raise_field_errors({"non_field_errors": [_("A closed ticket cannot be transferred.")]})
    if expected_assignee is AS_LOADED:
        expected_assignee = ticket.assignee_id
    with transaction.atomic():
        ticket = lock(ticket, expected={"assignee": expected_assignee})
        previous = ticket.assignee
        ticket.assignee = to
        history_user(ticket, by)
        history_reason(ticket, "transfer")
        ticket.save(update_fields=["assignee"])
        from servicedesk.core.models import SlaTimer

        SlaTimer.objects.for_subject(ticket).open().filter(assignee=previous).update(assignee=to)
        if note.strip():
            TicketNote.objects.create(ticket=ticket, author=by, text=note.strip())
        event_record(
            kind="ticket.transfer",
            target=ticket,
            actor=by,
            data={"from": previous.pk, "to": to.pk, "note": note[:300]},
        )
        notifications_create(
            recipients=[to],
            kind="ticket_transfer",
            title=_("Ticket transferred to you: %(number)s") % {"number": ticket.number},
            body=note,
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    return ticket


def ticket_handover_to_manager(ticket: Ticket, *, by: User, note: str = "") -> Ticket:
    """Unresolved at day's end: to the service manager (docs/domain.md §hotline.handover)."""
    with transaction.atomic():
        _meet(ticket, "handover_to_manager")
        TicketNote.objects.create(
            ticket=ticket, author=by, text=note.strip() or _("Handed over to the service manager.")
        )
        event_record(
            kind="ticket.handover_to_manager", target=ticket, actor=by, data={"note": note[:300]}
        )
        notifications_create(
            recipients=_role_members(Role.SERVICE_MANAGER),
            kind="handover_to_manager",
            title=_("Unresolved today: %(number)s %(customer)s")
            % {"number": ticket.number, "customer": ticket.customer},
            body=note,
            url=ticket.get_absolute_url(),
            target=ticket,
        )
    return ticket


def ticket_add_note(ticket: Ticket, *, by: User, text: str) -> TicketNote:
    raise_field_errors({} if (text or "").strip() else {"text": [_("Write the note.")]})
    note = TicketNote(ticket=ticket, author=by, text=text.strip())
    history_user(note, by)
    note.save()
    return note
