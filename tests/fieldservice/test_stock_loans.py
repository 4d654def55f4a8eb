"""Loans and faulty parts (docs/domain.md §stock.loans, §stock.repairs): a loan needs the
technical manager's approval before it leaves the warehouse; an emergency loan is taken at
once and its paperwork is due within one working day (the SLA sweep breaches it and the
technical managers hear of it); loans end returned (tested) or sold. A faulty part taken
back is tagged (its tag printed), sent for repair and tracked until it is back in stock —
never without a test record — or written off."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fieldservice.choices import PartUsageKind
from fieldservice.models.stock import LoanState, MovementKind, RepairState, StockMovement
from fieldservice.printing_stock import part_tag
from fieldservice.services import part_approve
from fieldservice.services.stock import (
    faulty_restock,
    faulty_send,
    faulty_tag,
    faulty_write_off,
    loan_approve,
    loan_refuse,
    loan_request,
    loan_return,
    loan_sell,
)
from servicedesk.core import printing
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import Escalation, Notification, SlaTimer
from servicedesk.core.services.timers import sla_sweep
from tests.fieldservice.factories import make_engineer, new_dispatch
from tests.fieldservice.stock_factories import level, make_part, make_store, stock
from tests.tickets.factories import make_customer, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    return {
        "keeper": make_user(Role.SERVICE_MANAGER, username="kuguan"),
        "tech": make_user(Role.TECH_MANAGER, username="jishu", last_name="孙", first_name="经理"),
        "engineer": make_engineer(make_user),
    }


def _paperwork(loan):
    return SlaTimer.objects.get(subject_id=loan.pk, target="paperwork")


def test_a_loan_waits_for_approval_then_leaves_the_warehouse(people):
    keeper, tech, engineer = people["keeper"], people["tech"], people["engineer"]
    part, store = make_part("交换机"), make_store()
    stock(keeper, part, store, 1)
    customer = make_customer(keeper)
    loan = loan_request(
        by=engineer.user, part=part, warehouse=store, customer=customer,
        purpose="stand_in", reason="客户交换机送修期间顶替",
    )  # fmt: skip
    assert loan.state == LoanState.REQUESTED and loan.number.startswith("JY")
    assert level(part, store) == 1  # nothing leaves before approval
    assert Notification.objects.filter(recipient=tech, kind="spare_part_approval").exists()
    with pytest.raises(NotPermitted):
        loan_approve(loan, by=engineer.user)
    loan = loan_approve(loan, by=tech, note="同意")
    assert loan.state == LoanState.ON_LOAN and loan.approved_by == tech
    assert level(part, store) == 0
    with pytest.raises(ApplicationError) as exc:
        loan_return(loan, by=engineer.user, warehouse=store, test_record="")
    assert "test_record" in exc.value.extra
    loan = loan_return(loan, by=engineer.user, warehouse=store, test_record="通电测试正常")
    assert loan.state == LoanState.RETURNED and level(part, store) == 1
    kinds = list(
        StockMovement.objects.filter(loan=loan).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [MovementKind.LOAN_OUT, MovementKind.LOAN_BACK]


def test_a_loan_refused_or_short_of_stock(people):
    keeper, tech, engineer = people["keeper"], people["tech"], people["engineer"]
    part, store = make_part(), make_store()
    customer = make_customer(keeper)
    loan = loan_request(
        by=engineer.user, part=part, warehouse=store, customer=customer,
        purpose="test", reason="测试",
    )  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        loan_approve(loan, by=tech)  # nothing in stock: refused in words, still requested
    assert "quantity" in exc.value.extra
    loan.refresh_from_db()
    assert loan.state == LoanState.REQUESTED
    loan = loan_refuse(loan, by=tech, reason="库存不足，改用新件")
    assert loan.state == LoanState.REJECTED


def test_emergency_loan_is_taken_first_and_its_paperwork_is_due_in_a_working_day(people, clock):
    """事情紧急时可事先借用，但事后须补全手续: taken on Tuesday 10:00, approval due at the
    close of Wednesday (one working day, office calendar, docs/domain.md §worktime.days);
    missed, the sweep breaches it and tells the technical managers; approving late meets
    it late; only then can it be returned or sold."""
    keeper, tech, engineer = people["keeper"], people["tech"], people["engineer"]
    part, store = make_part("主板"), make_store()
    stock(keeper, part, store, 2)
    dispatch = new_dispatch(keeper)
    clock.set(sh(2026, 12, 8, 10, 0))
    loan = loan_request(
        by=engineer.user, part=part, warehouse=store, customer=dispatch.customer,
        dispatch=dispatch, purpose="replacement", reason="系统瘫痪，先换主板", emergency=True,
    )  # fmt: skip
    assert loan.state == LoanState.ON_LOAN and loan.approved_at is None
    assert level(part, store) == 1  # taken at once
    usage = loan.usage
    assert usage.dispatch == dispatch and usage.kind == PartUsageKind.LOAN and usage.emergency
    timer = _paperwork(loan)
    assert timer.due_at == sh(2026, 12, 9, 18, 0)
    assert timer.owner_role == Role.TECH_MANAGER
    # Not approved yet: neither returned nor sold.
    with pytest.raises(TransitionConflict):
        loan_sell(loan, by=tech, sale_reference="XS-1")
    sla_sweep(now=sh(2026, 12, 9, 18, 1))
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED
    assert Escalation.objects.filter(timer=timer, kind="breach").exists()
    clock.set(sh(2026, 12, 10, 9, 30))
    # The technical manager approves from the visit's part line: the loan is approved.
    part_approve(usage, by=tech)
    loan.refresh_from_db()
    assert loan.approved_by == tech and loan.state == LoanState.ON_LOAN
    timer.refresh_from_db()
    assert timer.met_at == sh(2026, 12, 10, 9, 30)
    usage.refresh_from_db()
    assert usage.approved_by == tech
    assert level(part, store) == 1  # approving afterwards moves nothing again
    loan = loan_sell(loan, by=tech, sale_reference="XS-2026-118")
    assert loan.state == LoanState.SOLD


def test_emergency_loan_approved_in_time_is_met(people, clock):
    keeper, tech, engineer = people["keeper"], people["tech"], people["engineer"]
    part, store = make_part(), make_store()
    stock(keeper, part, store, 1)
    clock.set(sh(2026, 12, 8, 10, 0))
    loan = loan_request(
        by=engineer.user, part=part, warehouse=store, customer=make_customer(keeper),
        purpose="replacement", reason="紧急", emergency=True,
    )  # fmt: skip
    clock.set(sh(2026, 12, 8, 16, 0))
    loan_approve(loan, by=tech)
    timer = _paperwork(loan)
    assert timer.state == TimerState.MET and timer.breached_at is None


def test_the_faulty_part_loop(people):
    """Taken back on a visit → tagged (a line of the report with the tag) → label printed →
    sent for repair → back in stock only with a test record."""
    keeper, engineer = people["keeper"], people["engineer"]
    part, store = make_part("电源模块"), make_store()
    dispatch = new_dispatch(keeper)
    faulty = faulty_tag(
        by=engineer.user, part=part, fault="无法加电", serial_number="SN-77", dispatch=dispatch
    )
    assert faulty.tag_number.startswith("GZ") and faulty.state == RepairState.TAGGED
    assert faulty.customer == dispatch.customer
    line = faulty.usage
    assert line.kind == PartUsageKind.FAULTY and line.repair_tag == faulty.tag_number
    label = printing.render_pdf(part_tag(faulty))
    assert label.startswith(b"%PDF")
    with pytest.raises(NotPermitted):
        faulty_send(faulty, by=engineer.user, repairer="厂商")
    faulty = faulty_send(faulty, by=keeper, repairer="华为苏州维修中心")
    assert faulty.state == RepairState.AT_REPAIR
    with pytest.raises(ApplicationError):
        faulty_restock(faulty, by=keeper, warehouse=store, test_record=" ")
    assert level(part, store) == 0
    faulty = faulty_restock(faulty, by=keeper, warehouse=store, test_record="满载测试 2 小时正常")
    assert faulty.state == RepairState.RESTOCKED and level(part, store) == 1
    movement = StockMovement.objects.get(repair=faulty)
    assert movement.kind == MovementKind.REPAIR_BACK and movement.test_record


def test_a_faulty_part_written_off_never_enters_stock(people):
    keeper, engineer = people["keeper"], people["engineer"]
    part, store = make_part(), make_store()
    faulty = faulty_tag(by=engineer.user, part=part, fault="烧毁", customer=make_customer(keeper))
    faulty = faulty_send(faulty, by=keeper, repairer="厂商")
    faulty = faulty_write_off(faulty, by=keeper, reason="厂商确认无法修复")
    assert faulty.state == RepairState.WRITTEN_OFF
    with pytest.raises(TransitionConflict):
        faulty_restock(faulty, by=keeper, warehouse=store, test_record="x")
    assert level(part, store) == 0


def test_api_issue_shortage_is_a_400_on_quantity(people):
    keeper = people["keeper"]
    part, store = make_part(), make_store()
    stock(keeper, part, store, 1)
    api = APIClient()
    api.force_authenticate(keeper)
    url = "/api/v1/stock-movements/issue/"
    body = {"part": part.pk, "warehouse": store.pk, "quantity": 2}
    response = api.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    assert "quantity" in response.json()
    body["quantity"] = 1
    assert api.post(url, body, format="json").status_code == 201
    assert level(part, store) == 0
