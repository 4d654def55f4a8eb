"""Requirement requests: recording rules, entitlement prefill, the evaluation and its four
outcomes, the quote from the contract's person-day rate, the sales manager's negotiation,
the solution confirmation guard (both signatures), the transition matrix and the
periodic evaluation report."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from django.db import transaction

from contracts.models import ChargeRate
from defects.choices import RequirementState
from defects.models import SOLUTION_FORM, Requirement
from defects.services import (
    evaluation_report_create,
    person_day_rate,
    requirement_agree,
    requirement_confirm_solution,
    requirement_customer_accept,
    requirement_deliver,
    requirement_evaluate,
    requirement_refuse_quote,
    requirement_schedule,
    requirement_set_solution,
    requirement_start_development,
    requirement_start_evaluation,
)
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from servicedesk.core.models import Notification, SlaTimer
from servicedesk.core.services.signatures import signature_record
from tests.defects.factories import in_state, record_requirement, reload, sh

pytestmark = pytest.mark.django_db

EVAL = {"in_scope": True, "urgent": True, "affects_operation": False, "effort_days": Decimal("3")}


def png() -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def sign(item, role: str, by) -> None:
    signature_record(
        target=item,
        form=SOLUTION_FORM,
        signer_name=by.username,
        signer_role=role,
        by=by,
        image=png(),
    )


def evaluate(item, by, outcome="accepted", **extra):
    return requirement_evaluate(item, by=by, outcome=outcome, **{**EVAL, **extra})


def test_recording_requires_a_clear_description_and_the_real_intent(sales, customer):
    with pytest.raises(ApplicationError) as exc:
        record_requirement(sales, customer, description=" ", intent="")
    assert set(exc.value.extra) == {"description", "intent"}
    with pytest.raises(ApplicationError) as exc:
        record_requirement(sales, None)
    assert "customer" in exc.value.extra


def test_entitlement_prefill_and_evaluation_deadline(clock, sales, customer):
    clock.set(sh(2026, 9, 30, 17, 0))
    item = record_requirement(sales, customer)
    assert item.entitlement == "in_scope"  # the contract covers development
    assert item.number.startswith("RQ20260930-")
    timer = SlaTimer.objects.for_subject(item).get(target="evaluation")
    # 3 working days after Wed 09-30: 10-08, 10-09, Sat 10-10 (make-up working day).
    assert timer.due_at == sh(2026, 10, 10, 18, 0)


def test_quote_is_effort_times_the_contracts_person_day_rate(sales, customer, evaluator):
    item = record_requirement(sales, customer)
    assert person_day_rate(item.contract) == Decimal("1800.00")  # the company's standard
    ChargeRate.objects.create(
        contract=item.contract, service_type="development", unit="per_person_day", price=1600
    )
    item = evaluate(item, evaluator, "quoted", effort_days=Decimal("2.5"))
    assert item.state == "quoted"
    assert (item.person_day_rate, item.quote_amount) == (Decimal("1600"), Decimal("4000.00"))
    assert list(item.evaluators.all()) == [evaluator]
    assert Notification.objects.filter(recipient=sales, kind="requirement_quoted").exists()
    assert SlaTimer.objects.for_subject(item).get(target="evaluation").state == "met"
    item = requirement_agree(item, by=sales, amount=Decimal("3600"), note="首次合作优惠")
    assert (item.state, item.agreed_amount) == ("accepted", Decimal("3600"))


def test_evaluation_requires_its_answers(sales, customer, evaluator, engineer):
    item = record_requirement(sales, customer)
    with pytest.raises(ApplicationError) as exc:
        requirement_evaluate(
            item,
            by=evaluator,
            outcome="accepted",
            in_scope=None,
            urgent=None,
            affects_operation=None,
            effort_days=None,
        )
    assert set(exc.value.extra) == {"in_scope", "urgent", "affects_operation", "effort_days"}
    with pytest.raises(ApplicationError) as exc:
        evaluate(item, evaluator, evaluators=[engineer])
    assert "evaluators" in exc.value.extra


def test_workaround_needs_the_training_who_and_when(clock, sales, customer, evaluator):
    clock.set(sh(2026, 10, 9, 15, 0))
    item = record_requirement(sales, customer)
    with pytest.raises(ApplicationError) as exc:
        evaluate(item, evaluator, "workaround", workaround="用自定义报表实现")
    assert set(exc.value.extra) == {"trained_people", "trained_by", "trained_at"}
    item = evaluate(
        item,
        evaluator,
        "workaround",
        workaround="用自定义报表实现",
        trained_people="财务 王芳、李娜",
        trained_by=evaluator,
        trained_at=sh(2026, 10, 9, 14, 0),
    )
    assert item.state == "workaround" and item.trained_people == "财务 王芳、李娜"


def test_decline_needs_the_explanation_given_to_the_customer(sales, customer, evaluator):
    item = record_requirement(sales, customer)
    with pytest.raises(ApplicationError) as exc:
        evaluate(item, evaluator, "declined")
    assert set(exc.value.extra) == {"explanation"}
    item = evaluate(item, evaluator, "declined", explanation="与标准产品设计冲突，已说明替代做法")
    assert item.state == "declined"


def test_solution_confirmation_needs_the_sales_manager_and_the_director(
    sales, director, customer, evaluator, developer
):
    item = evaluate(record_requirement(sales, customer), evaluator, in_scope=True)
    item = requirement_set_solution(item, by=sales, solution="账龄表增加业务员分组，V13.1 提供")
    with pytest.raises(TransitionConflict, match=r"(?i)sales manager, director"):
        requirement_confirm_solution(item, by=sales)
    sign(item, "sales_manager", sales)
    with pytest.raises(TransitionConflict, match=r"(?i)director"):
        requirement_confirm_solution(item, by=sales)
    # Once signed, the solution text is fixed.
    with pytest.raises(TransitionConflict):
        requirement_set_solution(item, by=sales, solution="改了")
    sign(item, "director", director)
    item = requirement_confirm_solution(item, by=director)
    assert item.state == "solution_confirmed"
    item = requirement_schedule(
        item,
        by=developer,
        planned_start=sh(2026, 10, 12, 9).date(),
        planned_delivery=sh(2026, 10, 23, 9).date(),
    )
    assert item.state == "scheduled" and item.developer == developer


def test_schedule_guard_holds_in_the_transition_itself(sales, customer, developer):
    """Even past the service's check, the FSM condition refuses without signatures."""
    item = in_state(record_requirement(sales, customer), "solution_confirmed", solution="x")
    with pytest.raises(TransitionConflict):
        requirement_schedule(
            item,
            by=developer,
            planned_start=sh(2026, 10, 12, 9).date(),
            planned_delivery=sh(2026, 10, 13, 9).date(),
        )
    from django_fsm import can_proceed

    assert not can_proceed(reload(item).schedule)


def _signed(item, sales, director):
    sign(item, "sales_manager", sales)
    sign(item, "director", director)
    return item


def test_transition_matrix(sales, director, customer, evaluator, developer, make_user):
    day = sh(2026, 10, 12, 9).date()
    runs = {
        "start_evaluation": (lambda r: requirement_start_evaluation(r, by=evaluator), {"recorded"}),
        "evaluate": (lambda r: evaluate(r, evaluator), {"recorded", "evaluating"}),
        "agree": (lambda r: requirement_agree(r, by=sales, amount=Decimal(1)), {"quoted"}),
        "refuse_quote": (
            lambda r: requirement_refuse_quote(r, by=sales, explanation="x"),
            {"quoted"},
        ),
        "confirm_solution": (lambda r: requirement_confirm_solution(r, by=director), {"accepted"}),
        "schedule": (
            lambda r: requirement_schedule(
                r, by=developer, planned_start=day, planned_delivery=day
            ),
            {"solution_confirmed"},
        ),
        "start_development": (
            lambda r: requirement_start_development(r, by=developer),
            {"scheduled"},
        ),
        "deliver": (
            lambda r: requirement_deliver(r, by=developer, note="V13.1"),
            {"in_development"},
        ),
        "customer_accept": (
            lambda r: requirement_customer_accept(r, by=sales, note="客户确认"),
            {"delivered"},
        ),
    }
    base = _signed(record_requirement(sales, customer), sales, director)
    Requirement.objects.filter(pk=base.pk).update(solution="方案")
    for name, (run, allowed) in runs.items():
        for state in RequirementState.values:
            item = in_state(base, state)
            if state in allowed:
                with transaction.atomic():
                    assert run(item).state != state, (name, state)
            else:
                with pytest.raises(TransitionConflict):
                    run(item)
                assert reload(item).state == state, (name, state)


def test_periodic_evaluation_report(clock, sales, director, customer, evaluator, make_user):
    implementation = make_user("implementation_manager")
    clock.set(sh(2026, 10, 9, 10, 0))
    first = evaluate(record_requirement(sales, customer), evaluator)
    clock.set(sh(2026, 11, 2, 10, 0))
    evaluate(record_requirement(sales, customer, title="十一月的"), evaluator)
    report = evaluation_report_create(
        by=director, period_start=sh(2026, 10, 1).date(), period_end=sh(2026, 10, 31).date()
    )
    from defects.selectors import evaluated_in

    assert evaluated_in(report) == [first]
    told = set(
        Notification.objects.filter(kind="evaluation_report").values_list("recipient", flat=True)
    )
    assert {sales.pk, director.pk, implementation.pk} <= told
    with pytest.raises(ApplicationError):
        evaluation_report_create(
            by=director, period_start=sh(2026, 10, 31).date(), period_end=sh(2026, 10, 1).date()
        )


def test_monthly_report_is_made_once_for_last_month(clock, sales, customer, evaluator):
    from defects.models import EvaluationReport
    from defects.services import evaluation_report_monthly
    from defects.tasks import evaluation_report_monthly as task

    clock.set(sh(2026, 10, 9, 10, 0))
    evaluate(record_requirement(sales, customer), evaluator)
    report = evaluation_report_monthly(today=sh(2026, 11, 1).date())
    assert (report.period_start, report.period_end) == (
        sh(2026, 10, 1).date(),
        sh(2026, 10, 31).date(),
    )
    assert report.created_by is None
    assert evaluation_report_monthly(today=sh(2026, 11, 1).date()) is None
    clock.set(sh(2026, 11, 1, 7, 0))
    assert task.run() is None  # the beat task: already made
    assert EvaluationReport.objects.count() == 1
    assert Notification.objects.filter(kind="evaluation_report", recipient=sales).count() == 1
    with pytest.raises(ApplicationError):
        evaluation_report_create(
            by=sales.__class__.objects.get(username="eval_hou"),
            period_start=report.period_start,
            period_end=report.period_end,
        )


def test_an_uploaded_signed_scan_counts_as_a_signature(sales, director, customer, evaluator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = evaluate(record_requirement(sales, customer), evaluator)
    item = requirement_set_solution(item, by=sales, solution="按方案开发")
    sign(item, "sales_manager", sales)
    scan = SimpleUploadedFile(
        "signed.pdf", b"%PDF-1.4\n% signed on paper\n%%EOF\n", "application/pdf"
    )
    signature_record(
        target=item,
        form=SOLUTION_FORM,
        signer_role="director",
        by=director,  # the director uploads the scan of the paper he signed
        file=scan,
    )
    assert reload(item).missing_signers() == []
    assert requirement_confirm_solution(item, by=sales).state == "solution_confirmed"
