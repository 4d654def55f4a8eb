"""Waiting for the customer pauses the customer's clocks (docs/domain.md §deadlines.pause).

A ticket or a defect waiting for the customer (information, a test, access to the system)
pauses its promises to the customer with the reason, and resumes them, moved by the
working time waited, when the customer answers: on the page, through the API, audited.
Internal deadlines keep running. Timelines, the deadlines list and the API show the
paused time.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import CustomerWait, SlaTimer
from servicedesk.core.services.timers import sla_sweep
from tests.tickets.factories import make_contract, sh, take_call

pytestmark = pytest.mark.django_db

WED_1000 = sh(2026, 11, 18, 10, 0)


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="hl_wait", last_name="王", first_name="静")


@pytest.fixture
def customer(make_user):
    return make_contract(make_user(Role.SALES_MANAGER, username="sales_wait")).customer


@pytest.fixture
def shelved(clock, engineer, customer):
    """Shelved Wed 10:00: call back by 11:00, reply by 14:00, hand over by Thu 09:00."""
    from tickets.services import ticket_shelve

    clock.set(WED_1000)
    ticket = take_call(engineer, customer, received_at=WED_1000)
    return ticket_shelve(ticket, by=engineer, reason="需客户提供报错截图")


def _timers(subject) -> dict[str, SlaTimer]:
    return {t.target: t for t in SlaTimer.objects.for_subject(subject).order_by("started_at")}


def test_waiting_pauses_the_promises_and_the_answer_resumes_them(clock, engineer, shelved):
    from tickets.services.waits import ticket_customer_answered, ticket_wait_for_customer

    timers = _timers(shelved)
    assert timers["callback"].due_at == sh(2026, 11, 18, 11, 0)
    assert timers["reply"].due_at == sh(2026, 11, 18, 14, 0)
    clock.set(sh(2026, 11, 18, 10, 20))
    ticket_wait_for_customer(
        shelved, by=engineer, reason="information", note="请客户发来报错截图和账套号"
    )
    timers = _timers(shelved)
    assert timers["callback"].state == TimerState.PAUSED
    assert timers["reply"].state == TimerState.PAUSED
    # The hand-over to the service manager is an internal step: it keeps running.
    assert timers["handover_to_manager"].state == TimerState.RUNNING
    # Paused clocks are not breached while the customer takes their time.
    sla_sweep(now=sh(2026, 11, 18, 15, 0))
    assert {t.state for t in SlaTimer.objects.for_subject(shelved)} == {"paused", "running"}

    clock.set(sh(2026, 11, 18, 15, 20))
    ticket_customer_answered(shelved, by=engineer, answer="客户已发来截图：科目 1001 已停用")
    timers = _timers(shelved)
    # Paused 10:20–12:00 and 13:00–15:20: 4 working hours, added to each promise.
    assert timers["callback"].state == TimerState.RUNNING
    assert timers["callback"].due_at == sh(2026, 11, 18, 16, 0)
    assert timers["reply"].due_at == sh(2026, 11, 18, 18, 0)
    assert timers["callback"].paused_seconds == 4 * 3600
    assert timers["handover_to_manager"].due_at == sh(2026, 11, 19, 9, 0)
    wait = CustomerWait.objects.get()
    assert wait.ended_at == sh(2026, 11, 18, 15, 20)
    assert wait.paused_targets == ["callback", "reply"]
    assert wait.paused_seconds == 4 * 3600
    # Audited: who asked, who recorded the answer, with reasons.
    reasons = list(
        wait.history.order_by("history_id").values_list(
            "history_change_reason", "history_user__username"
        )
    )
    assert reasons == [("wait for the customer", "hl_wait"), ("the customer answered", "hl_wait")]
    pauses = timers["callback"].history.values_list("history_change_reason", flat=True)
    assert {"pause: waiting for the customer", "resume: the customer answered"} <= set(pauses)


def test_a_promise_started_while_waiting_starts_paused(clock, engineer, customer):
    from tickets.services import ticket_shelve
    from tickets.services.waits import ticket_customer_answered, ticket_wait_for_customer

    clock.set(WED_1000)
    ticket = take_call(engineer, customer, received_at=WED_1000)
    ticket_wait_for_customer(ticket, by=engineer, reason="access", note="请客户开通远程桌面")
    clock.set(sh(2026, 11, 18, 10, 30))
    ticket = ticket_shelve(ticket, by=engineer, reason="等待远程")
    assert _timers(ticket)["callback"].state == TimerState.PAUSED
    clock.set(sh(2026, 11, 18, 11, 30))
    ticket_customer_answered(ticket, by=engineer, answer="已开通")
    # Due 11:30, moved by the working hour waited (10:30–11:30): over lunch to 13:30.
    assert _timers(ticket)["callback"].due_at == sh(2026, 11, 18, 13, 30)
    assert CustomerWait.objects.get().paused_targets == ["callback", "reply"]


def test_answering_the_ticket_ends_the_wait(clock, engineer, shelved):
    from tickets.services import ticket_answer
    from tickets.services.waits import ticket_wait_for_customer

    clock.set(sh(2026, 11, 18, 10, 20))
    ticket_wait_for_customer(shelved, by=engineer, reason="test", note="请客户在测试账套试一下")
    clock.set(sh(2026, 11, 18, 10, 50))
    ticket_answer(
        shelved,
        by=engineer,
        problem="报错",
        cause="科目停用",
        solution="启用",
        steps="…",
        precautions="停用科目前先检查余额",
    )
    wait = CustomerWait.objects.get()
    assert wait.ended_at == sh(2026, 11, 18, 10, 50)
    assert wait.answer == ""
    assert _timers(shelved)["callback"].state == TimerState.MET


def test_internal_clocks_of_a_defect_keep_running_its_fix_pauses(clock, make_user):
    from defects.services import defect_report
    from defects.services.waits import defect_customer_answered, defect_wait_for_customer
    from tests.defects.factories import record_defect

    engineer = make_user(Role.FIELD_ENGINEER, username="fe_wait")
    clock.set(WED_1000)
    defect = record_defect(engineer, severity="important", reported_at=WED_1000)
    clock.set(sh(2026, 11, 18, 11, 0))
    defect_wait_for_customer(defect, by=engineer, reason="access", note="请客户开放服务器远程访问")
    timers = _timers(defect)
    assert timers["report"].state == TimerState.RUNNING
    assert timers["verify"].state == TimerState.RUNNING
    assert timers["resolve"].state == TimerState.PAUSED
    clock.set(sh(2026, 11, 19, 11, 0))  # one working day later
    defect_customer_answered(defect, by=engineer, answer="已开放 VPN 账号")
    timers = _timers(defect)
    # 3 working days after Wed: Mon 11-23 18:00, moved by 8 working hours: Tue 18:00.
    assert timers["resolve"].due_at == sh(2026, 11, 24, 18, 0)
    assert timers["report"].due_at == sh(2026, 11, 19, 18, 0)

    serious = defect_report(record_defect(engineer, severity="serious"), by=engineer)
    clock.set(sh(2026, 11, 19, 12, 0))
    defect_wait_for_customer(serious, by=engineer, reason="test", note="请客户验证补丁")
    clock.set(sh(2026, 11, 19, 14, 0))
    defect_customer_answered(serious, by=engineer, answer="客户验证通过")
    # The fix runs on wall-clock hours: 24 h from the report, moved by the 2 h waited.
    assert _timers(serious)["fix"].due_at == sh(2026, 11, 20, 13, 0)


def test_the_ticket_page_waits_and_records_the_answer(client, clock, engineer, shelved, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(engineer)
    url = reverse("tickets:ticket", args=[shelved.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="action-wait_for_customer"' in page
    assert 'data-testid="customer-wait"' not in page
    clock.set(sh(2026, 11, 18, 10, 20))
    action = reverse("tickets:ticket-action", args=[shelved.pk, "wait_for_customer"])
    refused = client.post(action, {"wait_for_customer-reason": "information"})
    assert refused.status_code == 400
    assert "此项为必填项。" in refused.content.decode()
    assert not CustomerWait.objects.exists()
    done = client.post(
        action,
        {"wait_for_customer-reason": "information", "wait_for_customer-note": "请发来截图"},
    )
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="customer-wait"' in page
    assert "等待客户：客户提供信息" in page
    assert 'data-testid="action-customer_answered"' in page
    assert 'data-testid="action-wait_for_customer"' not in page
    clock.set(sh(2026, 11, 18, 15, 20))
    answered = reverse("tickets:ticket-action", args=[shelved.pk, "customer_answered"])
    assert client.post(answered, {"customer_answered-answer": "截图已收到"}).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="customer-wait"' not in page
    # The timeline tells the wait and how long the customer's deadlines were paused.
    assert "客户已答复" in page
    assert "共等待5小时；客户时限顺延4小时。" in page
    assert "等待客户期间暂停4小时，到期时间已顺延。" in page
    # The deadlines list shows the paused time.
    timers = client.get(reverse("core:timers") + "?state=all").content.decode()
    assert "4小时" in timers


def test_the_api_pauses_resumes_and_refuses(clock, engineer, shelved, make_user):
    api = APIClient()
    api.force_authenticate(engineer)
    base = f"/api/v1/tickets/{shelved.pk}/transitions"
    clock.set(sh(2026, 11, 18, 10, 20))
    blank = api.post(f"{base}/wait_for_customer/", {"reason": "test", "note": ""}, format="json")
    assert blank.status_code == 400 and "note" in blank.json()
    ok = api.post(
        f"{base}/wait_for_customer/", {"reason": "test", "note": "请客户测试"}, format="json"
    )
    assert ok.status_code == 200, ok.json()
    data = ok.json()
    assert data["customer_wait"]["reason"] == "test"
    assert data["customer_wait"]["started_by_name"] == "王静"
    states = {t["target"]: t["state"] for t in data["timers"]}
    assert states["callback"] == "paused" and states["handover_to_manager"] == "running"
    again = api.post(
        f"{base}/wait_for_customer/", {"reason": "test", "note": "再次"}, format="json"
    )
    assert again.status_code == 409
    listed = api.get("/api/v1/tickets/").json()["results"]
    assert [t["customer_wait"]["note"] for t in listed] == ["请客户测试"]
    outsider = APIClient()
    outsider.force_authenticate(make_user(Role.SALES_MANAGER, username="sales_outsider"))
    forbidden = outsider.post(f"{base}/customer_answered/", {"answer": "x"}, format="json")
    assert forbidden.status_code in (403, 404)
    clock.set(sh(2026, 11, 18, 11, 20))
    empty = api.post(f"{base}/customer_answered/", {"answer": " "}, format="json")
    assert empty.status_code == 400 and "answer" in empty.json()
    done = api.post(f"{base}/customer_answered/", {"answer": "测试通过"}, format="json")
    assert done.status_code == 200
    body = done.json()
    assert body["customer_wait"] is None
    callback = next(t for t in body["timers"] if t["target"] == "callback")
    assert callback["state"] == "running" and callback["paused_seconds"] == 3600
    assert api.post(f"{base}/customer_answered/", {"answer": "x"}, format="json").status_code == 409


def test_a_closed_defect_cannot_wait(make_user):
    from defects.services import defect_reject
    from defects.services.waits import defect_wait_for_customer
    from servicedesk.core.exceptions import TransitionConflict
    from tests.defects.factories import record_defect

    engineer = make_user(Role.FIELD_ENGINEER, username="fe_wait2")
    tester = make_user(Role.TESTER, username="qa_wait")
    defect = defect_reject(record_defect(engineer), by=tester, reason="duplicate", note="同上")
    with pytest.raises(TransitionConflict):
        defect_wait_for_customer(defect, by=engineer, reason="information", note="x")
    assert not CustomerWait.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_starting_a_wait_at_once_one_wins(make_user):
    """The ticket's row lock: one wait, one 409, the promises paused once."""
    import threading

    from django.db import connections

    from servicedesk.core.exceptions import TransitionConflict
    from tickets.models import Ticket
    from tickets.services import ticket_shelve
    from tickets.services.waits import ticket_wait_for_customer

    people = [make_user(Role.HOTLINE_ENGINEER), make_user(Role.HOTLINE_ENGINEER)]
    customer = make_contract(make_user(Role.SALES_MANAGER)).customer
    ticket = ticket_shelve(take_call(people[0], customer), by=people[0], reason="咨询")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(person):
        try:
            barrier.wait()
            ticket_wait_for_customer(
                Ticket.objects.get(pk=ticket.pk), by=person, reason="information", note="截图"
            )
            outcomes.append("ok")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    wait = CustomerWait.objects.get()
    assert wait.paused_targets == ["callback", "reply"]
    paused = SlaTimer.objects.for_subject(ticket).filter(state=TimerState.PAUSED)
    assert paused.count() == 2


def test_printed_records_show_the_wait_and_the_paused_time(clock, engineer, shelved, make_user):
    from django.utils import translation

    from defects.models import Defect
    from defects.services import defect_report
    from defects.services.waits import defect_customer_answered, defect_wait_for_customer
    from servicedesk.core import printforms
    from tests.defects.factories import record_defect
    from tickets.models import Ticket
    from tickets.services.waits import ticket_customer_answered, ticket_wait_for_customer

    def cells(document) -> str:
        rows = [row for block in document.blocks for row in getattr(block, "rows", [])]
        return " | ".join(str(cell) for row in rows for cell in row)

    clock.set(sh(2026, 11, 18, 10, 20))
    ticket_wait_for_customer(shelved, by=engineer, reason="information", note="请发来截图")
    clock.set(sh(2026, 11, 18, 11, 20))
    ticket_customer_answered(shelved, by=engineer, answer="截图已收到")
    fe = make_user(Role.FIELD_ENGINEER, username="fe_print")
    defect = defect_report(record_defect(fe, severity="serious"), by=fe)
    defect_wait_for_customer(defect, by=fe, reason="test", note="请客户验证")
    clock.set(sh(2026, 11, 18, 13, 20))
    defect_customer_answered(defect, by=fe, answer="验证通过")
    with translation.override("zh-hans"):
        hotline = printforms.form_get(Ticket, "hotline_record").build(shelved)
        record = printforms.form_get(Defect, "defect_record").build(defect)
    text = cells(hotline)
    assert "等待客户：客户提供信息" in text and "客户已答复" in text
    assert "共等待1小时；客户时限顺延1小时。" in text
    assert "计时中（暂停2小时）" in cells(record)
