"""Writes about partner companies (docs/domain.md §partners): dated terms, certification
exams (an engineer is certified by a passed exam, and only then assignable), evaluations
with the right to ask for a replacement, the hand-over record of a replaced or leaving
engineer, penalties for incidents, trainings with the free days and the fee table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import raise_field_errors
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.transitions import lock

from ..choices import BillingMode, CooperationModel
from ..models import Engineer, Partner
from ..models.partners import (
    CertificationExam,
    EngineerEvaluation,
    EngineerHandover,
    PartnerPenalty,
    PartnerTerms,
    PartnerTraining,
    TrainingFeeRate,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _text(value: Any) -> str:
    return (value or "").strip()


def _money_errors(name: str, value: Any, message: str) -> dict[str, list[str]]:
    if value is None or Decimal(value) < 0:
        return {name: [message]}
    return {}


def partner_terms_save(
    *,
    by: User,
    partner: Partner,
    valid_from: dt.date,
    cooperation_model: str,
    billing_mode: str,
    person_day_rate: Decimal | None = None,
    fee_share_percent: Decimal | None = None,
    management_fee: Decimal | None = None,
    free_training_days: int = 5,
    note: str = "",
) -> PartnerTerms:
    """New terms from a date on; months before it keep their terms (docs/domain.md
    §partners.settlement)."""
    errors: dict[str, list[str]] = {}
    if valid_from is None:
        errors["valid_from"] = [_("From which date are the terms in force?")]
    if cooperation_model not in CooperationModel.values:
        errors["cooperation_model"] = [_("Choose the cooperation model.")]
    if billing_mode == BillingMode.PERSON_DAY:
        errors.update(
            _money_errors("person_day_rate", person_day_rate, _("Give the person-day rate."))
        )
    elif billing_mode == BillingMode.FEE_SHARE:
        if fee_share_percent is None or not 0 <= Decimal(fee_share_percent) <= 100:
            errors["fee_share_percent"] = [_("Give the share between 0 and 100 %.")]
    else:
        errors["billing_mode"] = [_("Choose the billing mode.")]
    if management_fee is not None and Decimal(management_fee) < 0:
        errors["management_fee"] = [_("The management fee cannot be negative.")]
    raise_field_errors(errors)
    with transaction.atomic():
        terms = PartnerTerms.objects.filter(partner=partner, valid_from=valid_from).first()
        terms = terms or PartnerTerms(partner=partner, valid_from=valid_from)
        terms.cooperation_model = cooperation_model
        terms.billing_mode = billing_mode
        terms.person_day_rate = person_day_rate if billing_mode == BillingMode.PERSON_DAY else None
        terms.fee_share_percent = (
            fee_share_percent if billing_mode == BillingMode.FEE_SHARE else None
        )
        terms.management_fee = management_fee or Decimal(0)
        terms.free_training_days = free_training_days or 0
        terms.note = _text(note)[:300]
        save_with_history(terms, by=by, reason="partner terms")
        event_record(
            kind="partner.terms",
            target=partner,
            actor=by,
            data={"from": valid_from.isoformat(), "billing": billing_mode},
        )
    return terms


def exam_record(
    *,
    by: User,
    engineer: Engineer,
    taken_on: dt.date,
    score: Decimal,
    pass_mark: Decimal = Decimal(60),
    valid_until: dt.date | None = None,
    subject: str = "",
) -> CertificationExam:
    """「实施人员必须经过我方培训考核，方能上岗」: a passed exam certifies the engineer from its
    date (docs/domain.md §partners.certification); a failed one changes nothing."""
    errors: dict[str, list[str]] = {}
    if taken_on is None:
        errors["taken_on"] = [_("When was the exam?")]
    elif taken_on > timezone.localdate():
        errors["taken_on"] = [_("The exam cannot be in the future.")]
    if score is None or not 0 <= Decimal(score) <= 100:
        errors["score"] = [_("The score is between 0 and 100.")]
    if pass_mark is None or not 0 < Decimal(pass_mark) <= 100:
        errors["pass_mark"] = [_("The pass mark is between 1 and 100.")]
    if valid_until is not None and taken_on is not None and valid_until <= taken_on:
        errors["valid_until"] = [_("The certificate ends after the exam.")]
    raise_field_errors(errors)
    passed = Decimal(score) >= Decimal(pass_mark)
    with transaction.atomic():
        exam = CertificationExam(
            engineer=engineer,
            taken_on=taken_on,
            score=score,
            pass_mark=pass_mark,
            passed=passed,
            valid_until=valid_until,
            subject=_text(subject)[:200],
            examiner=by,
        )
        save_with_history(exam, by=by, reason="certification exam")
        if passed:
            engineer = lock(engineer)
            engineer.certified_on = taken_on
            engineer.certification_expires_on = valid_until
            save_with_history(engineer, by=by, reason="certification exam passed")
        event_record(
            kind="engineer.exam",
            target=engineer,
            actor=by,
            data={"score": str(score), "passed": passed},
        )
    return exam


def evaluation_record(
    *,
    by: User,
    engineer: Engineer,
    period_start: dt.date,
    period_end: dt.date,
    skill_score: int,
    attitude_score: int,
    customer_score: int,
    remarks: str = "",
    replacement_requested: bool = False,
) -> EngineerEvaluation:
    """Our evaluation of an engineer; asking for a replacement needs the reason in the
    remarks and tells the service managers (docs/domain.md §partners.evaluation)."""
    errors: dict[str, list[str]] = {}
    if period_start is None or period_end is None or period_end < period_start:
        errors["period_end"] = [_("The period ends after it starts.")]
    for name, value in (
        ("skill_score", skill_score),
        ("attitude_score", attitude_score),
        ("customer_score", customer_score),
    ):
        if value is None or not 1 <= value <= 5:
            errors[name] = [_("A score from 1 to 5.")]
    if replacement_requested and not _text(remarks):
        errors["remarks"] = [_("Say why a replacement is asked for.")]
    raise_field_errors(errors)
    with transaction.atomic():
        evaluation = EngineerEvaluation(
            engineer=engineer,
            period_start=period_start,
            period_end=period_end,
            skill_score=skill_score,
            attitude_score=attitude_score,
            customer_score=customer_score,
            remarks=_text(remarks),
            replacement_requested=bool(replacement_requested),
            evaluated_by=by,
        )
        save_with_history(evaluation, by=by, reason="evaluation")
        event_record(
            kind="engineer.evaluated",
            target=engineer,
            actor=by,
            data={
                "average": str(evaluation.average),
                "replacement": evaluation.replacement_requested,
            },
        )
        if evaluation.replacement_requested:
            notifications_create(
                recipients=users_in_roles(Role.SERVICE_MANAGER),
                kind="engineer_replacement",
                title=_("Replacement asked for: %(name)s (%(partner)s)")
                % {"name": engineer, "partner": engineer.partner or "—"},
                body=evaluation.remarks[:500],
                url=engineer.get_absolute_url(),
                target=engineer,
            )
    return evaluation


def handover_record(
    *,
    by: User,
    engineer: Engineer,
    reason: str,
    open_work: str,
    effective_on: dt.date,
    successor: Engineer | None = None,
    customers: str = "",
) -> EngineerHandover:
    """A replacement or departure is recorded only with its hand-over; the leaving engineer
    is deactivated and can no longer be assigned (docs/domain.md §partners.replacement)."""
    errors: dict[str, list[str]] = {}
    if reason not in ("replacement", "departure"):
        errors["reason"] = [_("Replacement or departure?")]
    if not _text(open_work):
        errors["open_work"] = [
            _("A replacement or a departure needs the hand-over: list the open work.")
        ]
    if effective_on is None:
        errors["effective_on"] = [_("From which day?")]
    if successor is not None and successor.pk == engineer.pk:
        errors["successor"] = [_("The successor is someone else.")]
    if reason == "replacement" and successor is None:
        errors["successor"] = [_("Name the replacement engineer.")]
    if successor is not None and not successor.can_work(effective_on):
        errors["successor"] = [
            _("%(name)s has not passed the certification exam and cannot take over.")
            % {"name": successor}
        ]
    raise_field_errors(errors)
    with transaction.atomic():
        handover = EngineerHandover(
            engineer=engineer,
            successor=successor,
            reason=reason,
            open_work=_text(open_work),
            customers=_text(customers),
            effective_on=effective_on,
            recorded_by=by,
        )
        save_with_history(handover, by=by, reason="hand-over")
        engineer = lock(engineer)
        engineer.active = False
        save_with_history(engineer, by=by, reason="left after hand-over")
        event_record(
            kind="engineer.handed_over",
            target=engineer,
            actor=by,
            data={"successor": successor.pk if successor else None, "reason": reason},
        )
        if successor is not None:
            notifications_create(
                recipients=[successor.user],
                kind="engineer_handover",
                title=_("You take over from %(name)s") % {"name": engineer},
                body=handover.open_work[:500],
                url=engineer.get_absolute_url(),
                target=engineer,
            )
    return handover


def penalty_record(
    *,
    by: User,
    partner: Partner,
    occurred_on: dt.date,
    incident: str,
    amount: Decimal,
    engineer: Engineer | None = None,
    dispatch: Any = None,
) -> PartnerPenalty:
    """A penalty for an incident caused by the partner's staff, deducted in the statement
    of the incident's month."""
    errors: dict[str, list[str]] = {}
    if occurred_on is None:
        errors["occurred_on"] = [_("When did the incident happen?")]
    if not _text(incident):
        errors["incident"] = [_("Describe the incident.")]
    if amount is None or Decimal(amount) <= 0:
        errors["amount"] = [_("The penalty is more than zero.")]
    if engineer is not None and engineer.partner_id != partner.pk:
        errors["engineer"] = [_("This engineer does not work for the partner.")]
    if dispatch is not None and (
        dispatch.engineer_id is None or dispatch.engineer.partner_id != partner.pk
    ):
        errors["dispatch"] = [_("This visit was not made by the partner's staff.")]
    raise_field_errors(errors)
    with transaction.atomic():
        penalty = PartnerPenalty(
            partner=partner,
            engineer=engineer,
            dispatch=dispatch,
            occurred_on=occurred_on,
            incident=_text(incident),
            amount=amount,
            recorded_by=by,
        )
        save_with_history(penalty, by=by, reason="penalty")
        event_record(
            kind="partner.penalty",
            target=partner,
            actor=by,
            data={"amount": str(amount), "on": occurred_on.isoformat()},
        )
    return penalty


def training_record(
    *,
    by: User,
    partner: Partner,
    rate: TrainingFeeRate,
    starts_on: dt.date,
    days: int,
    trainees: int,
) -> PartnerTraining:
    """The partner's first training is free for the agreed days; the rest and every later
    training cost the fee table's price per trainee and day (docs/domain.md
    §partners.training)."""
    from ..settlement import terms_on

    errors: dict[str, list[str]] = {}
    if starts_on is None:
        errors["starts_on"] = [_("When does the training start?")]
    if not days or days < 1:
        errors["days"] = [_("How many days?")]
    if not trainees or trainees < 1:
        errors["trainees"] = [_("How many trainees?")]
    raise_field_errors(errors)
    with transaction.atomic():
        partner = lock(partner)  # two first trainings recorded at once: one is free
        first = not PartnerTraining.objects.filter(partner=partner).exists()
        allowance = terms_on(partner, starts_on).free_training_days if first else 0
        free = min(days, allowance)
        fee = Decimal(days - free) * trainees * rate.price_per_day
        training = PartnerTraining(
            partner=partner,
            rate=rate,
            starts_on=starts_on,
            days=days,
            trainees=trainees,
            free_days=free,
            fee=fee,
            recorded_by=by,
        )
        save_with_history(training, by=by, reason="training")
    return training
