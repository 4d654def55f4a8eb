"""Requirement requests (新增需求): recording with the customer's real intent, evaluation
with the entitlement as starting point, the four outcomes, the sales manager's
negotiation, the signed solution confirmation (方案确定书) and delivery; the periodic
evaluation report (docs/domain.md §requirement)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.choices import ChargeUnit, ServiceType
from contracts.entitlement import entitlement_check
from contracts.models import ChargeRate, Contract, Customer
from contracts.selectors import charge_rates, sole_installed_product
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict, raise_field_errors
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import history_reason, history_user, save_with_history
from servicedesk.core.services.timers import timer_meet, timer_start

from ..choices import Outcome, RequirementState
from ..models import EvaluationReport, Requirement
from .common import not_in_future, required, role_members

if TYPE_CHECKING:
    from servicedesk.core.types import User

REQUIRED = {
    "title": gettext_lazy("Give the request a short title."),
    "description": gettext_lazy(
        "Describe the requirement clearly and precisely, without ambiguity."
    ),
    "intent": gettext_lazy("What does the customer really want, and what is it for?"),
    "product": gettext_lazy("Which product?"),
}
CENT = Decimal("0.01")


def person_day_rate(contract: Contract | None) -> Decimal | None:
    """The person-day rate for development: the contract's own charging standard first,
    else the company's (contracts.ChargeRate)."""
    rates = charge_rates(unit=ChargeUnit.PER_PERSON_DAY, contract=contract)

    def rank(rate: ChargeRate) -> tuple[int, int]:
        own = 0 if rate.contract_id else 1
        typed = {ServiceType.DEVELOPMENT: 0, "": 1}.get(rate.service_type, 2)
        return (own, typed)

    usable = [r for r in rates if r.service_type in (ServiceType.DEVELOPMENT, "")]
    return min(usable, key=rank).price if usable else None


def quote_for(requirement: Requirement, effort_days: Decimal) -> tuple[Decimal, Decimal] | None:
    rate = person_day_rate(requirement.contract)
    if rate is None:
        return None
    return rate, (Decimal(effort_days) * rate).quantize(CENT, ROUND_HALF_UP)


def _sales(requirement: Requirement) -> list[Any]:
    contract = requirement.contract
    if contract is not None and contract.sales_manager_id:
        return [contract.sales_manager]
    if requirement.customer.sales_manager_id:
        return [requirement.customer.sales_manager]
    return role_members(Role.SALES_MANAGER)


def _notify(requirement: Requirement, people: list[Any], kind: str, title: str, body: str = ""):
    notifications_create(
        recipients=people,
        kind=kind,
        title=title,
        body=body[:500],
        url=requirement.get_absolute_url(),
        target=requirement,
    )


def requirement_record(
    *,
    by: User,
    customer: Customer | None,
    title: str,
    description: str,
    intent: str,
    product: str = "",
    module: str = "",
    contract: Contract | None = None,
    ticket: Any = None,
    recorded_at: dt.datetime | None = None,
    tracker_key: str = "",
    tracker_url: str = "",
) -> Requirement:
    """Record a request with a clear description and the customer's real intent (docs/domain.md
    §requirement.record); the entitlement for development is looked up for the evaluators."""
    if not (product or "").strip():  # the call's product, or the customer's only one
        installed = sole_installed_product(customer)
        product = getattr(ticket, "product", "") or (installed.software if installed else "")
    values = {"title": title, "description": description, "intent": intent, "product": product}
    errors = required(values, REQUIRED)
    if customer is None:
        errors["customer"] = [_("Which customer asks for it?")]
    recorded_at = recorded_at or timezone.now()
    not_in_future(recorded_at, "recorded_at", errors)
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    raise_field_errors(errors)
    result = entitlement_check(
        customer=customer, service_type=ServiceType.DEVELOPMENT, on=recorded_at, contract=contract
    )
    with transaction.atomic():
        requirement = Requirement(
            number=uuid.uuid4().hex[:20],
            title=title.strip(),
            description=description.strip(),
            intent=intent.strip(),
            customer=customer,
            contract=contract or result.contract,
            ticket=ticket,
            product=product.strip(),
            module=(module or "").strip(),
            recorded_at=recorded_at,
            recorded_by=by,
            tracker_key=(tracker_key or "").strip(),
            tracker_url=(tracker_url or "").strip(),
            entitlement=result.result,
            entitlement_reason=result.reason[:300],
        )
        history_user(requirement, by)
        history_reason(requirement, "record")
        requirement.save()
        requirement.number = f"RQ{timezone.localtime(recorded_at):%Y%m%d}-{requirement.pk:05d}"
        requirement.save(update_fields=["number"])
        timer_start(subject=requirement, target="evaluation", started_at=recorded_at, assignee=by)
        event_record(
            kind="requirement.recorded",
            target=requirement,
            actor=by,
            data={"requirement": requirement.pk, "entitlement": result.result},
        )
        _notify(
            requirement,
            role_members(Role.TECH_MANAGER),
            "requirement_recorded",
            _("Requirement to evaluate: %(number)s %(customer)s")
            % {"number": requirement.number, "customer": customer},
            requirement.title,
        )
    return requirement


def requirement_start_evaluation(requirement: Requirement, *, by: User) -> Requirement:
    with transaction.atomic():
        return transition_run(instance=requirement, name="start_evaluation", by=by)


def _evaluation_errors(
    requirement: Requirement,
    *,
    by: User,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    evaluators: list[Any] | None,
) -> tuple[dict[str, list[str]], list[Any]]:
    """What every evaluation answers (docs/domain.md §requirement.evaluation): in scope?
    urgent? affects normal operation? effort in person-days? by whom? — the errors, and
    the evaluators (the evaluating user when none are named)."""
    errors: dict[str, list[str]] = {}
    for name, value in (
        ("in_scope", in_scope),
        ("urgent", urgent),
        ("affects_operation", affects_operation),
    ):
        if value is None:
            errors[name] = [_("Answer yes or no.")]
    if effort_days is None or effort_days < 0:
        errors["effort_days"] = [_("Estimate the effort in person-days.")]
    evaluators = [e for e in (evaluators or [by]) if e is not None]
    if not evaluators:
        errors["evaluators"] = [_("Who evaluated it?")]
    elif any(not e.has_perm("defects.evaluate_requirement") for e in evaluators):
        errors["evaluators"] = [_("Only the designated evaluators may evaluate requests.")]
    return errors, evaluators


def _evaluation_values(
    *,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    note: str,
    solution: str,
) -> dict[str, Any]:
    values = {
        "in_scope": in_scope,
        "urgent": urgent,
        "affects_operation": affects_operation,
        "effort_days": effort_days,
        "evaluation_note": (note or "").strip(),
    }
    if (solution or "").strip():
        values["solution"] = solution.strip()
    return values


def _evaluated(
    requirement: Requirement,
    *,
    by: User,
    name: str,
    kwargs: dict[str, Any],
    values: dict[str, Any],
    fields: list[str],
    evaluators: list[Any],
) -> Requirement:
    """Run one outcome's transition (evaluation starts with it when it had not), keep the
    evaluators and meet the evaluation deadline; the caller is inside the transaction."""
    if requirement.state == RequirementState.RECORDED:
        requirement = transition_run(instance=requirement, name="start_evaluation", by=by)
    requirement = transition_run(
        instance=requirement,
        name=name,
        by=by,
        kwargs={**kwargs, "at": timezone.now()},
        values=values,
        update_fields=["outcome", "evaluated_at", *fields],
    )
    requirement.evaluators.set(evaluators)
    timer_meet(subject=requirement, target="evaluation")
    return requirement


def requirement_accept(
    requirement: Requirement,
    *,
    by: User,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    evaluators: list[Any] | None = None,
    note: str = "",
    solution: str = "",
) -> Requirement:
    """Evaluated as accepted (free): the solution confirmation goes to the sales manager
    and the director to sign. Out of scope but free needs the reason in the note."""
    errors, evaluators = _evaluation_errors(
        requirement,
        by=by,
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        evaluators=evaluators,
    )
    if in_scope is False and not (note or "").strip():
        errors["note"] = [_("Out of scope but free: say why.")]
    raise_field_errors(errors)
    values = _evaluation_values(
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        note=note,
        solution=solution,
    )
    with transaction.atomic():
        requirement = _evaluated(
            requirement,
            by=by,
            name="accept",
            kwargs={},
            values=values,
            fields=[],
            evaluators=evaluators,
        )
        _notify(
            requirement,
            _sales(requirement) + role_members(Role.DIRECTOR),
            "requirement_accepted",
            _("Solution confirmation to sign: %(number)s") % {"number": requirement.number},
            requirement.title,
        )
    return requirement


def requirement_quote(
    requirement: Requirement,
    *,
    by: User,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    evaluators: list[Any] | None = None,
    note: str = "",
    solution: str = "",
) -> Requirement:
    """Evaluated as charged: effort × the contract's person-day rate, to the sales manager
    to negotiate."""
    errors, evaluators = _evaluation_errors(
        requirement,
        by=by,
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        evaluators=evaluators,
    )
    quote = None
    if "effort_days" not in errors:
        if effort_days is None or effort_days <= 0:  # None: already refused above
            errors["effort_days"] = [_("A quote needs the effort in person-days.")]
        else:
            quote = quote_for(requirement, effort_days)
            if quote is None:
                errors["outcome"] = [_("No person-day rate in the charging standard.")]
    raise_field_errors(errors)
    assert quote is not None  # a quote without a rate was refused above
    rate, amount = quote
    values = _evaluation_values(
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        note=note,
        solution=solution,
    )
    with transaction.atomic():
        requirement = _evaluated(
            requirement,
            by=by,
            name="quote",
            kwargs={"rate": rate, "amount": amount},
            values=values,
            fields=["person_day_rate", "quote_amount"],
            evaluators=evaluators,
        )
        _notify(
            requirement,
            _sales(requirement),
            "requirement_quoted",
            _("Charged requirement to negotiate: %(number)s ¥%(amount)s")
            % {"number": requirement.number, "amount": amount},
            requirement.title,
        )
    return requirement


def requirement_offer_workaround(
    requirement: Requirement,
    *,
    by: User,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    workaround: str,
    trained_people: str,
    trained_by: User,
    trained_at: dt.datetime | None,
    evaluators: list[Any] | None = None,
    note: str = "",
    solution: str = "",
) -> Requirement:
    """Evaluated as a workaround without changing the system: the customer was trained
    (who, by whom, when)."""
    errors, evaluators = _evaluation_errors(
        requirement,
        by=by,
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        evaluators=evaluators,
    )
    if not (workaround or "").strip():
        errors["workaround"] = [_("Describe the workaround.")]
    if not (trained_people or "").strip():
        errors["trained_people"] = [_("Who at the customer was trained?")]
    if trained_by is None:
        errors["trained_by"] = [_("Who trained them?")]
    if trained_at is None:
        errors["trained_at"] = [_("When were they trained?")]
    not_in_future(trained_at, "trained_at", errors)
    raise_field_errors(errors)
    values = _evaluation_values(
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        note=note,
        solution=solution,
    )
    with transaction.atomic():
        return _evaluated(
            requirement,
            by=by,
            name="offer_workaround",
            kwargs={
                "workaround": workaround.strip(),
                "trained_people": trained_people.strip(),
                "trained_by": trained_by,
                "trained_at": trained_at,
            },
            values=values,
            fields=["workaround", "trained_people", "trained_by", "trained_at"],
            evaluators=evaluators,
        )


def requirement_decline(
    requirement: Requirement,
    *,
    by: User,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    explanation: str,
    evaluators: list[Any] | None = None,
    note: str = "",
    solution: str = "",
) -> Requirement:
    """Evaluated as declined, with the explanation given to the customer."""
    errors, evaluators = _evaluation_errors(
        requirement,
        by=by,
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        evaluators=evaluators,
    )
    if not (explanation or "").strip():
        errors["explanation"] = [_("Record the explanation given to the customer.")]
    raise_field_errors(errors)
    values = _evaluation_values(
        in_scope=in_scope,
        urgent=urgent,
        affects_operation=affects_operation,
        effort_days=effort_days,
        note=note,
        solution=solution,
    )
    with transaction.atomic():
        requirement = _evaluated(
            requirement,
            by=by,
            name="decline",
            kwargs={"explanation": explanation.strip()},
            values=values,
            fields=["decline_explanation"],
            evaluators=evaluators,
        )
        _notify(
            requirement,
            _sales(requirement),
            "requirement_declined",
            _("Requirement declined: %(number)s") % {"number": requirement.number},
            explanation,
        )
    return requirement


#: the service of each evaluation outcome, and the inputs only that outcome takes
EVALUATION_OUTCOMES: dict[str, tuple[Any, tuple[str, ...]]] = {
    Outcome.ACCEPTED: (requirement_accept, ()),
    Outcome.QUOTED: (requirement_quote, ()),
    Outcome.WORKAROUND: (
        requirement_offer_workaround,
        ("workaround", "trained_people", "trained_by", "trained_at"),
    ),
    Outcome.DECLINED: (requirement_decline, ("explanation",)),
}


def requirement_evaluate(
    requirement: Requirement,
    *,
    by: User,
    outcome: str,
    in_scope: bool | None,
    urgent: bool | None,
    affects_operation: bool | None,
    effort_days: Decimal | None,
    evaluators: list[Any] | None = None,
    note: str = "",
    solution: str = "",
    workaround: str = "",
    trained_people: str = "",
    trained_by: User | None = None,
    trained_at: dt.datetime | None = None,
    explanation: str = "",
) -> Requirement:
    """The evaluation form's one action (the portal's and the API's ``evaluate``): the
    service of the chosen outcome — accepted (free), quoted (effort × the contract's
    person-day rate, to the sales manager), workaround (the customer trained: who, when)
    or declined (the explanation given to the customer)."""
    common: dict[str, Any] = {
        "in_scope": in_scope,
        "urgent": urgent,
        "affects_operation": affects_operation,
        "effort_days": effort_days,
        "evaluators": evaluators,
        "note": note,
        "solution": solution,
    }
    extra: dict[str, Any] = {
        "workaround": workaround,
        "trained_people": trained_people,
        "trained_by": trained_by,
        "trained_at": trained_at,
        "explanation": explanation,
    }
    if outcome not in EVALUATION_OUTCOMES:
        errors, _evaluators = _evaluation_errors(
            requirement,
            by=by,
            **{k: v for k, v in common.items() if k not in ("note", "solution")},
        )
        errors["outcome"] = [_("Choose accepted, quoted, workaround or declined.")]
        raise_field_errors(errors)
    service, takes = EVALUATION_OUTCOMES[outcome]
    return service(requirement, by=by, **common, **{name: extra[name] for name in takes})


def requirement_agree(
    requirement: Requirement, *, by: User, amount: Decimal | None = None, note: str = ""
) -> Requirement:
    """The customer agrees to pay the price the sales manager negotiated."""
    amount = requirement.quote_amount if amount is None else amount
    if amount is None or amount < 0:
        raise_field_errors({"amount": [_("Enter the price agreed with the customer.")]})
    with transaction.atomic():
        requirement = transition_run(
            instance=requirement,
            name="agree",
            by=by,
            kwargs={"amount": amount, "note": (note or "").strip()},
            update_fields=["agreed_amount", "negotiation_note"],
        )
        _notify(
            requirement,
            _sales(requirement) + role_members(Role.DIRECTOR),
            "requirement_accepted",
            _("Solution confirmation to sign: %(number)s") % {"number": requirement.number},
            requirement.title,
        )
    return requirement


def requirement_refuse_quote(
    requirement: Requirement, *, by: User, explanation: str
) -> Requirement:
    """The customer will not pay: declined, with what they were told."""
    if not (explanation or "").strip():
        raise_field_errors(
            {"explanation": [_("Record the customer's decision and what they were told.")]}
        )
    with transaction.atomic():
        return transition_run(
            instance=requirement,
            name="refuse_quote",
            by=by,
            kwargs={"explanation": explanation.strip()},
            update_fields=["decline_explanation"],
        )


def requirement_set_solution(requirement: Requirement, *, by: User, solution: str) -> Requirement:
    """The final solution agreed with the customer, printed on the solution confirmation.
    Fixed once anyone has signed it (the signatures cover its content)."""
    from servicedesk.core.selectors import signatures_for

    from ..models import SOLUTION_FORM

    if not by.has_perm("defects.confirm_solution") and not by.has_perm(
        "defects.evaluate_requirement"
    ):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not perform this action."))
    if requirement.state != RequirementState.ACCEPTED:
        raise TransitionConflict(_("The solution is set while the request is accepted."))
    if signatures_for(requirement, SOLUTION_FORM).exists():
        raise TransitionConflict(_("The solution confirmation is already signed."))
    if not (solution or "").strip():
        raise_field_errors({"solution": [_("Describe the agreed solution.")]})
    with transaction.atomic():
        requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
        requirement.solution = solution.strip()
        save_with_history(requirement, by=by, reason="solution", fields=["solution"])
    return requirement


def _require_signatures(requirement: Requirement) -> None:
    from ..models import missing_signers_text

    if requirement.missing_signers():
        raise TransitionConflict(missing_signers_text(requirement))


def requirement_confirm_solution(requirement: Requirement, *, by: User) -> Requirement:
    """The solution confirmation takes effect once the sales manager and the director
    have signed it (the transition's guard checks the same)."""
    if not (requirement.solution or "").strip():
        raise_field_errors({"solution": [_("Describe the agreed solution first.")]})
    _require_signatures(requirement)
    with transaction.atomic():
        requirement = transition_run(
            instance=requirement,
            name="confirm_solution",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["solution_confirmed_at"],
        )
        _notify(
            requirement,
            role_members(Role.DEVELOPER, Role.TECH_MANAGER),
            "requirement_confirmed",
            _("Solution confirmed, schedule the work: %(number)s") % {"number": requirement.number},
            requirement.solution,
        )
    return requirement


def requirement_escalate(requirement: Requirement, *, by: User, point: str) -> Requirement:
    """People cannot agree on a request (scope, price, solution, delivery): the region
    lead coordinates, as for defects (docs/domain.md §requirement.escalate). The state stays; the
    point and time are kept (history and the domain event) and the region leads are told."""
    if not (point or "").strip():
        raise_field_errors({"point": [_("What is the point of disagreement?")]})
    leads = role_members(Role.REGION_LEAD)
    if not leads:
        raise ApplicationError(_("No region lead is set up to escalate to."))
    with transaction.atomic():
        requirement = transition_run(
            instance=requirement,
            name="escalate",
            by=by,
            kwargs={"point": point.strip(), "at": timezone.now()},
            update_fields=["escalation_point", "escalated_at"],
            event_data={"point": point.strip()[:500]},
        )
        _notify(
            requirement,
            leads,
            "requirement_escalated",
            _("Disagreement on %(number)s: please coordinate") % {"number": requirement.number},
            point.strip()[:500],
        )
    return requirement


def requirement_schedule(
    requirement: Requirement,
    *,
    by: User,
    planned_start: dt.date | None,
    planned_delivery: dt.date | None,
    developer: User | None = None,
) -> Requirement:
    errors: dict[str, list[str]] = {}
    if planned_start is None:
        errors["planned_start"] = [_("When does the work start?")]
    if planned_delivery is None:
        errors["planned_delivery"] = [_("When will it be delivered?")]
    elif planned_start is not None and planned_delivery < planned_start:
        errors["planned_delivery"] = [_("Delivery cannot be before the start.")]
    if by is not None and not by.has_perm("defects.develop_requirement"):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not perform this action."))
    developer = developer or by
    if not developer.has_perm("defects.develop_requirement"):
        errors["developer"] = [_("Choose a developer.")]
    raise_field_errors(errors)
    _require_signatures(requirement)
    with transaction.atomic():
        return transition_run(
            instance=requirement,
            name="schedule",
            by=by,
            kwargs={
                "planned_start": planned_start,
                "planned_delivery": planned_delivery,
                "developer": developer,
            },
            update_fields=["planned_start", "planned_delivery", "developer"],
        )


def requirement_start_development(requirement: Requirement, *, by: User) -> Requirement:
    with transaction.atomic():
        return transition_run(instance=requirement, name="start_development", by=by)


def requirement_deliver(requirement: Requirement, *, by: User, note: str) -> Requirement:
    if not (note or "").strip():
        raise_field_errors({"note": [_("What was delivered (version, where)?")]})
    with transaction.atomic():
        requirement = transition_run(
            instance=requirement,
            name="deliver",
            by=by,
            kwargs={"note": note.strip(), "at": timezone.now()},
            update_fields=["delivery_note", "delivered_at"],
        )
        _notify(
            requirement,
            [requirement.recorded_by, *_sales(requirement)],
            "requirement_delivered",
            _("Delivered, ask the customer to accept: %(number)s") % {"number": requirement.number},
            note,
        )
    return requirement


def requirement_customer_accept(requirement: Requirement, *, by: User, note: str) -> Requirement:
    if not (note or "").strip():
        raise_field_errors({"note": [_("Who accepted it at the customer, and how?")]})
    with transaction.atomic():
        return transition_run(
            instance=requirement,
            name="customer_accept",
            by=by,
            kwargs={"note": note.strip(), "at": timezone.now()},
            update_fields=["acceptance_note", "customer_accepted_at"],
        )


def requirement_set_tracker(requirement: Requirement, *, by: User, key: str, url: str):
    if not by.has_perm("defects.change_requirement"):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not perform this action."))
    with transaction.atomic():
        requirement = Requirement.objects.select_for_update().get(pk=requirement.pk)
        requirement.tracker_key = (key or "").strip()
        requirement.tracker_url = (url or "").strip()
        save_with_history(
            requirement, by=by, reason="tracker", fields=["tracker_key", "tracker_url"]
        )
    return requirement


def evaluation_report_create(
    *, by: User | None, period_start: dt.date, period_end: dt.date, note: str = ""
) -> EvaluationReport:
    """The periodic evaluation report, sent to sales, implementation and management
    (docs/domain.md §requirement.report). ``by=None``: the monthly schedule. One per period."""
    if by is not None and not by.has_perm("defects.add_evaluationreport"):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not perform this action."))
    if period_start is None or period_end is None or period_end < period_start:
        raise_field_errors({"period_end": [_("The period ends before it starts.")]})
    if EvaluationReport.objects.filter(period_start=period_start, period_end=period_end).exists():
        raise_field_errors({"period_start": [_("There is already a report for this period.")]})
    with transaction.atomic():
        report = EvaluationReport(
            period_start=period_start, period_end=period_end, created_by=by, note=note.strip()
        )
        if getattr(by, "is_authenticated", False):
            history_user(report, by)
        report.save()
        event_record(kind="evaluationreport.created", target=report, actor=by, data={})
        notifications_create(
            recipients=role_members(Role.SALES_MANAGER, Role.IMPLEMENTATION_MANAGER, Role.DIRECTOR),
            kind="evaluation_report",
            title=_("Requirement evaluation report %(period)s") % {"period": report},
            url=reverse("defects:report", args=[report.pk]),
            target=report,
            dedupe_key=f"evaluation_report:{report.pk}",
        )
    return report


def evaluation_report_monthly(*, today: dt.date | None = None) -> EvaluationReport | None:
    """The report of the previous calendar month, once (the monthly beat task; safe to
    run twice or on two workers: the period is unique)."""
    from django.db import IntegrityError

    today = today or timezone.localdate()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    if EvaluationReport.objects.filter(period_start=start, period_end=end).exists():
        return None
    try:
        return evaluation_report_create(by=None, period_start=start, period_end=end)
    except IntegrityError:  # made concurrently by another worker
        return None
