"""Dispatches: creation (from a hotline ticket, by a manager, as a follow-up), one service
per transition (docs/domain.md §dispatch), and its timers.

Timers: ``verification`` and ``assignment`` from the moment the request is made (system
down: within one working hour on the contract's calendar; otherwise before the next
working day starts), met when the service manager verifies and first assigns it;
``arrival`` (due at the appointed time; met by the check-in), ``write_off`` (the
form handed in before the next working day starts after completion) and ``follow_up``
(the follow-up call within 2 working days, docs/domain.md §dispatch.follow-up: 回公司后1-2天内
用电话或邮件回访客户), which is met when the post-visit revisit is recorded.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.entitlement import entitlement_check
from contracts.models import Contract, Customer
from servicedesk.core import worktime
from servicedesk.core.calendars import calendar_for_service_level, calendar_spec
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import (
    ApplicationError,
    TransitionConflict,
    field_error,
    raise_field_errors,
)
from servicedesk.core.models import Signature, WorkCalendar
from servicedesk.core.selectors import signatures_for, users_in_roles
from servicedesk.core.services import (
    event_record,
    notifications_create,
    signature_record,
    transition_run,
)
from servicedesk.core.services.history import history_reason, history_user, save_with_history
from servicedesk.core.services.timers import (
    timer_cancel,
    timer_meet,
    timer_start,
    timers_cancel_all,
)
from servicedesk.core.services.transitions import AS_LOADED, lock

from ..choices import (
    BUSY_STATES,
    SOFTWARE_KINDS,
    DispatchKind,
    DispatchSeverity,
    DispatchSource,
    DispatchState,
    LeadKind,
    NextStep,
    Outcome,
    PartUsageKind,
)
from ..models import (
    Dispatch,
    DispatchReschedule,
    Engineer,
    EngineerLeave,
    SalesLead,
    SparePartUsage,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User

SERVICE_REPORT = "service_report"
CUSTOMER_ROLE = "customer"
ENGINEER_ROLE = "engineer"
APPOINTMENT_SKEW = dt.timedelta(minutes=5)
REPORT_FIELDS = ("outcome", "cause", "solution", "steps", "precautions")
KIND_SERVICE_TYPE = {kind: kind for kind in DispatchKind.values}
#: The request's clocks, started when it is made (docs/domain.md §dispatch.request-clock).
REQUEST_TARGETS = ("verification", "assignment")


def _text(value: Any) -> str:
    return (
        (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value))
    )


def _managers() -> list[Any]:
    return list(users_in_roles(Role.SERVICE_MANAGER))


def _sales_manager(dispatch: Dispatch) -> list[Any]:
    if dispatch.contract is not None and dispatch.contract.sales_manager_id:
        return [dispatch.contract.sales_manager]
    if dispatch.customer.sales_manager_id:
        return [dispatch.customer.sales_manager]
    return list(users_in_roles(Role.SALES_MANAGER))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# -- creation ---------------------------------------------------------------------------


def dispatch_create(
    *,
    by: User | None,
    customer: Customer | None,
    problem: str,
    site_address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    kind: str = DispatchKind.REPAIR,
    severity: str = DispatchSeverity.NORMAL,
    contract: Contract | None = None,
    ticket: Any = None,
    follow_up_of: Dispatch | None = None,
    source: str = DispatchSource.MANAGER,
    product: str = "",
    notes: str = "",
    required_skills: str = "",
    software_work: bool | None = None,
    due_from: dt.datetime | None = None,
    due_by: dt.datetime | None = None,
    planned_minutes: int = 120,
) -> Dispatch:
    """A new dispatch in ``requested``, with the entitlement of the visit decided at once
    (an out-of-scope visit shows its charge). Site and contact default to the customer's
    address and main contact. Its clocks start now: verified and assigned in time for its
    severity."""
    raise_field_errors(
        _create_errors(
            customer=customer,
            kind=kind,
            severity=severity,
            problem=problem,
            contract=contract,
            due_from=due_from,
            due_by=due_by,
        )
    )
    assert customer is not None  # refused above
    site = _site_and_contact(customer, site_address, contact_name, contact_phone)
    now = timezone.now()
    service_type = KIND_SERVICE_TYPE[kind]
    result = entitlement_check(
        customer=customer, service_type=service_type, on=now, contract=contract
    )
    with transaction.atomic():
        dispatch = Dispatch(
            number=uuid.uuid4().hex[:20],
            kind=kind,
            severity=severity,
            source=source,
            ticket=ticket,
            follow_up_of=follow_up_of,
            customer=customer,
            contract=contract or result.contract,
            service_type=service_type,
            **_entitlement_fields(result),
            **site,
            product=_text(product)[:100],
            problem=_text(problem),
            notes=_text(notes),
            required_skills=_text(required_skills)[:200],
            software_work=(kind in SOFTWARE_KINDS) if software_work is None else software_work,
            due_from=due_from,
            due_by=due_by,
            planned_minutes=planned_minutes,
            created_by=_user_or_none(by),
            created_at=now,
        )
        _numbered_save(dispatch, by=by, now=now)
        event_record(
            kind="dispatch.created",
            target=dispatch,
            actor=by,
            data={
                "source": source,
                "ticket": ticket.pk if ticket is not None else None,
                "follow_up_of": follow_up_of.pk if follow_up_of is not None else None,
                "entitlement": result.result,
                "severity": severity,
            },
        )
        for target in REQUEST_TARGETS:
            timer_start(subject=dispatch, target=target, started_at=now)
        # The hotline already told the service managers of its request; a follow-up is
        # created by the manager who wrote the first visit off.
        if source not in (DispatchSource.FOLLOW_UP, DispatchSource.TICKET):
            _managers_tell_requested(dispatch)
    return dispatch


def _create_errors(
    *,
    customer: Customer | None,
    kind: str,
    severity: str,
    problem: str,
    contract: Contract | None,
    due_from: dt.datetime | None,
    due_by: dt.datetime | None,
) -> dict[str, list[str]]:
    """What is wrong with a new dispatch's input, field by field."""
    errors: dict[str, list[str]] = {}
    if customer is None:
        errors["customer"] = [_("Choose the customer.")]
    if kind not in DispatchKind.values:
        errors["kind"] = [_("Choose a valid kind of dispatch.")]
    if severity not in DispatchSeverity.values:
        errors["severity"] = [_("Choose normal or system down.")]
    if not _text(problem):
        errors["problem"] = [_("Describe the problem the engineer goes for.")]
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    if due_from and due_by and due_by < due_from:
        errors["due_by"] = [_("The window must end after it starts.")]
    return errors


def _site_and_contact(
    customer: Customer, site_address: str, contact_name: str, contact_phone: str
) -> dict[str, str]:
    """Where the engineer goes and whom they meet: as given, else the customer's address
    and main contact; refused when still unknown."""
    contact = customer.contacts.order_by("-is_primary", "pk").first()
    site_address = _text(site_address) or customer.address
    contact_name = _text(contact_name) or (contact.name if contact else "")
    contact_phone = _text(contact_phone) or (
        (contact.mobile or contact.phone) if contact else customer.phone
    )
    errors: dict[str, list[str]] = {}
    if not site_address:
        errors["site_address"] = [_("Where must the engineer go?")]
    if not contact_name:
        errors["contact_name"] = [_("Whom does the engineer meet on site?")]
    if not contact_phone:
        errors["contact_phone"] = [_("The site contact's phone number.")]
    raise_field_errors(errors)
    return {
        "site_address": site_address[:300],
        "contact_name": contact_name[:60],
        "contact_phone": contact_phone[:30],
    }


def _entitlement_fields(result: Any) -> dict[str, Any]:
    """The entitlement decided for the visit; an out-of-scope visit shows its charge."""
    charge = result.as_dict()["charge"]
    return {
        "entitlement": result.result,
        "entitlement_reason": result.reason[:300],
        "entitlement_code": result.code,
        "charge": _jsonable(charge),
        "service_fee": Decimal(str(charge["price"])) if charge and result.routes_to_sales else None,
    }


def _user_or_none(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _numbered_save(dispatch: Dispatch, *, by: Any, now: dt.datetime) -> None:
    """Save the new dispatch, then number it by its day and primary key."""
    if getattr(by, "is_authenticated", False):
        history_user(dispatch, by)
    history_reason(dispatch, "created")
    dispatch.save()
    local = timezone.localtime(now)
    dispatch.number = f"PG{local:%Y%m%d}-{dispatch.pk:05d}"
    dispatch.save(update_fields=["number"])


def _managers_tell_requested(dispatch: Dispatch) -> None:
    notifications_create(
        recipients=_managers(),
        kind="dispatch_requested",
        title=_("Dispatch to verify: %(number)s %(customer)s")
        % {"number": dispatch.number, "customer": dispatch.customer},
        body=dispatch.problem[:500],
        url=dispatch.get_absolute_url(),
        target=dispatch,
    )


def dispatch_from_ticket(*, ticket: Any, by: User) -> Dispatch | None:
    """The hotline asked for an on-site visit (``ticket.dispatch_requested``): the
    dispatch starts as the hotline recorded it, in ``requested``."""
    if ticket.customer_id is None:
        return None
    existing = ticket.dispatches.filter(
        state__in=[DispatchState.REQUESTED, DispatchState.VERIFIED, *BUSY_STATES]
    ).first()
    if existing is not None:
        return existing
    customer = ticket.customer
    kind = (
        ticket.service_type if ticket.service_type in DispatchKind.values else DispatchKind.REPAIR
    )
    return dispatch_create(
        by=by,
        customer=customer,
        contract=ticket.contract,
        ticket=ticket,
        source=DispatchSource.TICKET,
        kind=kind,
        severity=(
            ticket.severity
            if ticket.severity in DispatchSeverity.values
            else DispatchSeverity.NORMAL
        ),
        problem=ticket.description,
        notes=ticket.dispatch_notes,
        product=ticket.product,
        site_address=customer.address or ticket.caller_company,
        contact_name=ticket.caller_name,
        contact_phone=ticket.caller_phone,
    )


# -- verify / assign -------------------------------------------------------------------


def dispatch_verify(dispatch: Dispatch, *, by: User) -> Dispatch:
    """The service manager checked the request (核实现场服务请求记录); the ticket becomes
    ``dispatched`` when it is waiting for the visit (tickets' service decides,
    docs/architecture.md §apps.events)."""
    from tickets.services import ticket_mark_dispatched

    with transaction.atomic():
        dispatch = transition_run(
            instance=dispatch,
            name="verify",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["verified_at"],
        )
        timer_meet(subject=dispatch, target="verification")
        if dispatch.ticket is not None:
            ticket_mark_dispatched(dispatch.ticket, by=by, if_waiting=True)
    return dispatch


def engineer_conflicts(
    *,
    engineer: Engineer,
    start: dt.datetime | None,
    minutes: int,
    exclude: Dispatch | None = None,
) -> list[str]:
    """Why ``engineer`` cannot take a visit at ``start`` for ``minutes`` (empty: free)."""
    problems: list[str] = []
    day = timezone.localdate(start) if start else timezone.localdate()
    name = str(engineer)
    if not engineer.active or not engineer.user.is_active:
        problems.append(_("%(name)s is not active.") % {"name": name})
    if not engineer.is_certified(day):
        if engineer.certified_on is None or engineer.certified_on > day:
            problems.append(_("%(name)s has not passed certification.") % {"name": name})
        else:
            problems.append(
                _("%(name)s's certification expired on %(date)s.")
                % {"name": name, "date": engineer.certification_expires_on}
            )
    if start is None:
        return problems
    leave = (
        EngineerLeave.objects.filter(engineer=engineer, starts_on__lte=day, ends_on__gte=day)
        .order_by("starts_on")
        .first()
    )
    if leave is not None:
        problems.append(
            _("%(name)s is on leave from %(start)s to %(end)s.")
            % {"name": name, "start": leave.starts_on, "end": leave.ends_on}
        )
    end = start + dt.timedelta(minutes=minutes)
    others = Dispatch.objects.filter(engineer=engineer, state__in=BUSY_STATES).exclude(
        pk=exclude.pk if exclude else None
    )
    window = dt.timedelta(days=1)
    for other in others.filter(models_q_slot(start - window, end + window)).only(
        "number", "appointment_at", "planned_start", "planned_minutes"
    ):
        o_start, o_end = other.slot_start, other.slot_end
        if o_start is not None and o_start < end and start < o_end:
            problems.append(
                _("%(name)s already has %(number)s from %(start)s to %(end)s.")
                % {
                    "name": name,
                    "number": other.number,
                    "start": timezone.localtime(o_start).strftime("%m-%d %H:%M"),
                    "end": timezone.localtime(o_end).strftime("%H:%M"),
                }
            )
    return problems


def models_q_slot(start: dt.datetime, end: dt.datetime):
    from django.db.models import Q

    return Q(appointment_at__gte=start, appointment_at__lt=end) | Q(
        appointment_at__isnull=True, planned_start__gte=start, planned_start__lt=end
    )


def _default_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def dispatch_assign(
    dispatch: Dispatch,
    *,
    by: User,
    engineer: Engineer | None,
    planned_start: dt.datetime | dt.date | None = None,
    planned_minutes: int | None = None,
    expected_engineer: Engineer | int | Any | None = AS_LOADED,
) -> Dispatch:
    """Assign (or reassign before the appointment) to a certified, active engineer who is
    not on leave and has no overlapping visit; otherwise refused with the reason.

    The engineer's row is locked, so two managers cannot both book the same slot. A
    reassignment is a real lock: under the dispatch's row lock the current engineer must
    still be ``expected_engineer`` (the one the manager saw; by default the one
    ``dispatch`` was loaded with), so of two managers reassigning the same dispatch at
    once the second gets a conflict (409) and nobody is told a visit is theirs that is not.
    """
    if engineer is None:
        raise field_error("engineer", _("Choose the engineer."))
    if isinstance(planned_start, dt.date) and not isinstance(planned_start, dt.datetime):
        planned_start = _default_start(planned_start)
    minutes = planned_minutes or dispatch.planned_minutes
    if not 15 <= minutes <= 24 * 60:
        raise_field_errors({"planned_minutes": [_("Between 15 minutes and 24 hours.")]})
    if expected_engineer is AS_LOADED:
        expected_engineer = dispatch.engineer_id
    with transaction.atomic():
        engineer = Engineer.objects.select_for_update().select_related("user").get(pk=engineer.pk)
        start = planned_start or dispatch.appointment_at or dispatch.planned_start
        problems = engineer_conflicts(
            engineer=engineer, start=start, minutes=minutes, exclude=dispatch
        )
        if problems:
            raise ApplicationError(" ".join(problems), extra={"engineer": problems})
        dispatch = _stage(
            dispatch,
            expected={"engineer": expected_engineer},
            engineer=engineer,
            planned_start=start,
            planned_minutes=minutes,
        )
        previous = (
            Engineer.objects.select_related("user")
            # An Engineer or its id; None (nobody was assigned) matches no row.
            .filter(pk=getattr(expected_engineer, "pk", expected_engineer))  # type: ignore[misc]
            .first()
        )
        dispatch = transition_run(
            instance=dispatch,
            name="assign",
            by=by,
            kwargs={
                "at": timezone.now(),
                "by": by if getattr(by, "is_authenticated", False) else None,
            },
            update_fields=["assigned_at", "assigned_by", "confirmed_at"],
            event_data={"engineer": engineer.pk, "previous": previous.pk if previous else None},
        )
        timer_meet(subject=dispatch, target="assignment")
        notifications_create(
            recipients=[engineer.user],
            kind="dispatch_assigned",
            title=_("New dispatch: %(number)s %(customer)s")
            % {"number": dispatch.number, "customer": dispatch.customer},
            body=dispatch.problem[:500],
            url=dispatch.get_absolute_url(),
            target=dispatch,
        )
        if previous is not None and previous.pk != engineer.pk:
            notifications_create(
                recipients=[previous.user],
                kind="dispatch_reassigned",
                title=_("%(number)s was reassigned to %(engineer)s")
                % {"number": dispatch.number, "engineer": engineer},
                body=_("You no longer go to %(customer)s for this visit.")
                % {"customer": dispatch.customer},
                url=dispatch.get_absolute_url(),
                target=dispatch,
            )
    return dispatch


# -- the engineer's steps ---------------------------------------------------------------


def dispatch_confirm(dispatch: Dispatch, *, by: User) -> Dispatch:
    """The engineer checked the form's information (确认服务派发单上的信息与资料)."""
    with transaction.atomic():
        return transition_run(
            instance=dispatch,
            name="confirm",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["confirmed_at"],
        )


def _check_appointment(dispatch: Dispatch, appointment_at: Any) -> dt.datetime:
    if not isinstance(appointment_at, dt.datetime):
        raise_field_errors(
            {"appointment_at": [_("Enter the date and time agreed with the customer.")]}
        )
    if timezone.is_naive(appointment_at):
        appointment_at = timezone.make_aware(appointment_at)
    if appointment_at < timezone.now() - APPOINTMENT_SKEW:
        raise_field_errors({"appointment_at": [_("The appointment cannot be in the past.")]})
    return appointment_at


def service_calendar(dispatch: Dispatch) -> WorkCalendar:
    """The calendar of the contract's service level (5×8 by default, 7×24 …)."""
    return calendar_for_service_level(
        dispatch.contract.service_level if dispatch.contract is not None else ""
    )


def appointment_in_service_hours(dispatch: Dispatch, at: dt.datetime) -> bool:
    return worktime.is_working_time(calendar_spec(service_calendar(dispatch)), at)


def _out_of_hours_reason(dispatch: Dispatch, at: dt.datetime, reason: str) -> str:
    """An appointment outside the contract's service hours needs a reason (a customer who
    buys 5×8 is not visited on Sunday at 03:00 without one); inside them none is kept."""
    if appointment_in_service_hours(dispatch, at):
        return ""
    reason = _text(reason)
    if not reason:
        if dispatch.contract is not None and dispatch.contract.service_level:
            message = _(
                "The contract's service level is %(level)s and %(when)s is outside "
                "its service hours: give the reason, e.g. the customer asked for it."
            ) % {"when": _when(at), "level": dispatch.contract.get_service_level_display()}
        else:  # no contract behind the visit: the office calendar's hours apply
            message = _(
                "Without a contract the service hours are those of %(calendar)s, and "
                "%(when)s is outside them: give the reason, e.g. the customer asked for it."
            ) % {"when": _when(at), "calendar": service_calendar(dispatch)}
        raise_field_errors({"out_of_hours_reason": [message]})
    return reason[:300]


def _when(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "—"


def _plan_owners(dispatch: Dispatch) -> list[Any]:
    return [dispatch.assigned_by] if dispatch.assigned_by_id else _managers()


def _notify_plan_changed(dispatch: Dispatch, *, at: dt.datetime, reason: str) -> None:
    notifications_create(
        recipients=_plan_owners(dispatch),
        kind="dispatch_plan_changed",
        title=_("%(number)s: appointment %(when)s differs from your plan (%(planned)s)")
        % {
            "number": dispatch.number,
            "when": _when(at),
            "planned": _when(dispatch.planned_start),
        },
        body=reason,
        url=dispatch.get_absolute_url(),
        target=dispatch,
    )


def dispatch_schedule(
    dispatch: Dispatch,
    *,
    by: User,
    appointment_at: dt.datetime,
    note: str = "",
    out_of_hours_reason: str = "",
) -> Dispatch:
    """The time agreed with the customer (预约); starts the ``arrival`` timer, due then.

    Outside the contract's service hours it needs a reason; a time outside the slot the
    manager planned is kept (the plan is not overwritten) and the manager is told. The
    first appointment stays on the dispatch as the first promise."""
    appointment_at = _check_appointment(dispatch, appointment_at)
    out_of_hours_reason = _out_of_hours_reason(dispatch, appointment_at, out_of_hours_reason)
    with transaction.atomic():
        if dispatch.engineer_id:
            engineer = (
                Engineer.objects.select_for_update()
                .select_related("user")
                .get(pk=dispatch.engineer_id)
            )
            problems = engineer_conflicts(
                engineer=engineer,
                start=appointment_at,
                minutes=dispatch.planned_minutes,
                exclude=dispatch,
            )
            if problems:
                raise ApplicationError(" ".join(problems), extra={"appointment_at": problems})
        dispatch = _stage(
            dispatch,
            appointment_at=appointment_at,
            appointment_note=_text(note)[:200],
            out_of_hours_reason=out_of_hours_reason,
        )
        differs = dispatch.differs_from_plan(appointment_at)
        dispatch = transition_run(
            instance=dispatch,
            name="schedule",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=[
                "appointment_at",
                "appointment_note",
                "out_of_hours_reason",
                "scheduled_at",
                "first_appointment_at",
            ],
            event_data={
                "appointment_at": appointment_at.isoformat(),
                "out_of_hours_reason": out_of_hours_reason,
                "differs_from_plan": differs,
            },
        )
        timer_start(
            subject=dispatch,
            target="arrival",
            started_at=timezone.now(),
            due_at=appointment_at,
            assignee=cast(Engineer, dispatch.engineer).user,
        )
        if differs:
            _notify_plan_changed(
                dispatch,
                at=appointment_at,
                reason="\n".join(filter(None, [_text(note), out_of_hours_reason])),
            )
    return dispatch


def dispatch_reschedule(
    dispatch: Dispatch,
    *,
    by: User,
    appointment_at: dt.datetime,
    reason: str,
    customer_informed: bool = False,
    out_of_hours_reason: str = "",
) -> Dispatch:
    """A new time, before the appointed one, with the reason and the customer told in
    advance (docs/domain.md §dispatch.reschedule: 如遇特殊情况，提前告知用户并重新确定上门时间).
    Outside the service hours it needs its own reason; the service managers (and the manager who
    planned the visit) are told. Two reschedules at once: the second gets a conflict."""
    errors: dict[str, list[str]] = {}
    if not _text(reason):
        errors["reason"] = [_("Why does the appointment change?")]
    if not customer_informed:
        errors["customer_informed"] = [_("Tell the customer before changing the appointment.")]
    raise_field_errors(errors)
    appointment_at = _check_appointment(dispatch, appointment_at)
    if (
        dispatch.state == DispatchState.SCHEDULED
        and dispatch.appointment_at is not None
        and timezone.now() >= dispatch.appointment_at
    ):
        raise TransitionConflict(
            _("The appointed time has passed: it can no longer be rescheduled.")
        )
    out_of_hours_reason = _out_of_hours_reason(dispatch, appointment_at, out_of_hours_reason)
    with transaction.atomic():
        if dispatch.engineer_id:
            engineer = (
                Engineer.objects.select_for_update()
                .select_related("user")
                .get(pk=dispatch.engineer_id)
            )
            problems = engineer_conflicts(
                engineer=engineer,
                start=appointment_at,
                minutes=dispatch.planned_minutes,
                exclude=dispatch,
            )
            if problems:
                raise ApplicationError(" ".join(problems), extra={"appointment_at": problems})
        previous = dispatch.appointment_at
        # A self-transition (scheduled → scheduled): ``transition_run`` compares the
        # appointment under the row lock with the one this request loaded.
        dispatch = transition_run(
            instance=dispatch,
            name="reschedule",
            by=by,
            kwargs={"appointment_at": appointment_at},
            update_fields=["appointment_at", "reschedule_count"],
            reason=f"reschedule: {_text(reason)[:80]}",
            event_data={
                "from": previous.isoformat() if previous else None,
                "to": appointment_at.isoformat(),
                "reason": _text(reason)[:300],
                "out_of_hours_reason": out_of_hours_reason,
            },
        )
        DispatchReschedule.objects.create(
            dispatch=dispatch,
            previous_at=cast(dt.datetime, previous),  # scheduled: it had an appointment
            new_at=appointment_at,
            reason=_text(reason),
            out_of_hours_reason=out_of_hours_reason,
            customer_informed=True,
            by=by,
            at=timezone.now(),
        )
        timer_cancel(subject=dispatch, target="arrival")
        timer_start(
            subject=dispatch,
            target="arrival",
            started_at=timezone.now(),
            due_at=appointment_at,
            assignee=cast(Engineer, dispatch.engineer).user,
        )
        body = "\n".join(filter(None, [_text(reason), out_of_hours_reason]))
        if dispatch.differs_from_plan(appointment_at):
            body += "\n" + _("Planned by the manager: %(planned)s") % {
                "planned": _when(dispatch.planned_start)
            }
        recipients = _managers()
        recipients += [u for u in _plan_owners(dispatch) if u not in recipients]
        notifications_create(
            recipients=recipients,
            kind="dispatch_rescheduled",
            title=_("Appointment moved: %(number)s to %(when)s")
            % {"number": dispatch.number, "when": _when(appointment_at)},
            body=body,
            url=dispatch.get_absolute_url(),
            target=dispatch,
        )
    return dispatch


def dispatch_check_in(dispatch: Dispatch, *, by: User, at: dt.datetime | None = None) -> Dispatch:
    """On site: meets the ``arrival`` timer, or records its breach when late."""
    at = at or timezone.now()
    with transaction.atomic():
        dispatch = transition_run(
            instance=dispatch,
            name="check_in",
            by=by,
            kwargs={"at": at},
            update_fields=["checked_in_at"],
        )
        timer_meet(subject=dispatch, target="arrival", at=at)
    return dispatch


# -- the service report ------------------------------------------------------------------


def person_days_for(minutes: int) -> Decimal:
    """On-site time in person-days, by the half day (4 hours), at least half a day."""
    halves = max(1, math.ceil(minutes / 240))
    return Decimal(halves) / 2


def _report_values(
    *,
    dispatch: Dispatch,
    outcome: str,
    cause: str,
    solution: str,
    steps: str,
    precautions: str,
    backup_done: bool,
    backup_location: str,
    new_needs: str,
) -> dict[str, Any]:
    return {
        "outcome": outcome or "",
        "cause": _text(cause),
        "solution": _text(solution),
        "steps": _text(steps),
        "precautions": _text(precautions),
        "backup_done": bool(backup_done),
        "backup_location": _text(backup_location)[:300],
        "new_needs": _text(new_needs),
    }


def _report_errors(dispatch: Dispatch, values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if values["outcome"] not in Outcome.values:
        errors["outcome"] = [_("Choose solved, partially solved or unsolved.")]
    labels = {
        "cause": _("Record the cause of the problem."),
        "solution": _("Record the solution."),
        "steps": _("Record the steps taken."),
        "precautions": _("Record the precautions told to the customer."),
    }
    for name, message in labels.items():
        if not values[name]:
            errors[name] = [str(message)]
    if dispatch.software_work:
        if not values["backup_done"]:
            errors["backup_done"] = [_("Back up the customer's data before the work.")]
        if not values["backup_location"]:
            errors["backup_location"] = [
                _("Tell the customer where the backup is stored, and record it.")
            ]
    return errors


def dispatch_save_report(dispatch: Dispatch, *, by: User, **fields: Any) -> Dispatch:
    """Keep what the engineer typed so far (on site, before completion)."""
    allowed = {*REPORT_FIELDS, "backup_done", "backup_location", "new_needs"}
    unknown = set(fields) - allowed
    if unknown:
        raise_field_errors({name: [_("Unknown field.")] for name in sorted(unknown)})
    with transaction.atomic():
        dispatch = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if dispatch.state != DispatchState.ON_SITE:
            raise TransitionConflict(_("The report is written on site, after checking in."))
        if not dispatch.engineer or not (
            by.has_perm("fieldservice.manage_dispatch") or dispatch.engineer.user_id == by.pk
        ):
            from servicedesk.core.exceptions import NotPermitted

            raise NotPermitted(_("You may not perform this action."))
        changed = []
        for name, value in fields.items():
            value = bool(value) if name == "backup_done" else _text(value)
            if name == "outcome" and value and value not in Outcome.values:
                raise_field_errors({"outcome": [_("Choose solved, partially solved or unsolved.")]})
            if getattr(dispatch, name) != value:
                setattr(dispatch, name, value)
                changed.append(name)
        if changed:
            save_with_history(dispatch, by=by, reason="service report draft", fields=changed)
    return dispatch


def _stage(
    dispatch: Dispatch, *, expected: dict[str, Any] | None = None, **fields: Any
) -> Dispatch:
    """Set fields a transition's guard reads before the transition runs (``transition_run``
    checks the guards before it applies its ``values``). Locked, no history row of its
    own: the transition's row records them; a refused transition rolls them back.
    ``expected``: what the user acted on, compared under the lock (409 when changed)."""
    locked = lock(dispatch, expected=expected)
    if locked.state != dispatch.state:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    setattr(locked, "skip_history_when_saving", True)  # noqa: B010 - simple-history's flag
    try:
        locked.save(update_fields=list(fields))
    finally:
        delattr(locked, "skip_history_when_saving")
    return locked


def dispatch_sign(
    dispatch: Dispatch,
    *,
    by: User,
    signer_name: str = "",
    signer_role: str = CUSTOMER_ROLE,
    image: str | None = None,
    file: Any = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Signature:
    """A signature on the customer service report (drawn, or the signed scan uploaded):
    the customer's, with their name typed and ``by`` as witness, or the engineer's, made
    by the visit's engineer only (docs/domain.md §signatures.who). A customer's signature is
    linked to the dispatch here, in the same transaction (field service's own record); the
    ``form.signed`` subscriber links one made on the shared signing page, after it commits."""
    signature = signature_record(
        target=dispatch,
        form=SERVICE_REPORT,
        signer_name=signer_name,
        signer_role=signer_role,
        image=image,
        file=file,
        by=by,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    if signer_role == CUSTOMER_ROLE:
        dispatch_link_signature(dispatch, signature=signature, by=by)
    return signature


def dispatch_link_signature(
    dispatch: Dispatch, *, signature: Signature, by: User | None = None
) -> None:
    """Record on the dispatch that the customer signed its service report."""
    locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    if locked.customer_signature_id == signature.pk:
        return
    locked.customer_signature = signature
    save_with_history(locked, by=by, reason="customer signed", fields=["customer_signature"])


def dispatch_complete(
    dispatch: Dispatch,
    *,
    by: User,
    outcome: str,
    cause: str,
    solution: str,
    steps: str,
    precautions: str,
    backup_done: bool = False,
    backup_location: str = "",
    new_needs: str = "",
    leads: list[dict[str, str]] | None = None,
    parts: list[dict[str, Any]] | None = None,
    signature_image: str | None = None,
    signer_name: str = "",
    engineer_signature_image: str | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Dispatch:
    """Finish on site (docs/domain.md §dispatch.report): the outcome signed as solved / partially
    solved / unsolved, cause, solution, steps, precautions; the backup and where it is
    stored for software work; parts used; new needs, each a sales lead for the sales
    manager. Starts ``write_off`` (before the next working day starts) and ``follow_up``
    (2 working days), and schedules the post-visit follow-up call."""
    values = _report_values(
        dispatch=dispatch,
        outcome=outcome,
        cause=cause,
        solution=solution,
        steps=steps,
        precautions=precautions,
        backup_done=backup_done,
        backup_location=backup_location,
        new_needs=new_needs,
    )
    leads = [lead for lead in (leads or []) if _text(lead.get("description"))]
    parts = [p for p in (parts or []) if _text(p.get("part_name"))]
    _completion_check(dispatch, values, leads, parts, signature_image, signer_name)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_on_site(dispatch, by=by)
        report_changed = _report_save(locked, values, by=by, now=now)
        for part in parts:
            _part_from_report(locked, part, by=by)
        _report_sign(
            locked,
            by=by,
            report_changed=report_changed,
            signature_image=signature_image,
            signer_name=signer_name,
            engineer_signature_image=engineer_signature_image,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        locked = transition_run(
            instance=locked,
            name="complete",
            by=by,
            kwargs={"at": now},
            update_fields=["completed_at"],
            event_data={"outcome": locked.outcome},
        )
        for lead in leads:
            _lead_create(locked, by=by, kind=lead["kind"], description=lead["description"])
        _completion_clocks_start(locked, by=by, now=now)
    return locked


def _completion_check(
    dispatch: Dispatch,
    values: dict[str, Any],
    leads: list[dict[str, str]],
    parts: list[dict[str, Any]],
    signature_image: str | None,
    signer_name: str,
) -> None:
    """Refuse an incomplete report with field errors; the leads become the new needs
    when none were written."""
    errors = _report_errors(dispatch, values)
    if any(lead.get("kind") not in LeadKind.values for lead in leads):
        errors["leads"] = [_("Choose what kind of need it is.")]
    if any(p.get("kind", PartUsageKind.REPLACED) not in PartUsageKind.values for p in parts):
        errors["parts"] = [_("Choose how the part was used.")]
    if leads and not values["new_needs"]:
        values["new_needs"] = "\n".join(
            f"{LeadKind(lead['kind']).label}：{_text(lead['description'])}"
            for lead in leads
            if lead.get("kind") in LeadKind.values
        )
    if signature_image and not _text(signer_name):
        errors["signer_name"] = [_("Who signed for the customer?")]
    raise_field_errors(errors)


def _locked_on_site(dispatch: Dispatch, *, by: Any) -> Dispatch:
    """The dispatch's row, locked, still on site and worked by ``by``."""
    from servicedesk.core.exceptions import NotPermitted

    from ..models import may_work_dispatch

    locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    if locked.state != DispatchState.ON_SITE:
        raise TransitionConflict(
            _("“%(name)s” is not allowed now (state: %(state)s).")
            % {"name": "complete", "state": locked.get_state_display()}
        )
    if not may_work_dispatch(locked, by):
        raise NotPermitted(_("You may not perform this action."))
    return locked


def _report_save(
    locked: Dispatch, values: dict[str, Any], *, by: Any, now: dt.datetime
) -> list[str]:
    """Write the report and the time on site; returns the report fields that changed."""
    minutes = max(0, int((now - (locked.checked_in_at or now)).total_seconds() // 60))
    report = {
        **values,
        "completed_at": now,
        "on_site_minutes": minutes,
        "person_days": person_days_for(minutes),
    }
    changed = [name for name, value in report.items() if getattr(locked, name) != value]
    for name, value in report.items():
        setattr(locked, name, value)
    save_with_history(locked, by=by, reason="service report", fields=changed or ["completed_at"])
    return [name for name in changed if name in values]


def _part_from_report(locked: Dispatch, part: dict[str, Any], *, by: Any) -> None:
    part_add(
        locked,
        by=by,
        kind=part.get("kind") or PartUsageKind.REPLACED,
        part_name=part["part_name"],
        part_number=part.get("part_number", ""),
        serial_number=part.get("serial_number", ""),
        quantity=int(part.get("quantity") or 1),
        emergency=bool(part.get("emergency")),
        note=part.get("note", ""),
    )


def _report_sign(
    locked: Dispatch,
    *,
    by: Any,
    report_changed: list[str],
    signature_image: str | None,
    signer_name: str,
    engineer_signature_image: str | None,
    ip_address: str | None,
    user_agent: str,
) -> None:
    """The signatures given with the report; refused when the customer's is missing."""
    # A signature covers what it signed (docs/domain.md §signatures.content): if the report
    # changed after the customer signed it, the customer signs the new one.
    if locked.customer_signature_id and not signature_image and report_changed:
        locked.customer_signature = None
        save_with_history(
            locked, by=by, reason="report changed after signing", fields=["customer_signature"]
        )
    witness = {"by": by, "ip_address": ip_address, "user_agent": user_agent}
    if engineer_signature_image:
        dispatch_sign(locked, signer_role=ENGINEER_ROLE, image=engineer_signature_image, **witness)
    if signature_image:
        dispatch_sign(
            locked,
            signer_name=signer_name,
            signer_role=CUSTOMER_ROLE,
            image=signature_image,
            **witness,
        )
        locked.refresh_from_db(fields=["customer_signature"])
    if locked.customer_signature_id is None:
        raise ApplicationError(
            _("The customer must sign the service report (draw it or upload the scan)."),
            extra={"signature": [_("The customer's signature is missing.")]},
        )


def _completion_clocks_start(locked: Dispatch, *, by: Any, now: dt.datetime) -> None:
    """``write_off`` for the engineer, ``follow_up`` for the service manager, and the
    post-visit follow-up call scheduled."""
    manager = _managers()
    timer_start(
        subject=locked,
        target="write_off",
        started_at=now,
        assignee=locked.engineer.user if locked.engineer is not None else None,
    )
    follow_up = timer_start(
        subject=locked,
        target="follow_up",
        started_at=now,
        assignee=manager[0] if manager else None,
    )
    _schedule_follow_up_call(locked, by=by, due=follow_up.due_at if follow_up else now)


def _schedule_follow_up_call(dispatch: Dispatch, *, by: User, due: dt.datetime) -> None:
    from contracts.choices import RevisitReason
    from contracts.services.visits import revisit_schedule

    revisit_schedule(
        customer=dispatch.customer,
        contract=dispatch.contract,
        reason=RevisitReason.POST_VISIT,
        due_on=timezone.localdate(due),
        by=by,
        source=dispatch,
    )


def _lead_create(dispatch: Dispatch, *, by: User, kind: str, description: str) -> SalesLead:
    recipients = _sales_manager(dispatch)
    lead = SalesLead(
        dispatch=dispatch,
        customer=dispatch.customer,
        kind=kind,
        description=_text(description),
        sales_manager=recipients[0] if recipients else None,
        recorded_by=by,
    )
    history_user(lead, by)
    lead.save()
    event_record(
        kind="dispatch.sales_lead",
        target=dispatch,
        actor=by,
        data={"lead": lead.pk, "kind": kind, "description": lead.description[:300]},
    )
    notifications_create(
        recipients=recipients,
        kind="sales_lead",
        title=_("Sales lead from a visit: %(customer)s (%(kind)s)")
        % {"customer": dispatch.customer, "kind": lead.get_kind_display()},
        body=lead.description[:500],
        url=dispatch.get_absolute_url(),
        target=dispatch,
    )
    return lead


def part_add(
    dispatch: Dispatch,
    *,
    by: User,
    part_name: str,
    kind: str = PartUsageKind.REPLACED,
    part_number: str = "",
    serial_number: str = "",
    quantity: int = 1,
    emergency: bool = False,
    repair_tag: str = "",
    note: str = "",
) -> SparePartUsage:
    """A spare part used, loaned or taken back. Emergency loans are recorded at once and
    completed afterwards by the technical manager's approval (docs/domain.md §dispatch.parts)."""
    errors: dict[str, list[str]] = {}
    if not _text(part_name):
        errors["part_name"] = [_("Which part?")]
    if kind not in PartUsageKind.values:
        errors["kind"] = [_("Choose how the part was used.")]
    if quantity < 1:
        errors["quantity"] = [_("At least one.")]
    if kind == PartUsageKind.FAULTY and not (_text(repair_tag) or _text(serial_number)):
        errors["repair_tag"] = [_("Tag the faulty part (tag or serial number) before it is sent.")]
    raise_field_errors(errors)
    part = SparePartUsage(
        dispatch=dispatch,
        kind=kind,
        part_name=_text(part_name)[:120],
        part_number=_text(part_number)[:60],
        serial_number=_text(serial_number)[:60],
        quantity=quantity,
        emergency=emergency,
        repair_tag=_text(repair_tag)[:60],
        note=_text(note)[:300],
        recorded_by=by,
    )
    history_user(part, by)
    part.save()
    event_record(
        kind="dispatch.part",
        target=dispatch,
        actor=by,
        data={"part": part.pk, "name": part.part_name, "kind": kind, "emergency": emergency},
    )
    if emergency or kind == PartUsageKind.LOAN:
        notifications_create(
            recipients=list(users_in_roles(Role.TECH_MANAGER)),
            kind="spare_part_approval",
            title=_("Spare part to approve: %(part)s for %(number)s")
            % {"part": part.part_name, "number": dispatch.number},
            body=part.note,
            url=dispatch.get_absolute_url(),
            target=dispatch,
        )
    return part


def part_approve(part: SparePartUsage, *, by: User) -> SparePartUsage:
    if not by.has_perm("fieldservice.change_sparepartusage"):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not perform this action."))
    from ..models.stock import PartLoan, loan_approved

    loan = PartLoan.objects.filter(usage=part).first()
    if loan is not None and not loan_approved(loan) and loan.state != "rejected":
        # A loan from stock is approved as the loan, which approves this line too
        # (docs/domain.md §stock.loans).
        from .stock import loan_approve

        loan_approve(loan, by=by)
        part.refresh_from_db()
        return part
    with transaction.atomic():
        part = SparePartUsage.objects.select_for_update().get(pk=part.pk)
        if part.approved_at is not None:
            return part
        part.approved_by = by
        part.approved_at = timezone.now()
        history_user(part, by)
        history_reason(part, "approved")
        part.save(update_fields=["approved_by", "approved_at"])
        event_record(
            kind="dispatch.part_approved", target=part.dispatch, actor=by, data={"part": part.pk}
        )
    return part


# -- write-off, follow-up, archive, cancel ---------------------------------------------


def dispatch_write_off(
    dispatch: Dispatch,
    *,
    by: User,
    next_step: str = "",
    note: str = "",
    service_fee: Decimal | None = None,
) -> Dispatch:
    """The service manager receives the signed form (核销). Unsolved or partial: choose
    the next step — a follow-up dispatch (created here, linked) or the defect escalated to
    headquarters (recorded in the defects app first). The ticket follows to ``resolved``
    only when the problem is really solved. ``service_fee``: the after-sales fee of the
    visit, when known (partners paid by share get their part of it)."""
    next_step = next_step or ""
    if next_step not in NextStep.values:
        raise_field_errors(
            {"next_step": [_("Choose a follow-up dispatch or a defect escalation.")]}
        )
    if service_fee is not None and service_fee < 0:
        raise_field_errors({"service_fee": [_("The fee cannot be negative.")]})
    with transaction.atomic():
        locked = _locked_signed_completed(dispatch)
        next_step = _next_step_decided(locked, next_step)
        if locked.next_step != next_step:
            locked.next_step = next_step
            save_with_history(locked, by=by, reason="next step", fields=["next_step"])
        locked = transition_run(
            instance=locked,
            name="write_off",
            by=by,
            kwargs={"at": timezone.now(), "note": _text(note)},
            values={
                "written_off_by": by,
                **({"service_fee": service_fee} if service_fee is not None else {}),
            },
            update_fields=["written_off_at", "write_off_note"],
            event_data={"outcome": locked.outcome, "next_step": next_step},
        )
        timer_meet(subject=locked, target="write_off")
        if next_step == NextStep.FOLLOW_UP:
            _follow_up_open(locked, by=by, note=note)
        _ticket_resolve_when_solved(locked, by=by)
    return locked


def _locked_signed_completed(dispatch: Dispatch) -> Dispatch:
    """The dispatch's row, locked, completed and signed by the customer."""
    locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
    if locked.state != DispatchState.COMPLETED:
        raise TransitionConflict(
            _("“%(name)s” is not allowed now (state: %(state)s).")
            % {"name": "write_off", "state": locked.get_state_display()}
        )
    if locked.customer_signature_id is None:
        raise ApplicationError(
            _("The signed service report is missing: upload the signed scan first."),
            extra={"signature": [_("The customer's signature is missing.")]},
        )
    return locked


def _next_step_decided(locked: Dispatch, next_step: str) -> str:
    """A solved visit has none; an unsolved or partial one needs a follow-up dispatch or
    its defect recorded first (docs/domain.md §dispatch.next-step)."""
    if not locked.needs_next_step:
        return ""
    if not next_step and locked.defect_id:
        next_step = NextStep.DEFECT
    if not next_step:
        raise_field_errors(
            {
                "next_step": [
                    _(
                        "Unsolved or partially solved: open a follow-up dispatch or "
                        "escalate to headquarters as a defect."
                    )
                ]
            }
        )
    if next_step == NextStep.DEFECT and locked.defect_id is None:
        raise_field_errors(
            {"next_step": [_("Record the defect first (Escalate to headquarters as a defect).")]}
        )
    return next_step


def _follow_up_open(locked: Dispatch, *, by: Any, note: str) -> Dispatch:
    """The follow-up dispatch of an unsolved visit, linked and verified at once."""
    child = dispatch_create(
        by=by,
        customer=locked.customer,
        contract=locked.contract,
        ticket=locked.ticket,
        follow_up_of=locked,
        source=DispatchSource.FOLLOW_UP,
        kind=locked.kind,
        problem=_("Follow-up of %(number)s (%(outcome)s): %(problem)s")
        % {
            "number": locked.number,
            "outcome": locked.get_outcome_display(),
            "problem": locked.problem,
        },
        notes="\n".join(filter(None, [_text(note), locked.cause and _("Cause: ") + locked.cause])),
        product=locked.product,
        site_address=locked.site_address,
        contact_name=locked.contact_name,
        contact_phone=locked.contact_phone,
        required_skills=locked.required_skills,
        software_work=locked.software_work,
    )
    return dispatch_verify(child, by=by)


def _ticket_resolve_when_solved(locked: Dispatch, *, by: Any) -> None:
    """A solved visit resolves its hotline ticket when the ticket still waits on it
    (tickets' own service decides, docs/architecture.md §apps.events)."""
    from tickets.services import ticket_mark_resolved

    ticket = locked.ticket
    if locked.outcome != Outcome.SOLVED or ticket is None:
        return
    ticket_mark_resolved(
        ticket,
        by=by,
        if_dispatched=True,
        problem=locked.problem,
        cause=locked.cause,
        solution=locked.solution,
        steps=locked.steps,
        precautions=locked.precautions,
    )


def dispatch_mark_escalated(
    dispatch: Dispatch, *, defect_id: int, defect_number: str, by: User | None = None
) -> Dispatch:
    """The problem went to headquarters as a defect (defects app, ``defect.recorded``):
    the dispatch's next step is that defect, tracked there to the end."""
    with transaction.atomic():
        locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        locked.defect_id = defect_id
        locked.defect_number = (defect_number or "")[:30]
        locked.escalated_at = timezone.now()
        fields = ["defect_id", "defect_number", "escalated_at"]
        if locked.state == DispatchState.COMPLETED and locked.needs_next_step:
            locked.next_step = NextStep.DEFECT
            fields.append("next_step")
        save_with_history(locked, by=by, reason="escalated as a defect", fields=fields)
        event_record(
            kind="dispatch.escalated",
            target=locked,
            actor=by,
            data={"defect": defect_id, "number": locked.defect_number},
        )
    return locked


def dispatch_follow_up_recorded(
    dispatch: Dispatch, *, satisfaction: int | None, at: dt.datetime, by: User | None = None
) -> Dispatch:
    """The post-visit follow-up call was made (a revisit with reason post_visit)."""
    with transaction.atomic():
        locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        locked.followed_up_at = at
        locked.follow_up_satisfaction = satisfaction
        save_with_history(
            locked,
            by=by,
            reason="follow-up call",
            fields=["followed_up_at", "follow_up_satisfaction"],
        )
        timer_meet(subject=locked, target="follow_up", at=at)
    return locked


def dispatch_archive(dispatch: Dispatch, *, by: User) -> Dispatch:
    """File the signed form in the customer archive (交技术部经理存入相应旳客户档案)."""
    with transaction.atomic():
        return transition_run(
            instance=dispatch,
            name="archive",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["archived_at"],
        )


def dispatch_cancel(dispatch: Dispatch, *, by: User, reason: str) -> Dispatch:
    if not _text(reason):
        raise_field_errors({"reason": [_("Why is the dispatch cancelled?")]})
    with transaction.atomic():
        dispatch = transition_run(
            instance=dispatch,
            name="cancel",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)},
            update_fields=["cancelled_at", "cancel_reason"],
        )
        timers_cancel_all(subject=dispatch)
        recipients = [dispatch.engineer.user] if dispatch.engineer is not None else []
        if dispatch.ticket is not None:
            recipients.append(dispatch.ticket.first_contact_owner)
        notifications_create(
            recipients=recipients,
            kind="dispatch_cancelled",
            title=_("Dispatch cancelled: %(number)s") % {"number": dispatch.number},
            body=_text(reason),
            url=dispatch.get_absolute_url(),
            target=dispatch,
        )
    return dispatch


def signature_for_customer(dispatch: Dispatch) -> Signature | None:
    return (
        signatures_for(dispatch, SERVICE_REPORT)
        .filter(signer_role__iexact=CUSTOMER_ROLE)
        .order_by("-signed_at", "-id")
        .first()
    )


#: a visit whose report can become a knowledge article: done, with the outcome solved
ARTICLE_STATES = (DispatchState.COMPLETED, DispatchState.WRITTEN_OFF, DispatchState.ARCHIVED)


def dispatch_article_draft(dispatch: Dispatch, *, by: User, title: str = "") -> Any:
    """A solved visit's cause and solution as a knowledge article in one step: a draft
    pre-filled from the service report and linked back to the visit, reviewed before the
    hotline is offered it (docs/domain.md §hotline.knowledge). The knowledge base is the
    hotline's: its service writes the article (docs/architecture.md §apps.calls)."""
    from tickets.services.knowledge import article_draft

    if dispatch.state not in ARTICLE_STATES or dispatch.outcome != Outcome.SOLVED:
        message = _("Only a completed visit that solved the problem can become an article.")
        raise ApplicationError(message, extra={"non_field_errors": [message]})
    problem = (dispatch.problem or "").strip()
    return article_draft(
        by=by,
        source=dispatch,
        data={
            "title": (title or "").strip() or (problem.splitlines()[0] if problem else ""),
            "product": dispatch.product,
            "symptoms": dispatch.problem,
            "cause": dispatch.cause,
            "solution": dispatch.solution,
            "steps": "\n".join(
                part
                for part in (
                    dispatch.steps,
                    f"{_('Precautions')}：{dispatch.precautions}" if dispatch.precautions else "",
                )
                if part.strip()
            ),
        },
    )
