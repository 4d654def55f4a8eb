"""Ticket services (docs/domain.md §hotline): the transition
matrix, no refusal path, routing at intake, first-contact ownership, system-down and
complaint routing, bad intake input, and what closing needs."""

from __future__ import annotations

import datetime as dt
from collections import deque
from decimal import Decimal

import pytest
from django.utils import timezone

from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification, SlaTimer
from servicedesk.core.services import transition_run
from tests.tickets.factories import in_state, make_contract, make_customer, reload, take_call
from tickets.choices import CommercialDecision, ScopeDecision, Severity, TicketKind, TicketState
from tickets.models import Ticket
from tickets.services import (
    ticket_answer,
    ticket_call_back,
    ticket_close,
    ticket_commercial_decide,
    ticket_mark_dispatched,
    ticket_mark_resolved,
    ticket_request_dispatch,
    ticket_scope_decide,
    ticket_shelve,
    ticket_transfer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]

RESOLUTION = {
    "problem": "凭证保存报错",
    "cause": "科目已停用",
    "solution": "启用科目后重新保存",
    "steps": "基础设置→会计科目→启用",
    "precautions": "停用科目前先确认没有未记账凭证",
}


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军")


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="lihua", last_name="李", first_name="华")


@pytest.fixture
def director(make_user):
    return make_user(Role.DIRECTOR, username="boss")


@pytest.fixture
def customer(sales):
    return make_contract(sales).customer


@pytest.fixture
def ticket(engineer, customer):
    return take_call(engineer, customer)


# -- the transition matrix ---------------------------------------------------------------

ALL_STATES = list(TicketState.values)
S = TicketState
ALLOWED = {
    "answer": {S.NEW, S.SHELVED},
    "shelve": {S.NEW},
    "call_back": {S.SHELVED},
    "request_dispatch": {S.NEW, S.SHELVED},
    "dispatch": {S.DISPATCH_REQUESTED},
    "resolve": {S.DISPATCHED},
    "confirm_in_scope": {S.SCOPE_REVIEW},
    "confirm_out_of_scope": {S.SCOPE_REVIEW},
    "agree_charge": {S.COMMERCIAL_REVIEW},
    "waive_charge": {S.COMMERCIAL_REVIEW},
    "decline": {S.COMMERCIAL_REVIEW},
    "close": {S.ANSWERED, S.RESOLVED},
    "refer_scope": {S.NEW},
    "refer_commercial": {S.NEW},
}
TARGET = {
    "answer": S.ANSWERED,
    "shelve": S.SHELVED,
    "call_back": S.SHELVED,
    "request_dispatch": S.DISPATCH_REQUESTED,
    "dispatch": S.DISPATCHED,
    "resolve": S.RESOLVED,
    "confirm_in_scope": S.NEW,
    "confirm_out_of_scope": S.COMMERCIAL_REVIEW,
    "agree_charge": S.NEW,
    "waive_charge": S.NEW,
    "decline": S.CLOSED,
    "close": S.CLOSED,
    "refer_scope": S.SCOPE_REVIEW,
    "refer_commercial": S.COMMERCIAL_REVIEW,
}


def run(name: str, ticket: Ticket, *, engineer, director) -> Ticket:
    """Run transition ``name`` through its service, as the person who does it."""
    if name == "answer":
        return ticket_answer(ticket, by=engineer, **RESOLUTION)
    if name == "shelve":
        return ticket_shelve(ticket, by=engineer, reason="需请教开发")
    if name == "call_back":
        return ticket_call_back(ticket, by=engineer, note="已告知客户处理进度")
    if name == "request_dispatch":
        return ticket_request_dispatch(ticket, by=engineer, notes="带加密锁")
    if name == "dispatch":
        return ticket_mark_dispatched(ticket)
    if name == "resolve":
        return ticket_mark_resolved(ticket, **RESOLUTION)
    if name in ("confirm_in_scope", "confirm_out_of_scope"):
        in_scope = name == "confirm_in_scope"
        return ticket_scope_decide(ticket, by=director, in_scope=in_scope, note="合同附件二")
    if name == "agree_charge":
        return ticket_commercial_decide(
            ticket, by=director, decision="charge_agreed", amount=Decimal("800")
        )
    if name == "waive_charge":
        return ticket_commercial_decide(ticket, by=director, decision="waived", note="老客户")
    if name == "decline":
        return ticket_commercial_decide(ticket, by=director, decision="declined", note="不付费")
    if name == "close":
        return ticket_close(ticket, by=engineer)
    from django.db import transaction

    with transaction.atomic():
        return transition_run(instance=ticket, name=name, by=None)


@pytest.mark.parametrize("source", ALL_STATES)
@pytest.mark.parametrize("name", list(ALLOWED))
def test_transition_matrix(name, source, ticket, engineer, director):
    ticket = in_state(ticket, source, **RESOLUTION)
    if source in ALLOWED[name]:
        after = run(name, ticket, engineer=engineer, director=director)
        assert after.state == TARGET[name]
        assert reload(ticket).state == TARGET[name]
        assert DomainEvent.objects.filter(kind=f"ticket.{name}", target_id=ticket.pk).exists()
    else:
        with pytest.raises(TransitionConflict):
            run(name, ticket, engineer=engineer, director=director)
        assert reload(ticket).state == source


def test_transitions_check_permissions(ticket, make_user, engineer, sales):
    field_engineer = make_user(Role.FIELD_ENGINEER)
    with pytest.raises(NotPermitted):
        ticket_shelve(ticket, by=field_engineer, reason="x")
    review = in_state(ticket, TicketState.SCOPE_REVIEW)
    with pytest.raises(NotPermitted):  # the arbiter decides, not the engineer
        ticket_scope_decide(review, by=engineer, in_scope=True)
    commercial = in_state(ticket, TicketState.COMMERCIAL_REVIEW)
    with pytest.raises(NotPermitted):  # the sales manager decides charges
        ticket_commercial_decide(commercial, by=engineer, decision="waived")
    assert ticket_commercial_decide(commercial, by=sales, decision="waived").state == "new"


# -- never refused -----------------------------------------------------------------------


def test_there_is_no_refusal_path():
    """The only way into closed without a resolution is the customer's own decline in
    commercial review; no transition rejects or refuses a request."""
    transitions = Ticket._meta.get_field("state").get_all_transitions(Ticket)
    edges = {(t.name, t.source, t.target) for t in transitions}
    assert not any(
        word in name for name, _s, _t in edges for word in ("reject", "refuse", "cancel")
    )
    into_closed = {(name, source) for name, source, target in edges if target == S.CLOSED}
    assert into_closed == {
        ("close", S.ANSWERED),
        ("close", S.RESOLVED),
        ("decline", S.COMMERCIAL_REVIEW),
    }
    # Every path from new to closed passes through an answer, a resolution or the
    # customer's decline after commercial review.
    graph: dict[str, set[str]] = {}
    for _name, source, target in edges:
        graph.setdefault(source, set()).add(target)
    blocked = {S.ANSWERED, S.RESOLVED, S.COMMERCIAL_REVIEW}
    seen, queue = {S.NEW}, deque([S.NEW])
    while queue:
        state = queue.popleft()
        for nxt in graph.get(state, ()):
            if nxt not in seen and nxt not in blocked:
                seen.add(nxt)
                queue.append(nxt)
    assert S.CLOSED not in seen


def test_in_scope_intake_stays_new(ticket):
    assert ticket.state == TicketState.NEW
    assert ticket.entitlement == "in_scope"
    assert ticket.contract is not None
    assert ticket.number.startswith("RX")


def test_expired_contract_goes_to_the_sales_manager(engineer, sales):
    customer = make_contract(sales, free=(dt.date(2025, 1, 1), dt.date(2025, 12, 31))).customer
    ticket = take_call(engineer, customer)
    assert ticket.state == TicketState.COMMERCIAL_REVIEW
    assert ticket.entitlement == "out_of_scope"
    assert ticket.entitlement_code == "expired"
    note = Notification.objects.get(kind="commercial_review", target_id=ticket.pk)
    assert note.recipient == sales
    decided = ticket_commercial_decide(
        ticket, by=sales, decision=CommercialDecision.CHARGE_AGREED, amount=Decimal("600")
    )
    assert decided.state == TicketState.NEW
    assert decided.agreed_charge == Decimal("600")


def test_type_not_covered_goes_to_commercial_review(engineer, sales):
    customer = make_contract(sales, scope=("phone_support",)).customer
    ticket = take_call(engineer, customer, service_type="training")
    assert ticket.state == TicketState.COMMERCIAL_REVIEW
    assert ticket.entitlement_code == "type_not_covered"


def test_undetermined_goes_to_scope_review_and_the_arbiter(engineer, director, sales):
    customer = make_customer(sales)  # no contract at all
    ticket = take_call(engineer, customer)
    assert ticket.state == TicketState.SCOPE_REVIEW
    assert ticket.entitlement == "undetermined"
    assert Notification.objects.filter(
        kind="scope_review", target_id=ticket.pk, recipient=director
    ).exists()
    out = ticket_scope_decide(ticket, by=director, in_scope=False, note="超出合同范围")
    assert out.state == TicketState.COMMERCIAL_REVIEW
    assert out.scope_decision == ScopeDecision.OUT_OF_SCOPE


def test_declined_closes_with_the_customers_decision_and_cancels_timers(engineer, sales):
    customer = make_contract(sales, free=(dt.date(2025, 1, 1), dt.date(2025, 12, 31))).customer
    ticket = take_call(engineer, customer)
    with pytest.raises(ApplicationError) as exc:
        ticket_commercial_decide(ticket, by=sales, decision=CommercialDecision.DECLINED)
    assert "note" in exc.value.extra
    closed = ticket_commercial_decide(
        ticket, by=sales, decision=CommercialDecision.DECLINED, note="客户不同意付费"
    )
    assert closed.state == TicketState.CLOSED
    assert closed.commercial_note == "客户不同意付费"
    assert not SlaTimer.objects.for_subject(closed).open().exists()


# -- first-contact ownership (首问责任制) --------------------------------------------------


def test_first_contact_owner_survives_transfers_until_closed(ticket, engineer, make_user):
    second = make_user(Role.HOTLINE_ENGINEER, username="second")
    third = make_user(Role.SERVICE_MANAGER, username="third")
    ticket = ticket_transfer(ticket, by=engineer, to=second, note="交给熟悉总账的同事")
    ticket = ticket_transfer(ticket, by=second, to=third)
    assert ticket.first_contact_owner == engineer
    assert ticket.assignee == third

    def owned_open():
        return list(Ticket.objects.open().filter(first_contact_owner=engineer))

    assert owned_open() == [ticket]
    handover = SlaTimer.objects.for_subject(ticket).get(target="handover_to_manager")
    assert handover.assignee == third  # the open timers follow the work
    assert Notification.objects.filter(kind="ticket_transfer", recipient=third).exists()
    ticket = ticket_answer(ticket, by=third, **RESOLUTION)
    assert owned_open() == [ticket]  # answered is not closed: still in the owner's queue
    ticket = ticket_close(ticket, by=third)
    assert owned_open() == []
    assert reload(ticket).first_contact_owner == engineer


def test_transfer_refuses_inactive_people_and_closed_tickets(ticket, engineer, make_user):
    gone = make_user(Role.HOTLINE_ENGINEER, is_active=False)
    with pytest.raises(ApplicationError) as exc:
        ticket_transfer(ticket, by=engineer, to=gone)
    assert "to" in exc.value.extra
    closed = in_state(ticket, TicketState.CLOSED)
    with pytest.raises(ApplicationError):
        ticket_transfer(closed, by=engineer, to=make_user(Role.HOTLINE_ENGINEER))


# -- system down and complaints ------------------------------------------------------------


def test_system_down_notifies_every_tech_manager_at_once(engineer, customer, make_user):
    tech_a = make_user(Role.TECH_MANAGER)
    tech_b = make_user(Role.TECH_MANAGER)
    ticket = take_call(engineer, customer, severity=Severity.SYSTEM_DOWN, description="服务器宕机")
    recipients = set(
        Notification.objects.filter(kind="system_down", target_id=ticket.pk).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {tech_a.pk, tech_b.pk}
    normal = take_call(engineer, customer)
    assert not Notification.objects.filter(kind="system_down", target_id=normal.pk).exists()


def test_complaint_goes_to_a_tech_manager_with_the_acknowledge_timer(engineer, customer, make_user):
    tech = make_user(Role.TECH_MANAGER)
    received = timezone.now() - dt.timedelta(minutes=5)
    ticket = take_call(
        engineer,
        customer,
        kind=TicketKind.COMPLAINT,
        description="工程师态度差",
        received_at=received,
    )
    assert ticket.assignee == tech
    assert ticket.first_contact_owner == engineer
    timer = SlaTimer.objects.for_subject(ticket).get(target="acknowledge")
    assert timer.state == TimerState.RUNNING
    assert timer.assignee == tech
    assert timer.started_at == received
    # Requests have no acknowledge timer.
    request = take_call(engineer, customer)
    assert not SlaTimer.objects.for_subject(request).filter(target="acknowledge").exists()


# -- bad intake input ------------------------------------------------------------------------


def test_intake_refuses_a_future_received_time(engineer, customer):
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, customer, received_at=timezone.now() + dt.timedelta(hours=1))
    assert list(exc.value.extra) == ["received_at"]
    assert not Ticket.objects.exists()


def test_intake_needs_the_customer(engineer):
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, None)
    assert "customer" in exc.value.extra


def test_intake_needs_the_symptoms_and_caller(engineer, customer):
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, customer, description="   ", caller_name="")
    assert {"description", "caller_name"} <= set(exc.value.extra)
    assert not Ticket.objects.exists()


def test_intake_refuses_another_customers_contract(engineer, customer, sales):
    other = make_contract(sales)
    with pytest.raises(ApplicationError) as exc:
        take_call(engineer, customer, contract=other)
    assert "contract" in exc.value.extra


# -- closing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["problem", "cause", "solution", "steps"])
def test_close_requires_problem_cause_solution_and_steps(ticket, engineer, missing):
    answered = in_state(ticket, TicketState.ANSWERED, **{**RESOLUTION, missing: ""})
    with pytest.raises(ApplicationError) as exc:
        ticket_close(answered, by=engineer)
    assert list(exc.value.extra) == [missing]
    assert reload(ticket).state == TicketState.ANSWERED


def test_answer_requires_the_resolution(ticket, engineer):
    with pytest.raises(ApplicationError) as exc:
        ticket_answer(ticket, by=engineer, **{**RESOLUTION, "steps": " "})
    assert list(exc.value.extra) == ["steps"]
    assert reload(ticket).state == TicketState.NEW


def test_dispatch_resolution_flows_back_and_closes(ticket, engineer):
    ticket = ticket_request_dispatch(ticket, by=engineer, notes="客户机房在 3 楼")
    assert DomainEvent.objects.filter(kind="ticket.dispatch_requested").exists()
    ticket = ticket_mark_dispatched(ticket)
    ticket = ticket_mark_resolved(ticket, **RESOLUTION)
    assert ticket.state == TicketState.RESOLVED
    closed = ticket_close(ticket, by=engineer)
    assert closed.state == TicketState.CLOSED
    assert closed.closed_at is not None
    assert not SlaTimer.objects.for_subject(closed).open().exists()
