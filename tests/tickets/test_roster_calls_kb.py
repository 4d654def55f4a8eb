"""Duty roster and hand-over, calls and their figures, the knowledge base with Chinese
search, and password disclosure (docs/domain.md §hotline)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.models import DomainEvent, SlaTimer
from tests.tickets.factories import (
    in_state,
    make_contact,
    make_contract,
    make_customer,
    published,
    sh,
    take_call,
)
from tickets.choices import ArticleState, TicketState
from tickets.models import Call, DutyShift, HotlineLine, KnowledgeArticle, PasswordDisclosure
from tickets.search import articles_search, index_text, tokens
from tickets.services import ticket_answer, ticket_close
from tickets.services.calls import call_attach, call_record, call_stats, call_stats_total
from tickets.services.disclosure import password_disclose
from tickets.services.knowledge import (
    article_archive,
    article_draft_from_ticket,
    article_mark_solved,
    article_save,
)
from tickets.services.roster import (
    handover_items,
    shift_acknowledge_handover,
    shift_plan,
    shift_remove,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]

RESOLUTION = {
    "problem": "填制凭证后保存失败",
    "cause": "凭证中使用的会计科目已被停用",
    "solution": "在会计科目中重新启用该科目，或改用其他科目",
    "steps": "1. 基础设置→会计科目 2. 选中科目→启用 3. 重新保存凭证",
    "precautions": "停用科目前先确认没有未记账凭证",
}


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhaomin", last_name="赵", first_name="敏")


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="lihua", last_name="李", first_name="华")


@pytest.fixture
def colleague(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="wangqiang")


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun")


@pytest.fixture
def customer(sales):
    return make_contract(sales).customer


@pytest.fixture
def line():
    return HotlineLine.objects.get_or_create(name="400 热线")[0]


def plan(manager, line, engineer, start: dt.datetime, hours: int = 9) -> DutyShift:
    return shift_plan(
        by=manager,
        line=line,
        engineer=engineer,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
    )


# -- duty roster -------------------------------------------------------------------------


def test_overlapping_shifts_of_one_engineer_are_refused(manager, line, engineer, colleague):
    plan(manager, line, engineer, sh(2026, 10, 8, 9))
    with pytest.raises(ApplicationError) as exc:
        plan(manager, line, engineer, sh(2026, 10, 8, 17), hours=3)
    assert list(exc.value.extra) == ["starts_at"]
    other_line = HotlineLine.objects.create(name="VIP 热线")
    with pytest.raises(ApplicationError):  # another line does not help
        plan(manager, other_line, engineer, sh(2026, 10, 8, 8), hours=2)
    # Back to back is fine, and so is a colleague at the same time.
    plan(manager, line, engineer, sh(2026, 10, 8, 18), hours=3)
    plan(manager, line, colleague, sh(2026, 10, 8, 9))
    assert DutyShift.objects.count() == 3


def test_only_hotline_engineers_and_service_managers_go_on_duty(manager, line, make_user):
    field = make_user(Role.FIELD_ENGINEER)
    with pytest.raises(ApplicationError) as exc:
        plan(manager, line, field, sh(2026, 10, 8, 9))
    assert list(exc.value.extra) == ["engineer"]
    shift = plan(manager, line, manager, sh(2026, 10, 8, 9))
    assert shift.engineer == manager


def test_a_shift_ends_after_it_starts_and_only_managers_plan(manager, line, engineer):
    with pytest.raises(ApplicationError) as exc:
        plan(manager, line, engineer, sh(2026, 10, 8, 9), hours=0)
    assert "ends_at" in exc.value.extra
    with pytest.raises(NotPermitted):
        plan(engineer, line, engineer, sh(2026, 10, 8, 9))


def test_handover_items_are_the_previous_shifts_open_tickets(
    manager, line, engineer, colleague, customer, make_user
):
    previous = plan(manager, line, colleague, sh(2026, 10, 8, 9))
    current = plan(manager, line, engineer, sh(2026, 10, 9, 9))
    someone = make_user(Role.HOTLINE_ENGINEER)
    during = take_call(colleague, customer, received_at=sh(2026, 10, 8, 10))
    handled_by_other = take_call(someone, customer, received_at=sh(2026, 10, 8, 11))
    closed = in_state(
        take_call(colleague, customer, received_at=sh(2026, 10, 8, 12)), TicketState.CLOSED
    )
    older_still_assigned = take_call(colleague, customer, received_at=sh(2026, 10, 6, 15))
    not_theirs = take_call(someone, customer, received_at=sh(2026, 10, 6, 16))
    items = list(handover_items(current))
    assert items == [older_still_assigned, during, handled_by_other]
    assert closed not in items and not_theirs not in items
    # The first shift of the line takes over every open ticket.
    assert set(handover_items(previous)) == {
        during,
        handled_by_other,
        older_still_assigned,
        not_theirs,
    }


def test_acknowledging_the_handover(manager, line, engineer, colleague, customer, monkeypatch):
    plan(manager, line, colleague, sh(2026, 10, 8, 9))
    shift = plan(manager, line, engineer, sh(2026, 10, 9, 9))
    open_one = take_call(colleague, customer, received_at=sh(2026, 10, 8, 10))
    with pytest.raises(NotPermitted):
        shift_acknowledge_handover(shift, by=colleague)
    monkeypatch.setattr(timezone, "now", lambda: sh(2026, 10, 9, 9, 12))
    shift = shift_acknowledge_handover(shift, by=engineer, note="已电话确认 1 个挂起事项")
    assert shift.handover_acknowledged_at == sh(2026, 10, 9, 9, 12)
    assert DutyShift.objects.get(pk=shift.pk).handover_note == "已电话确认 1 个挂起事项"
    timer = SlaTimer.objects.for_subject(shift).get(target="shift_handover")
    assert timer.state == TimerState.MET
    event = DomainEvent.objects.get(kind="dutyshift.handover_acknowledged")
    assert event.actor == engineer
    assert event.data["tickets"] == [open_one.pk]
    with pytest.raises(ApplicationError):
        shift_acknowledge_handover(shift, by=engineer)


def test_removing_a_shift_cancels_its_timer(manager, line, engineer):
    shift = plan(manager, line, engineer, sh(2026, 10, 8, 9))
    timer = SlaTimer.objects.for_subject(shift).get(target="shift_handover")
    with pytest.raises(NotPermitted):
        shift_remove(shift, by=engineer)
    shift_remove(shift, by=manager)
    assert not DutyShift.objects.exists()
    timer.refresh_from_db()
    assert timer.state == TimerState.CANCELLED
    acknowledged = plan(manager, line, engineer, sh(2026, 10, 9, 9))
    shift_acknowledge_handover(acknowledged, by=engineer)
    with pytest.raises(ApplicationError):
        shift_remove(acknowledged, by=manager)


# -- calls -------------------------------------------------------------------------------


def call(engineer, start, *, answered=True, rings=2, line=None, **kw) -> Call:
    return call_record(
        engineer=engineer,
        caller_phone=kw.pop("caller_phone", "13900000000"),
        started_at=start,
        answered=answered,
        rings=rings,
        duration_seconds=kw.pop("duration_seconds", 120 if answered else 0),
        line=line,
        **kw,
    )


def test_call_stats_per_day_line_and_engineer_in_one_query(engineer, colleague, line):
    vip = HotlineLine.objects.create(name="VIP 热线")
    # 2026-09-16 (Shanghai): 4 calls, 3 answered with 1, 2 and 6 rings; 23:30 local is
    # still the 16th although it is 15:30 UTC.
    call(engineer, sh(2026, 9, 16, 9, 5), rings=1, line=line)
    call(engineer, sh(2026, 9, 16, 10), rings=2, line=line)
    call(colleague, sh(2026, 9, 16, 14), rings=6, line=vip)
    call(colleague, sh(2026, 9, 16, 23, 30), answered=False, rings=8, line=vip)
    # 2026-09-17: 00:30 local is 16:30 UTC on the 16th, but counts for the 17th.
    call(engineer, sh(2026, 9, 17, 0, 30), rings=3, line=line)
    call(engineer, sh(2026, 9, 18, 9), rings=3, line=line)  # outside the range
    start, end = sh(2026, 9, 16), sh(2026, 9, 18)
    with CaptureQueriesContext(connection) as queries:
        by_day = call_stats(start=start, end=end, group_by="day")
    assert len(queries) == 1
    assert by_day == [
        {
            "key": "2026-09-16",
            "label": "2026-09-16",
            "calls": 4,
            "answered": 3,
            "connect_rate": 0.75,
            "avg_rings": 3.0,
            "over_3_rings": 1,
        },
        {
            "key": "2026-09-17",
            "label": "2026-09-17",
            "calls": 1,
            "answered": 1,
            "connect_rate": 1.0,
            "avg_rings": 3.0,
            "over_3_rings": 0,
        },
    ]
    assert call_stats_total(by_day) == {
        "calls": 5,
        "answered": 4,
        "connect_rate": 0.8,
        "avg_rings": 3.0,
        "over_3_rings": 1,
    }
    with CaptureQueriesContext(connection) as queries:
        by_engineer = call_stats(start=start, end=end, group_by="engineer")
    assert len(queries) == 1
    rows = {r["label"]: r for r in by_engineer}
    assert rows["lihua"]["calls"] == 3
    assert rows["lihua"]["connect_rate"] == 1.0
    assert rows["lihua"]["avg_rings"] == 2.0
    assert rows["wangqiang"]["connect_rate"] == 0.5
    assert rows["wangqiang"]["over_3_rings"] == 1
    by_line = {r["label"]: r for r in call_stats(start=start, end=end, group_by="line")}
    assert by_line["400 热线"]["calls"] == 3
    assert by_line["VIP 热线"]["answered"] == 1


def test_call_stats_refuse_a_bad_grouping():
    with pytest.raises(ApplicationError) as exc:
        call_stats(start=sh(2026, 9, 16), end=sh(2026, 9, 17), group_by="week")
    assert "group_by" in exc.value.extra


def test_a_call_sent_twice_is_recorded_once(engineer):
    first = call(engineer, sh(2026, 9, 16, 9), external_id="PBX-0001")
    again = call(engineer, sh(2026, 9, 16, 9), external_id="PBX-0001")
    assert again.pk == first.pk
    assert Call.objects.count() == 1
    call(engineer, sh(2026, 9, 16, 9, 1), external_id="PBX-0002")
    call(engineer, sh(2026, 9, 16, 9, 2))
    call(engineer, sh(2026, 9, 16, 9, 3))
    assert Call.objects.count() == 4


def test_calls_find_the_customer_by_phone(engineer, sales):
    by_main = make_customer(sales, phone="021-55550001")
    by_contact = make_customer(sales)
    make_contact(by_contact, phone="0571-88880002", mobile="13912345678")
    shared_a, shared_b = make_customer(sales), make_customer(sales)
    make_contact(shared_a, mobile="13800000009")
    make_contact(shared_b, mobile="13800000009")
    assert call(engineer, sh(2026, 9, 16, 9), caller_phone="021-55550001").customer == by_main
    # The phone system sends digits only: the last 8 digits still match.
    assert call(engineer, sh(2026, 9, 16, 9), caller_phone="02155550001").customer == by_main
    assert call(engineer, sh(2026, 9, 16, 9), caller_phone="13912345678").customer == by_contact
    assert (
        call(engineer, sh(2026, 9, 16, 9), caller_phone="+86 139 1234 5678").customer == by_contact
    )
    assert call(engineer, sh(2026, 9, 16, 9), caller_phone="0571-88880002").customer == by_contact
    # Two customers share the number: do not guess.
    assert call(engineer, sh(2026, 9, 16, 9), caller_phone="13800000009").customer is None
    assert call(engineer, sh(2026, 9, 16, 9), caller_phone="13700000000").customer is None


def test_attaching_a_call_links_the_ticket_and_its_customer(engineer, customer, sales):
    unknown = call(engineer, sh(2026, 9, 16, 9), caller_phone="13700000000")
    ticket = take_call(engineer, customer, received_at=sh(2026, 9, 16, 9, 1))
    attached = call_attach(unknown, ticket, engineer)
    assert attached.ticket == ticket
    assert attached.customer == customer
    other = take_call(engineer, customer, received_at=sh(2026, 9, 16, 9, 2))
    with pytest.raises(ApplicationError):
        call_attach(attached, other, engineer)


# -- knowledge base ----------------------------------------------------------------------


def test_tokens_are_cjk_bigrams_and_latin_words():
    assert tokens("U8 凭证无法保存！") == ["u8", "凭证", "证无", "无法", "法保", "保存"]
    assert tokens("ＳＱＬ　Server 2008") == ["sql", "server", "2008"]  # full-width → NFKC
    assert tokens("锁") == ["锁"]
    assert index_text(["科目", "科目停用"]) == " 科目 目停 停用 "


def answered_ticket(engineer, customer, description="凭证无法保存，提示科目已停用"):
    ticket = take_call(engineer, customer, description=description)
    return ticket_answer(ticket, by=engineer, **RESOLUTION)


def test_publish_from_an_answered_ticket_and_find_it_in_chinese(engineer, customer):
    ticket = answered_ticket(engineer, customer)
    article = article_draft_from_ticket(ticket, by=engineer)
    assert article.source_ticket == ticket
    assert article.symptoms == "凭证无法保存，提示科目已停用"
    assert article.cause == RESOLUTION["cause"]
    assert article.solution == RESOLUTION["solution"]
    assert article.steps == RESOLUTION["steps"]
    assert article.product == "U8"
    assert article.title == RESOLUTION["problem"]
    assert " 凭证 " in article.search_text and " u8 " in article.search_text
    # A draft until reviewed: intake suggests published articles only.
    assert article.state == ArticleState.DRAFT
    assert articles_search(text="保存凭证的时候提示科目停用了") == []
    article = published(article)
    # Noise: other articles.
    published(
        article_save(
            by=engineer,
            data={
                "title": "打印机无法打印发票",
                "symptoms": "打印发票时提示打印机脱机",
                "solution": "重新连接打印机",
            },
        )
    )
    published(
        article_save(
            by=engineer,
            data={
                "title": "工资表导出乱码",
                "symptoms": "导出工资表到 Excel 时中文乱码",
                "solution": "选择 UTF-8 编码",
            },
        )
    )
    found = articles_search(text="保存凭证的时候提示科目停用了")
    assert found == [article]
    assert found[0].search_score >= 5
    assert articles_search(text="导出 excel 乱码")[0].title == "工资表导出乱码"
    assert articles_search(text="网络连接超时无法登录服务器") == []


def test_search_ranks_by_score_then_solved_count(engineer, manager, customer):
    common = {"symptoms": "登录时提示密码错误", "solution": "重置密码"}
    a = published(article_save(by=engineer, data={"title": "登录失败 A", **common}))
    b = published(article_save(by=engineer, data={"title": "登录失败 B", **common}))
    best = published(
        article_save(
            by=engineer,
            data={
                "title": "登录失败提示密码错误且账号锁定",
                "symptoms": "登录时提示密码错误，账号被锁定",
                "solution": "解锁账号",
            },
        )
    )
    ticket = take_call(engineer, customer)
    article_mark_solved(b, ticket=ticket, by=engineer)
    found = articles_search(text="登录提示密码错误账号被锁定")
    assert found[0] == best
    assert found[1:] == [b, a]
    # Archived articles are not suggested.
    article_archive(best, by=manager, note="账号锁定规则已改")
    assert articles_search(text="登录提示密码错误账号被锁定")[0] == b
    # A product ranks its own articles first among equals (a reviewer edits a published one).
    article_save(by=manager, article=a, data={"product": "T3"})
    assert articles_search(text="登录提示密码错误", product="t3")[0] == a


def test_only_answered_or_closed_tickets_are_published_once(engineer, customer):
    new = take_call(engineer, customer)
    with pytest.raises(ApplicationError):
        article_draft_from_ticket(new, by=engineer)
    ticket = ticket_close(answered_ticket(engineer, customer), by=engineer)
    article = article_draft_from_ticket(ticket, by=engineer, title="凭证保存提示科目停用")
    assert article.title == "凭证保存提示科目停用"
    with pytest.raises(ApplicationError):
        article_draft_from_ticket(ticket, by=engineer)


def test_editing_an_article_reindexes_it(engineer, manager):
    article = published(
        article_save(
            by=engineer, data={"title": "报表公式", "symptoms": "报表取数公式不对", "solution": "…"}
        )
    )
    assert articles_search(text="年结后结转失败") == []
    article_save(by=manager, article=article, data={"symptoms": "年结后结转失败"})
    assert articles_search(text="年结后结转失败") == [article]
    with pytest.raises(ApplicationError) as exc:
        article_save(by=engineer, data={"title": "", "symptoms": "x", "solution": "y"})
    assert "title" in exc.value.extra


def test_solved_count_increments_once_per_ticket(engineer, customer):
    article = article_save(by=engineer, data={"title": "t", "symptoms": "s", "solution": "x"})
    first = take_call(engineer, customer)
    second = take_call(engineer, customer)
    article_mark_solved(article, ticket=first, by=engineer)
    article_mark_solved(article, ticket=first, by=engineer)
    assert KnowledgeArticle.objects.get(pk=article.pk).solved_count == 1
    updated = article_mark_solved(article, ticket=second, by=engineer)
    assert updated.solved_count == 2


# -- password disclosure -----------------------------------------------------------------


def test_password_disclosed_to_an_authorised_contact_is_logged(engineer, customer):
    ticket = take_call(engineer, customer)
    contact = make_contact(customer, authorised=True, name="王财务")
    disclosure = password_disclose(
        ticket=ticket, contact=contact, what="001 帐套主管口令", by=engineer
    )
    assert disclosure.disclosed_by == engineer
    assert PasswordDisclosure.objects.get().contact == contact
    event = DomainEvent.objects.get(kind="ticket.password_disclosed", target_id=ticket.pk)
    assert event.actor == engineer
    assert event.data["contact_name"] == "王财务"
    assert event.data["authorised_by"] == "财务总监 王总"


def test_password_refused_to_an_unauthorised_contact(engineer, customer):
    ticket = take_call(engineer, customer)
    contact = make_contact(customer, name="小张")
    with pytest.raises(ApplicationError) as exc:
        password_disclose(ticket=ticket, contact=contact, what="报表口令", by=engineer)
    assert "contact" in exc.value.extra
    assert not PasswordDisclosure.objects.exists()
    refused = DomainEvent.objects.get(kind="ticket.password_disclosure_refused")
    assert refused.data["why"] == "not_authorised"
    assert refused.actor == engineer


def test_password_refused_to_another_customers_contact(engineer, customer, sales):
    ticket = take_call(engineer, customer)
    stranger = make_contact(make_customer(sales), authorised=True)
    with pytest.raises(ApplicationError) as exc:
        password_disclose(ticket=ticket, contact=stranger, what="帐套口令", by=engineer)
    assert "contact" in exc.value.extra
    assert not PasswordDisclosure.objects.exists()
    assert (
        DomainEvent.objects.get(kind="ticket.password_disclosure_refused").data["why"]
        == "other_customer"
    )


def test_password_refused_to_a_user_without_the_permission(engineer, customer, make_user):
    ticket = take_call(engineer, customer)
    contact = make_contact(customer, authorised=True)
    field = make_user(Role.FIELD_ENGINEER)
    with pytest.raises(NotPermitted):
        password_disclose(ticket=ticket, contact=contact, what="帐套口令", by=field)
    assert not PasswordDisclosure.objects.exists()
    refused = DomainEvent.objects.get(kind="ticket.password_disclosure_refused")
    assert refused.data["why"] == "permission"
    assert refused.actor == field


# -- concurrency (PostgreSQL) --------------------------------------------------------------


def _race(*jobs) -> list[str]:
    import threading

    from django.db import connections

    outcomes: list[str] = []
    barrier = threading.Barrier(len(jobs))

    def attempt(job):
        try:
            barrier.wait()
            job()
            outcomes.append("ok")
        except ApplicationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_planning_overlapping_shifts_at_once(make_user, line):
    first = make_user(Role.SERVICE_MANAGER)
    second = make_user(Role.SERVICE_MANAGER)
    engineer = make_user(Role.HOTLINE_ENGINEER)
    outcomes = _race(
        lambda: plan(first, line, engineer, sh(2026, 10, 8, 9)),
        lambda: plan(second, line, engineer, sh(2026, 10, 8, 12)),
    )
    assert outcomes == ["ok", "refused"]
    assert DutyShift.objects.filter(engineer=engineer).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_marking_solved_twice_at_once_counts_once(make_user):
    sales = make_user(Role.SALES_MANAGER)
    engineer = make_user(Role.HOTLINE_ENGINEER)
    ticket = take_call(engineer, make_contract(sales).customer)
    article = article_save(by=engineer, data={"title": "t", "symptoms": "s", "solution": "x"})
    outcomes = _race(
        lambda: article_mark_solved(article, ticket=ticket, by=engineer),
        lambda: article_mark_solved(article, ticket=ticket, by=engineer),
    )
    assert outcomes == ["ok", "ok"]
    assert KnowledgeArticle.objects.get(pk=article.pk).solved_count == 1
