"""Writes for first visits (首访, docs/domain.md §first-visit) and revisits (回访, §revisit).

First visit: ``pending → verifying → completed``. The agent calls the new customer,
verifies each field of the customer record (checked or corrected: corrections go to the
customer, contact and product records with the agent in their history), and records the
customer's needs, each for one department. Needs reach the heads of those departments
"最迟于次日上班前" — the ``needs_routing`` timer (policy ``next_working_day_start``).

Revisit: ``scheduled → done | missed``. Customers in service are called every 1, 2 or 3
months by category (``RevisitCycle``); a daily task creates the next revisit ahead of
time and marks long-overdue ones missed. Follow-ups after a visit, an installation or a
training use the same model with another reason (``revisit_schedule``).
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import (
    ApplicationError,
    NotPermitted,
    TransitionConflict,
    raise_field_errors,
)
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import history_reason, history_user, save_with_history
from servicedesk.core.services.timers import timer_meet, timer_start
from servicedesk.core.services.transitions import lock

from ..choices import (
    ContractState,
    Department,
    FirstVisitState,
    RevisitFollowUp,
    RevisitReason,
    RevisitState,
)
from ..models import (
    VERIFIABLE_FIELDS,
    Contact,
    Contract,
    Customer,
    FirstVisit,
    FirstVisitNeed,
    InstalledProduct,
    Revisit,
    RevisitCycle,
    ServicePeriod,
)
from ..selectors_visits import VERIFIABLE_LABELS, first_visit_targets, unverified_fields

if TYPE_CHECKING:
    from servicedesk.core.types import User

NEEDS_ROUTING = "needs_routing"
#: Periodic revisits are created when due within this many days (daily task).
REVISIT_HORIZON_DAYS = 14
#: A scheduled revisit this many days past due is marked missed.
REVISIT_GRACE_DAYS = 7


class VerificationMark(models.TextChoices):
    CHECKED = "checked", gettext_lazy("Checked")
    CORRECTED = "corrected", gettext_lazy("Corrected")


#: Who hears about a need for each department (docs/domain.md §first-visit.needs).
#: Sales needs go to the customer's own sales manager instead (see ``_department_heads``).
DEPARTMENT_HEADS: dict[str, Role] = {
    Department.IMPLEMENTATION: Role.IMPLEMENTATION_MANAGER,
    Department.SERVICE: Role.SERVICE_MANAGER,
    Department.DEVELOPMENT: Role.TECH_MANAGER,
    Department.TRAINING: Role.SERVICE_MANAGER,
}

#: Extra correction key, used only to create the installed product when none is on record.
PRODUCT_SOFTWARE = "product.software"
_TARGET_MODELS = {"customer": Customer, "contact": Contact, "product": InstalledProduct}


def _require(by: User, perm: str) -> None:
    if by is None or not by.has_perm(perm):
        raise NotPermitted(_("You may not perform this action."))


def _require_verifying(visit: FirstVisit, message: str) -> None:
    if visit.state != FirstVisitState.VERIFYING:
        raise TransitionConflict(message)


# -- first visits ------------------------------------------------------------------------


def first_visit_agent_pick() -> Any:
    """The active first-visit agent with the fewest open first visits."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.FIRST_VISIT_AGENT, is_active=True)
        .annotate(
            open_visits=Count(
                "first_visits", filter=~Q(first_visits__state=FirstVisitState.COMPLETED)
            )
        )
        .order_by("open_visits", "pk")
        .first()
    )


def first_visit_create(
    *, customer: Customer, by: User, contract: Contract | None = None, reason: str = ""
) -> FirstVisit:
    """A first visit for a new customer, given to the least busy agent, who is told.

    Made when a contract is signed (docs/domain.md §first-visit) and when a caller unknown to the
    archive is recorded as a new customer at the hotline intake (``contract`` is then ``None``).
    """
    agent = first_visit_agent_pick()
    with transaction.atomic():
        visit = FirstVisit(contract=contract, customer=customer, agent=agent)
        save_with_history(visit, by=by, reason="created")
        if agent is not None:
            body = reason or _("Verify the customer's data.")
            notifications_create(
                recipients=[agent],
                kind="first_visit",
                title=_("First visit: %(customer)s") % {"customer": customer},
                body=body,
                url=visit.get_absolute_url(),
                target=visit,
            )
    return visit


def first_visit_start(visit: FirstVisit, *, by: User) -> FirstVisit:
    """The agent reaches the customer and starts verifying (``pending → verifying``)."""
    with transaction.atomic():
        return transition_run(
            instance=visit,
            name="start",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["started_at"],
        )


def first_visit_verify(
    visit: FirstVisit,
    *,
    by: User,
    checks: dict[str, str],
    corrections: dict[str, Any] | None = None,
    notes: str | None = None,
) -> FirstVisit:
    """Record each field as checked or corrected and apply the corrections.

    docs/domain.md §first-visit.verify: corrections are saved on the
    customer, its primary contact and its installed product with the agent as the history
    user, so the customer's history shows who changed what. May be called repeatedly:
    marks accumulate. A field marked corrected needs a corrected value unless it was
    already corrected before.
    """
    _require(by, "contracts.perform_first_visit")
    checks = dict(checks or {})
    corrections = {k: "" if v is None else str(v).strip() for k, v in (corrections or {}).items()}
    errors = _verify_input_errors(checks, corrections)
    with transaction.atomic():
        visit = lock(visit)
        _require_verifying(visit, _("Start the first visit before verifying the customer's data."))
        _verify_mark_errors(visit, checks, corrections, errors)
        if errors:
            raise ApplicationError(_("Check the verification entries."), extra=errors)
        changes = _apply_corrections(visit, corrections, by=by)
        _verify_save(visit, checks=checks, notes=notes, by=by)
        event_record(
            kind="firstvisit.verify",
            target=visit,
            actor=by,
            data={"checks": checks, "corrections": changes},
        )
    return visit


def _verify_input_errors(checks: dict[str, str], corrections: dict[str, str]) -> dict[str, list]:
    """Keys that are not verifiable fields, and marks other than checked or corrected."""
    errors: dict[str, list[str]] = {}
    allowed = {*VERIFIABLE_FIELDS, PRODUCT_SOFTWARE}
    for key in set(checks) | set(corrections):
        if key not in allowed or (key == PRODUCT_SOFTWARE and key in checks):
            errors[key] = [_("Not a verifiable field.")]
    for key, mark in checks.items():
        if key in VERIFIABLE_FIELDS and mark not in VerificationMark.values:
            errors[key] = [_("Mark the field as checked or corrected.")]
    return errors


def _verify_mark_errors(
    visit: FirstVisit, checks: dict[str, str], corrections: dict[str, str], errors: dict
) -> None:
    """A correction needs the mark "corrected"; "corrected" needs a value, unless the field
    was corrected before (marks accumulate)."""
    for key in corrections:
        if key in VERIFIABLE_FIELDS and checks.get(key) != VerificationMark.CORRECTED:
            errors.setdefault(key, [_("Mark the field as corrected to change it.")])
    for key, mark in checks.items():
        already = (visit.checks or {}).get(key) == VerificationMark.CORRECTED
        if mark == VerificationMark.CORRECTED and key not in corrections and not already:
            errors.setdefault(key, [_("Enter the corrected value.")])


def _verify_save(visit: FirstVisit, *, checks: dict[str, str], notes: str | None, by: User) -> None:
    visit.checks = {**(visit.checks or {}), **checks}
    fields = ["checks"]
    if notes is not None and notes.strip() != visit.notes:
        visit.notes = notes.strip()
        fields.append("notes")
    history_user(visit, by)
    history_reason(visit, "verify")
    visit.save(update_fields=fields)


def _apply_corrections(
    visit: FirstVisit, corrections: dict[str, str], *, by: User
) -> dict[str, dict[str, str]]:
    """Save corrected values on their records; returns ``{key: {"old", "new"}}``."""
    by_target: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in corrections.items():
        prefix, field = key.split(".", 1)
        by_target[prefix][field] = value
    if not by_target:
        return {}
    targets = first_visit_targets(visit)
    changes: dict[str, dict[str, str]] = {}
    for prefix, values in by_target.items():
        record = targets[prefix]
        if record is None:
            record = _new_target(visit, prefix, values)
        elif prefix == "product":
            values.pop("software", None)  # only used to create a missing product
        changed = []
        for field, value in values.items():
            old = getattr(record, field) or ""
            if old != value:
                setattr(record, field, value)
                changed.append(field)
                changes[f"{prefix}.{field}"] = {"old": old, "new": value}
        if record.pk is not None and not changed:
            continue
        try:
            record.full_clean()
        except ValidationError as exc:
            raise _field_errors(exc, prefix) from exc
        history_user(record, by)
        history_reason(record, "first visit verification")
        if record.pk is None:
            record.save()
        else:
            record.save(update_fields=changed)
    return changes


def _new_target(visit: FirstVisit, prefix: str, values: dict[str, str]) -> models.Model:
    """A customer without a contact or product on record gets one from the corrections."""
    if prefix == "contact":
        if not values.get("name"):
            raise ApplicationError(
                _("The customer has no contact on record: enter the contact's name."),
                extra={"contact.name": [_("Enter the contact's name.")]},
            )
        return Contact(customer=visit.customer, is_primary=True)
    if not values.get("software"):
        raise ApplicationError(
            _("The customer has no installed product on record: enter the software's name."),
            extra={PRODUCT_SOFTWARE: [_("Enter the software's name.")]},
        )
    return InstalledProduct(customer=visit.customer, contract=visit.contract)


def _field_errors(exc: ValidationError, prefix: str) -> ApplicationError:
    extra: dict[str, list[str]] = {}
    messages = getattr(exc, "message_dict", {"__all__": exc.messages})
    for field, errors in messages.items():
        key = f"{prefix}.{field}"
        if key not in VERIFIABLE_FIELDS and key != PRODUCT_SOFTWARE:
            key = next(k for k in VERIFIABLE_FIELDS if k.startswith(f"{prefix}."))
        extra.setdefault(key, []).extend(errors)
    first = next(iter(extra.values()))[0]
    return ApplicationError(first, extra=extra)


def first_visit_add_need(
    visit: FirstVisit, *, by: User, department: str, description: str
) -> FirstVisitNeed:
    """Record a need the customer told the agent, for one department.

    The first unrouted need starts ``needs_routing`` (docs/domain.md §first-visit.needs: to the
    departments "最迟于次日上班前"); later needs join the timer that is already running.
    """
    _require(by, "contracts.perform_first_visit")
    description = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if department not in Department.values:
        errors["department"] = [_("Choose the department the need goes to.")]
    if not description:
        errors["description"] = [_("Describe the need.")]
    raise_field_errors(errors)
    with transaction.atomic():
        visit = lock(visit)
        _require_verifying(visit, _("Needs are recorded while the first visit is in progress."))
        need = FirstVisitNeed(first_visit=visit, department=department, description=description)
        history_user(need, by)
        need.save()
        timer_start(
            subject=visit,
            target=NEEDS_ROUTING,
            started_at=need.created_at,
            assignee=visit.agent or by,
        )
        event_record(
            kind="firstvisit.need_added",
            target=visit,
            actor=by,
            data={"need": need.pk, "department": department},
        )
    return need


def first_visit_route_needs(visit: FirstVisit, *, by: User) -> FirstVisit:
    """Hand every unrouted need to its department's head and meet the routing timer."""
    _require(by, "contracts.perform_first_visit")
    with transaction.atomic():
        visit = lock(visit)
        if not _route_needs(visit, by=by):
            raise ApplicationError(_("There are no needs waiting to be routed."))
    return visit


def _route_needs(visit: FirstVisit, *, by: User) -> list[FirstVisitNeed]:
    needs = list(visit.needs.filter(routed_at__isnull=True).order_by("pk"))
    if not needs:
        return []
    now = timezone.now()
    by_department: dict[str, list[FirstVisitNeed]] = defaultdict(list)
    for need in needs:
        need.routed_at = now
        history_user(need, by)
        history_reason(need, "route")
        need.save(update_fields=["routed_at"])
        by_department[need.department].append(need)
    customer = visit.customer
    for department, items in by_department.items():
        notifications_create(
            recipients=_department_heads(department, visit),
            kind="first_visit_need",
            title=_("Customer needs from a first visit: %(customer)s (%(department)s)")
            % {"customer": customer, "department": Department(department).label},
            body="\n".join(f"· {n.description}" for n in items),
            url=visit.get_absolute_url(),
            target=visit,
            dedupe_key=f"first_visit_need:{visit.pk}:{department}:{items[-1].pk}",
        )
    timer_meet(subject=visit, target=NEEDS_ROUTING, at=now)
    event_record(
        kind="firstvisit.needs_routed",
        target=visit,
        actor=by,
        data={
            "needs": [
                {"id": n.pk, "department": n.department, "description": n.description}
                for n in needs
            ]
        },
    )
    return needs


def _department_heads(department: str, visit: FirstVisit) -> list[User]:
    if department == Department.SALES:
        manager = visit.customer.sales_manager or (
            visit.contract.sales_manager if visit.contract is not None else None
        )
        if manager is not None and manager.is_active:
            return [manager]
        role = Role.SALES_MANAGER
    else:
        role = DEPARTMENT_HEADS[department]
    heads = list(users_in_roles(role))
    # A department without a head still must not lose the need: the director hears of it.
    return heads or list(users_in_roles(Role.DIRECTOR))


def first_visit_complete(visit: FirstVisit, *, by: User) -> FirstVisit:
    """Finish the first visit: every field verified; needs not yet routed are routed now.

    The guard lives here rather than in the transition's ``conditions`` because it needs a
    clear message naming the fields still to verify.
    """
    _require(by, "contracts.perform_first_visit")
    with transaction.atomic():
        locked = lock(visit)
        if locked.state == FirstVisitState.VERIFYING:
            missing = unverified_fields(locked)
            if missing:
                labels = "、".join(str(VERIFIABLE_LABELS[k]) for k in missing)
                raise ApplicationError(
                    _("Verify every field before completing the first visit. Not yet: %(f)s.")
                    % {"f": labels},
                    extra={"checks": [_("Not yet verified: %(f)s.") % {"f": labels}]},
                )
            _route_needs(locked, by=by)
        return transition_run(
            instance=locked,
            name="complete",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["completed_at"],
        )


# -- revisits: periodic ------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:  # a stored extreme date: the range's edge
        return dt.date.max if months > 0 else dt.date.min
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def revisit_assignee_pick() -> Any:
    """The least busy first-visit agent (fewest scheduled revisits), else hotline engineer.

    docs/domain.md §revisit.caller: by phone, by "客户服务人员". First-visit agents are those
    customer-service callers: a revisit is the same outbound call as a first visit (same
    customer record, same courtesy rules). Hotline engineers stand in only
    when no agent is active, because on duty they must keep the hotline free.
    """
    user_model = get_user_model()
    for role in (Role.FIRST_VISIT_AGENT, Role.HOTLINE_ENGINEER):
        user = (
            user_model.objects.filter(groups__name=role, is_active=True)
            .annotate(
                open_revisits=Count(
                    "revisits", filter=Q(revisits__state=RevisitState.SCHEDULED), distinct=True
                )
            )
            .order_by("open_revisits", "pk")
            .first()
        )
        if user is not None:
            return user
    return None


def _in_service_contract(customer: Customer) -> Contract | None:
    return (
        customer.contracts.filter(state=ContractState.IN_SERVICE)
        .order_by("-signed_on", "-pk")
        .first()
    )


def _next_periodic_due(customer: Customer, cycle: RevisitCycle, *, today: dt.date) -> dt.date:
    in_service = ServicePeriod.objects.filter(
        contract__customer=customer, contract__state=ContractState.IN_SERVICE
    )
    in_use_since = customer.in_use_since or in_service.aggregate(d=Min("starts_on"))["d"]
    last = (
        Revisit.objects.filter(
            customer=customer,
            reason=RevisitReason.PERIODIC,
            state__in=[RevisitState.DONE, RevisitState.MISSED],
        )
        .order_by("-due_on", "-pk")
        .first()
    )
    if last is None:
        base = in_use_since or today
    elif last.state == RevisitState.DONE and last.done_at is not None:
        base = timezone.localdate(last.done_at)
    else:
        base = last.due_on
    months = cycle.months
    if (
        cycle.months_after_first_year
        and in_use_since is not None
        and add_months(in_use_since, 12) < base
    ):
        months = cycle.months_after_first_year
    # A revisit that should have happened already is due today, not in the past.
    return max(add_months(base, months), today)


def _ensure_next_periodic(
    customer: Customer, *, today: dt.date, until: dt.date | None, cycles: dict[str, RevisitCycle]
) -> Revisit | None:
    """Create the customer's next periodic revisit unless one is scheduled already.

    Callers lock the customer row. Nothing is created when the customer has no contract
    in service, no cycle for its category, or when the due date lies after ``until`` or
    after the end of the service periods.
    """
    if Revisit.objects.filter(
        customer=customer, reason=RevisitReason.PERIODIC, state=RevisitState.SCHEDULED
    ).exists():
        return None
    contract = _in_service_contract(customer)
    cycle = cycles.get(customer.category)
    if contract is None or cycle is None:
        return None
    due = _next_periodic_due(customer, cycle, today=today)
    if until is not None and due > until:
        return None
    last_day = ServicePeriod.objects.filter(
        contract__customer=customer, contract__state=ContractState.IN_SERVICE
    ).aggregate(d=models.Max("ends_on"))["d"]
    if last_day is not None and due > last_day:
        return None  # docs/domain.md §revisit.cycle: only customers within their service period
    revisit = Revisit(
        customer=customer,
        contract=contract,
        reason=RevisitReason.PERIODIC,
        due_on=due,
        assignee=revisit_assignee_pick(),
    )
    history_reason(revisit, "generated")
    try:
        with transaction.atomic():  # savepoint: the unique constraint is the last word
            revisit.save()
    except IntegrityError:
        return None
    return revisit


def revisits_generate(
    *, today: dt.date | None = None, horizon_days: int = REVISIT_HORIZON_DAYS
) -> dict[str, int]:
    """Daily: every customer with a contract in service gets its next periodic revisit
    once it is due within ``horizon_days``. Idempotent and safe on two workers: each
    customer is handled in its own transaction with the customer row locked."""
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=horizon_days)
    cycles = {c.category: c for c in RevisitCycle.objects.all()}
    scheduled = Revisit.objects.filter(
        reason=RevisitReason.PERIODIC, state=RevisitState.SCHEDULED
    ).values("customer_id")
    customer_ids = list(
        Customer.objects.filter(contracts__state=ContractState.IN_SERVICE)
        .exclude(pk__in=scheduled)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    created = 0
    for pk in customer_ids:
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=pk)
            if _ensure_next_periodic(customer, today=today, until=until, cycles=cycles):
                created += 1
    return {"customers": len(customer_ids), "created": created}


def revisits_mark_missed(
    *, today: dt.date | None = None, grace_days: int = REVISIT_GRACE_DAYS
) -> dict[str, int]:
    """Daily: scheduled revisits more than ``grace_days`` past due become missed (by the
    system); ``revisits_generate`` then creates the next periodic one."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=grace_days)
    ids = list(
        Revisit.objects.filter(state=RevisitState.SCHEDULED, due_on__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    missed = 0
    for pk in ids:
        with transaction.atomic():
            revisit = Revisit.objects.filter(pk=pk, state=RevisitState.SCHEDULED).first()
            if revisit is None:
                continue
            try:
                transition_run(
                    instance=revisit,
                    name="miss",
                    by=None,
                    reason=f"missed: more than {grace_days} days overdue",
                )
            except TransitionConflict:
                continue  # recorded meanwhile
            missed += 1
    return {"missed": missed}


# -- revisits: recording and follow-ups ---------------------------------------------------


def revisit_record(
    revisit: Revisit,
    *,
    by: User,
    contact_name: str,
    opinion: str,
    satisfaction: int,
    issue_raised: str = "",
    follow_up: str = "",
) -> Revisit:
    """Record the call (``scheduled → done``) (docs/domain.md §revisit.follow-up).

    A follow-up of ``ticket`` or ``on_site`` is announced as the domain event
    ``revisit.follow_up_requested`` for the hotline and field-service apps, and the
    service managers are told (they track every open problem). Completing a periodic
    revisit schedules the next one at once.
    """
    call = _revisit_call(
        contact_name=contact_name,
        opinion=opinion,
        satisfaction=satisfaction,
        issue_raised=issue_raised,
        follow_up=follow_up,
    )
    now = timezone.now()
    with transaction.atomic():
        revisit = transition_run(
            instance=revisit,
            name="record",
            by=by,
            kwargs={"at": now},
            update_fields=["done_at"],
            event_data={"satisfaction": call["satisfaction"], "follow_up": call["follow_up"]},
        )
        # The transition method only takes the time; the call's details follow it.
        for field, value in call.items():
            setattr(revisit, field, value)
        history_user(revisit, by)
        history_reason(revisit, "record details")
        revisit.save(update_fields=list(call))
        if revisit.follow_up:
            _follow_up_request(revisit, by=by)
        if revisit.reason == RevisitReason.PERIODIC:
            customer = Customer.objects.select_for_update().get(pk=revisit.customer_id)
            cycles = {c.category: c for c in RevisitCycle.objects.all()}
            _ensure_next_periodic(
                customer, today=timezone.localdate(now), until=None, cycles=cycles
            )
    return revisit


def _satisfaction_value(satisfaction: Any) -> int:
    """The score as an integer (0, refused by the caller, when it is none)."""
    if isinstance(satisfaction, int) and not isinstance(satisfaction, bool):
        return satisfaction
    try:
        return int(str(satisfaction))
    except (TypeError, ValueError):
        return 0


def _revisit_call(
    *, contact_name: str, opinion: str, satisfaction: Any, issue_raised: str, follow_up: str
) -> dict[str, Any]:
    """The call's details, cleaned, or field errors."""
    score = _satisfaction_value(satisfaction)
    call: dict[str, Any] = {
        "contact_name": (contact_name or "").strip(),
        "opinion": (opinion or "").strip(),
        "satisfaction": score,
        "issue_raised": (issue_raised or "").strip(),
        "follow_up": follow_up or "",
    }
    errors: dict[str, list[str]] = {}
    if not call["contact_name"]:
        errors["contact_name"] = [_("Enter who you spoke with.")]
    if not 1 <= score <= 5:
        errors["satisfaction"] = [_("Give the customer's satisfaction from 1 to 5.")]
    if call["follow_up"] not in RevisitFollowUp.values:
        errors["follow_up"] = [_("Choose a valid follow-up.")]
    elif call["follow_up"] and not call["issue_raised"]:
        errors["issue_raised"] = [_("Describe the issue the follow-up is for.")]
    raise_field_errors(errors)
    return call


def _follow_up_request(revisit: Revisit, *, by: User) -> None:
    # tickets / fieldservice subscribe to it (docs/architecture.md §apps.events: apps never import
    # each other); until they exist the service managers see it in their inbox.
    event_record(
        kind="revisit.follow_up_requested",
        target=revisit,
        actor=by,
        data={
            "follow_up": revisit.follow_up,
            "issue": revisit.issue_raised,
            "customer": revisit.customer_id,
            "contract": revisit.contract_id,
            "contact_name": revisit.contact_name,
        },
    )
    kind = RevisitFollowUp(revisit.follow_up).label
    notifications_create(
        recipients=users_in_roles(Role.SERVICE_MANAGER),
        kind="revisit_follow_up",
        title=_("%(kind)s requested at a revisit: %(customer)s")
        % {"kind": kind, "customer": revisit.customer},
        body=revisit.issue_raised,
        url=revisit.get_absolute_url(),
        target=revisit,
        dedupe_key=f"revisit_follow_up:{revisit.pk}",
    )


def revisit_schedule(
    *,
    customer: Customer,
    reason: str,
    due_on: dt.date,
    by: User,
    source: models.Model | None = None,
    contract: Contract | None = None,
    assignee: User | None = None,
) -> Revisit:
    """Schedule a follow-up call after a visit, an installation or a training.

    Other apps call this from their own services. With a ``source`` it is idempotent: a
    scheduled follow-up for the same source and reason is returned as it is.
    """
    if reason not in RevisitReason.values or reason == RevisitReason.PERIODIC:
        raise ApplicationError(
            _("Choose a follow-up reason; periodic revisits come from the revisit cycle."),
            extra={"reason": [_("Not a follow-up reason.")]},
        )
    if isinstance(due_on, dt.datetime):
        due_on = timezone.localdate(due_on)
    with transaction.atomic():
        source_type = ContentType.objects.get_for_model(source) if source is not None else None
        if source is not None:
            existing = Revisit.objects.filter(
                customer=customer,
                reason=reason,
                source_type=source_type,
                source_id=source.pk,
                state=RevisitState.SCHEDULED,
            ).first()
            if existing is not None:
                return existing
        if contract is None:
            contract = (
                customer.contracts.filter(
                    state__in=[ContractState.IN_SERVICE, ContractState.SIGNED]
                )
                .order_by("-signed_on", "-pk")
                .first()
            )
        revisit = Revisit(
            customer=customer,
            contract=contract,
            reason=reason,
            due_on=due_on,
            assignee=assignee or revisit_assignee_pick(),
            source_type=source_type,
            source_id=source.pk if source is not None else None,
        )
        if getattr(by, "is_authenticated", False):
            history_user(revisit, by)
        history_reason(revisit, "scheduled")
        revisit.save()
        event_record(
            kind="revisit.scheduled",
            target=revisit,
            actor=by,
            data={"reason": reason, "due_on": due_on.isoformat()},
        )
        if revisit.assignee is not None:
            notifications_create(
                recipients=[revisit.assignee],
                kind="revisit",
                title=_("Follow-up call due %(date)s: %(customer)s")
                % {"date": due_on.isoformat(), "customer": customer},
                body=str(RevisitReason(reason).label),
                url=revisit.get_absolute_url(),
                target=revisit,
            )
    return revisit


# -- revisits: satisfaction surveys answered online ----------------------------------------


def revisit_record_survey(
    *,
    customer: Customer,
    source: models.Model | None,
    score: int,
    would_recommend: bool,
    comment: str,
    contact_name: str,
    at: dt.datetime | None = None,
) -> Revisit:
    """A customer's online survey answer becomes a revisit record (docs/domain.md
    §revisit.survey): the follow-up call scheduled for the same record (after a visit or a
    training) is recorded with the score, so the customer is not called to be asked
    again; without one, a done revisit of reason ``survey`` keeps the answer. Either way
    revisit coverage and satisfaction figures count it. Idempotent per source."""
    at = at or timezone.now()
    score = _satisfaction_value(score)
    if not 1 <= score <= 5:
        raise ApplicationError(_("Give the customer's satisfaction from 1 to 5."))
    recommend = _("would recommend us") if would_recommend else _("would not recommend us")
    opinion = _("Answered the satisfaction survey online (%(recommend)s).") % {
        "recommend": recommend
    }
    if (comment or "").strip():
        opinion = f"{opinion}\n{comment.strip()}"
    details = {
        "contact_name": (contact_name or str(customer))[:60],
        "opinion": opinion,
        "satisfaction": score,
    }
    source_type = ContentType.objects.get_for_model(source) if source is not None else None
    with transaction.atomic():
        by_source = Revisit.objects.select_for_update().filter(
            customer=customer, source_type=source_type, source_id=getattr(source, "pk", None)
        )
        done = by_source.filter(reason=RevisitReason.SURVEY).first()
        if done is not None:
            return done  # this answer is recorded already
        scheduled = by_source.filter(state=RevisitState.SCHEDULED).order_by("due_on", "pk")
        # Without a source only a revisit of its own: a periodic call is still due.
        revisit = scheduled.first() if source is not None else None
        if revisit is None:
            revisit = Revisit(
                customer=customer,
                contract=customer.contracts.filter(
                    state__in=[ContractState.IN_SERVICE, ContractState.SIGNED]
                )
                .order_by("-signed_on", "-pk")
                .first(),
                reason=RevisitReason.SURVEY,
                due_on=timezone.localdate(at),
                source_type=source_type,
                source_id=getattr(source, "pk", None),
            )
            history_reason(revisit, "survey answered")
            revisit.save()
        revisit = transition_run(
            instance=revisit,
            name="record",
            by=None,
            kwargs={"at": at},
            update_fields=["done_at"],
            reason="survey answered",
            event_data={"satisfaction": score, "follow_up": "", "survey": True},
        )
        for field, value in details.items():
            setattr(revisit, field, value)
        history_reason(revisit, "survey answered")
        revisit.save(update_fields=list(details))
    return revisit
