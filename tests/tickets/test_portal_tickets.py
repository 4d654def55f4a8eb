"""Portal pages of the hotline: status codes and permissions, the intake screen (bad input
shows field errors and records nothing), the htmx lookup, entitlement and suggestion
partials, ticket actions only on POST, and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Contact, Contract, Customer, InstalledProduct
from contracts.services import contract_save_draft, contract_sign, customer_save
from servicedesk.core.choices import Role
from servicedesk.core.models import SlaTimer
from tests.tickets.factories import published
from tickets.choices import TicketState
from tickets.models import Call, DutyShift, HotlineLine, KnowledgeArticle, Ticket
from tickets.services import ticket_intake, ticket_shelve, ticket_transfer
from tickets.services.knowledge import article_save

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
_numbers = count(1)


# -- helpers ---------------------------------------------------------------------------


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军")


@pytest.fixture
def hotline(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="wangjing", last_name="王", first_name="静")


@pytest.fixture
def hotline2(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="fenglei", last_name="冯", first_name="磊")


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def field_engineer(make_user):
    return make_user(Role.FIELD_ENGINEER, username="chengang")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def make_customer(by, name=None, *, phone="", short_name="", contacts=(), products=()):
    customer = customer_save(
        customer=Customer(
            name=name or f"苏州信达电子有限公司{next(_numbers)}",
            short_name=short_name,
            phone=phone,
            region="苏南",
            sales_manager=by,
        ),
        by=by,
    )
    for contact_name, mobile in contacts:
        Contact.objects.create(customer=customer, name=contact_name, mobile=mobile)
    for software, licence in products:
        InstalledProduct.objects.create(
            customer=customer, software=software, version="V10", licence_number=licence
        )
    return customer


def make_contract(by, customer, *, start=None, end=None, scope=("phone_support", "repair")):
    today = timezone.localdate()
    start = start or today - dt.timedelta(days=30)
    end = end or today + dt.timedelta(days=335)
    contract = contract_save_draft(
        by=by,
        data={
            "number": f"HT-{next(_numbers):05d}",
            "customer": customer,
            "sales_manager": by,
            "signed_on": start,
            "amount": Decimal("88000.00"),
            "scope_items": [
                {"service_type": t, "quota": None, "quota_period": "year", "note": ""}
                for t in scope
            ],
            "free_period": {"starts_on": start, "ends_on": end},
        },
    )
    return contract_sign(contract, by=by)


@pytest.fixture
def customer(sales):
    customer = make_customer(
        sales,
        "苏州信达精密电子有限公司",
        short_name="信达电子",
        phone="0512-66668888",
        contacts=[("刘洋", "13912345678")],
        products=[("用友U8", "DG-7788-01")],
    )
    make_contract(sales, customer)
    return customer


@pytest.fixture
def expired_customer(sales):
    customer = make_customer(
        sales, "无锡华光机械有限公司", short_name="华光机械", contacts=[("陈红", "13700001111")]
    )
    today = timezone.localdate()
    make_contract(
        sales,
        customer,
        start=today - dt.timedelta(days=400),
        end=today - dt.timedelta(days=35),
    )
    return customer


def intake(by, customer, **extra):
    data = {
        "caller_name": "刘洋",
        "caller_company": customer.name,
        "caller_phone": "13912345678",
        "product": "用友U8",
        "description": "月末结账时凭证无法保存，提示“科目已被锁定”。",
        **extra,
    }
    return ticket_intake(by=by, customer=customer, **data)


def intake_post(customer, overrides=None):
    data = {
        "customer": customer.pk if customer else "",
        "lookup": "",
        "caller_name": "刘洋",
        "caller_phone": "13912345678",
        "caller_company": customer.name if customer else "某公司",
        "product": "用友U8",
        "service_type": "phone_support",
        "description": "月末结账时凭证无法保存",
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "severity": "normal",
        "kind": "request",
    }
    data.update(overrides or {})
    return data


def invalid(html: str, name: str) -> bool:
    tags = re.findall(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tags, f"no control named {name}"
    return "is-invalid" in tags[0]


# -- pages and permissions -------------------------------------------------------------


def test_pages_render_for_the_hotline_engineer(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    article = article_save(
        by=hotline, data={"title": "凭证无法保存", "symptoms": "凭证无法保存", "solution": "解锁"}
    )
    client = as_user(hotline)
    for url in (
        "/tickets/new/",
        "/tickets/",
        f"/tickets/{ticket.pk}/",
        "/roster/",
        "/knowledge/",
        f"/knowledge/{article.pk}/",
        "/knowledge/?q=凭证保存",
        "/calls/stats/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<html" in response.content


def test_board_is_for_managers(hotline, manager, customer, as_user, make_user):
    intake(hotline, customer)
    assert as_user(hotline).get("/tickets/board/").status_code == 403
    response = as_user(manager).get("/tickets/board/")
    assert response.status_code == 200
    assert b'data-testid="board-card"' in response.content
    tech = make_user(Role.TECH_MANAGER)
    assert as_user(tech).get("/tickets/board/?state=new").status_code == 200


def test_board_cards_draw_what_a_card_shows(hotline, manager, customer, as_user):
    """The cards' markup is built in Python (tickets.selectors.board_card_html): free
    texts escaped, the system-down and complaint badges, the nearest deadline with its
    countdown data, a missed deadline as "overdue", the caller's company without a
    customer, the engineer's name."""
    down = intake(
        hotline,
        customer,
        severity="system_down",
        kind="complaint",
        description='<script>alert("x")</script> 凭证无法过账',
    )
    walk_in = intake(hotline, customer)  # e-mailed in by a sender not yet known:
    Ticket.objects.filter(pk=walk_in.pk).update(customer=None, caller_company="某<公司>")
    late = intake(hotline, customer)
    SlaTimer.objects.filter(subject_id=late.pk, state="running").update(
        state="breached", breached_at=timezone.now()
    )
    html = as_user(manager).get("/tickets/board/").content.decode()
    cards = {
        int(m.group(1)): m.group(0)
        for m in re.finditer(
            r'<a class="board-card[^"]*"[^>]*data-ticket="(\d+)".*?</a>', html, re.S
        )
    }
    assert set(cards) == {down.pk, walk_in.pk, late.pk}
    card = cards[down.pk]
    assert "<script>" not in card and "&lt;script&gt;" in card
    assert "text-bg-danger" in card and "System down" in card
    assert "text-bg-warning" in card and "Complaint" in card
    assert f'href="/tickets/{down.pk}/"' in card and down.number in card
    assert 'data-timer-state="running"' in card and "timer-countdown" in card
    assert "tone-" in card and "data-timer-due=" in card
    assert "王静" in card
    assert "某&lt;公司&gt;" in cards[walk_in.pk]
    assert "timer-breached" in cards[late.pk] and "overdue" in cards[late.pk]


def test_pages_need_a_login(client, hotline, customer):
    ticket = intake(hotline, customer)
    for url in ("/tickets/", "/tickets/new/", f"/tickets/{ticket.pk}/", "/roster/", "/knowledge/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_intake_needs_the_add_permission(field_engineer, sales, as_user):
    assert as_user(field_engineer).get("/tickets/new/").status_code == 403
    assert as_user(sales).get("/tickets/new/lookup/?q=信达").status_code == 403
    assert as_user(sales).post("/tickets/new/", intake_post(None)).status_code == 403


def test_nav_shows_the_hotline_pages(hotline, as_user):
    html = as_user(hotline).get("/tickets/").content.decode()
    for url in ("/tickets/new/", "/tickets/", "/roster/", "/knowledge/", "/calls/stats/"):
        assert f'href="{url}"' in html
    assert 'href="/tickets/board/"' not in html


# -- intake ----------------------------------------------------------------------------


def test_intake_records_the_call_and_opens_the_ticket(hotline, customer, as_user):
    response = as_user(hotline).post("/tickets/new/", intake_post(customer))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.state == TicketState.NEW
    assert ticket.entitlement == "in_scope"
    assert ticket.first_contact_owner == hotline
    assert ticket.customer == customer


def test_intake_links_the_phone_systems_call(hotline, customer, as_user):
    call = Call.objects.create(caller_phone="13912345678", started_at=timezone.now(), answered=True)
    as_user(hotline).post("/tickets/new/", intake_post(customer, {"call": call.pk}))
    call.refresh_from_db()
    assert call.ticket == Ticket.objects.get()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"received_at": "FUTURE"}, "received_at"),
        ({"customer": ""}, "customer"),
        ({"customer": "999999"}, "customer"),
        ({"description": "   "}, "description"),
        ({"caller_name": ""}, "caller_name"),
        ({"product": ""}, "product"),
        ({"received_at": "yesterday"}, "received_at"),
    ],
)
def test_bad_intake_shows_field_errors_and_records_nothing(
    overrides, field, hotline, customer, as_user
):
    if overrides.get("received_at") == "FUTURE":
        later = timezone.localtime() + dt.timedelta(hours=1)
        overrides = {"received_at": later.strftime("%Y-%m-%dT%H:%M")}
    response = as_user(hotline).post("/tickets/new/", intake_post(customer, overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    if field == "customer":
        assert 'data-testid="customer-error"' in html
    else:
        assert invalid(html, field)
    assert not Ticket.objects.exists()


def test_future_received_time_message(hotline, customer, as_user):
    later = timezone.localtime() + dt.timedelta(hours=1)
    response = as_user(hotline).post(
        "/tickets/new/",
        intake_post(customer, {"received_at": later.strftime("%Y-%m-%dT%H:%M")}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "cannot have been received in the future" in response.content.decode()


def test_bad_intake_keeps_what_was_typed_and_the_customer(hotline, customer, as_user):
    response = as_user(hotline).post("/tickets/new/", intake_post(customer, {"description": ""}))
    html = response.content.decode()
    assert 'value="刘洋"' in html
    assert 'data-testid="customer-card"' in html
    assert customer.name in html


def test_earlier_received_time_is_kept(hotline, customer, as_user):
    earlier = timezone.localtime() - dt.timedelta(minutes=25)
    as_user(hotline).post(
        "/tickets/new/", intake_post(customer, {"received_at": earlier.strftime("%Y-%m-%dT%H:%M")})
    )
    ticket = Ticket.objects.get()
    assert abs((ticket.received_at - earlier).total_seconds()) < 60


def test_expired_contract_goes_to_commercial_review(hotline, expired_customer, as_user):
    as_user(hotline).post("/tickets/new/", intake_post(expired_customer))
    ticket = Ticket.objects.get()
    assert ticket.state == TicketState.COMMERCIAL_REVIEW
    assert ticket.entitlement == "out_of_scope"


def test_phone_screen_pop_picks_the_only_customer(hotline, customer, as_user):
    response = as_user(hotline).get("/tickets/new/?phone=13912345678")
    html = response.content.decode()
    assert f'name="customer" value="{customer.pk}"' in html
    assert 'data-testid="customer-card"' in html
    assert 'data-result="in_scope"' in html


# -- htmx partials ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "13912345678",  # a contact's mobile
        "2345678",  # the end of it
        "66668888",  # the customer's main phone, as digits
        "0512-66668888",  # as written
        "信达电子",  # short name
        "精密电子",  # part of the legal name
        "DG-7788-01",  # dongle, exact
        "dg-7788",  # dongle, part
    ],
)
def test_lookup_finds_by_phone_name_or_dongle(q, hotline, customer, sales, as_user):
    make_customer(sales, "上海东方纺织有限公司", contacts=[("王伟", "13800009999")])
    response = as_user(hotline).get("/tickets/new/lookup/", {"q": q}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="lookup-option"') == 1
    assert f'data-customer="{customer.pk}"' in html
    assert 'data-company="苏州信达精密电子有限公司"' in html


def test_lookup_by_contact_phone_prefills_the_caller(hotline, customer, as_user):
    html = as_user(hotline).get("/tickets/new/lookup/", {"q": "13912345678"}, **HTMX)
    html = html.content.decode()
    assert 'data-contact="刘洋"' in html
    assert 'data-phone="13912345678"' in html
    assert 'data-product="用友U8 V10"' in html


def test_lookup_without_a_match(hotline, customer, as_user):
    html = as_user(hotline).get("/tickets/new/lookup/", {"q": "不存在的公司"}, **HTMX)
    assert 'data-testid="lookup-empty"' in html.content.decode()
    short = as_user(hotline).get("/tickets/new/lookup/", {"q": "信"}, **HTMX)
    assert b"lookup-option" not in short.content


def test_lookup_runs_in_constant_queries(hotline, sales, as_user):
    client = as_user(hotline)

    def queries() -> int:
        client.get("/tickets/new/lookup/", {"q": "有限公司"}, **HTMX)  # warm the caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/tickets/new/lookup/", {"q": "有限公司"}, **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        return len(ctx.captured_queries), html.count('data-testid="lookup-option"')

    for i in range(2):
        c = make_customer(sales, contacts=[("张三", f"1390000{i:04d}")], products=[("U8", f"D{i}")])
        make_contract(sales, c)
    few, shown_few = queries()
    for i in range(2, 12):
        c = make_customer(
            sales,
            contacts=[("张三", f"1390000{i:04d}"), ("李四", f"1380000{i:04d}")],
            products=[("U8", f"D{i}"), ("T6", f"E{i}")],
        )
        make_contract(sales, c)
    many, shown_many = queries()
    assert shown_few == 2 and shown_many == 10
    assert few == many


def test_customer_panel_shows_contract_entitlement_and_open_tickets(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    contract = Contract.objects.get(customer=customer)
    response = as_user(hotline).get(
        "/tickets/new/customer/",
        {"customer": customer.pk, "service_type": "phone_support"},
        **HTMX,
    )
    html = response.content.decode()
    assert contract.number in html
    assert 'data-result="in_scope"' in html
    assert ticket.number in html
    assert '<datalist id="product-options">' in html


@pytest.mark.parametrize(
    ("service_type", "received", "result"),
    [
        ("phone_support", 0, "in_scope"),
        ("training", 0, "out_of_scope"),
        ("phone_support", -60, "in_scope"),
        ("phone_support", 120, "invalid"),
        ("nonsense", 0, "invalid"),
    ],
)
def test_entitlement_partial(service_type, received, result, hotline, customer, as_user):
    at = timezone.localtime() + dt.timedelta(minutes=received)
    response = as_user(hotline).get(
        "/tickets/new/entitlement/",
        {
            "customer": customer.pk,
            "service_type": service_type,
            "received_at": at.strftime("%Y-%m-%dT%H:%M"),
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert f'data-result="{result}"' in response.content.decode()


def test_entitlement_for_an_expired_contract_says_sales_decides(hotline, expired_customer, as_user):
    response = as_user(hotline).get(
        "/tickets/new/entitlement/",
        {"customer": expired_customer.pk, "service_type": "phone_support"},
        **HTMX,
    )
    html = response.content.decode()
    assert 'data-result="out_of_scope"' in html
    assert 'data-code="expired"' in html


def test_knowledge_suggestions_for_the_symptoms(hotline, as_user):
    published(
        article_save(
            by=hotline,
            data={
                "title": "月末结账凭证无法保存",
                "product": "用友U8",
                "symptoms": "结账时凭证无法保存，提示科目已被锁定",
                "solution": "在系统管理中清除异常任务，解除科目锁定后重新保存。",
            },
        )
    )
    published(
        article_save(
            by=hotline,
            data={
                "title": "打印机无法打印",
                "symptoms": "打印报表时没有反应",
                "solution": "重装驱动",
            },
        )
    )
    client = as_user(hotline)
    response = client.get(
        "/tickets/new/suggest/", {"description": "凭证保存不了，说科目锁定了"}, **HTMX
    )
    html = response.content.decode()
    assert "月末结账凭证无法保存" in html
    assert "打印机无法打印" not in html
    empty = client.get("/tickets/new/suggest/", {"description": ""}, **HTMX)
    assert 'data-testid="no-suggestion"' in empty.content.decode()


# -- the ticket page and its actions ---------------------------------------------------


def test_actions_change_state_only_on_post(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    client = as_user(hotline)
    assert client.get(f"/tickets/{ticket.pk}/shelve/").status_code == 405
    ticket.refresh_from_db()
    assert ticket.state == TicketState.NEW
    response = client.post(f"/tickets/{ticket.pk}/shelve/", {"shelve-reason": "请教开发"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == TicketState.SHELVED


def test_action_with_missing_input_shows_the_error(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    response = as_user(hotline).post(f"/tickets/{ticket.pk}/answer/", {"answer-problem": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert invalid(html, "answer-cause")
    assert 'id="action-answer"' in html and "collapse show" in html
    ticket.refresh_from_db()
    assert ticket.state == TicketState.NEW


def test_action_not_allowed_in_this_state(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    response = as_user(hotline).post(f"/tickets/{ticket.pk}/call_back/", {"call_back-note": "x"})
    assert response.status_code == 409
    assert as_user(hotline).post(f"/tickets/{ticket.pk}/nonsense/").status_code == 404


def test_shelve_call_back_and_request_dispatch(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    client = as_user(hotline)
    client.post(f"/tickets/{ticket.pk}/shelve/", {"shelve-reason": "需要请教开发"})
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="action-call_back"' in page
    client.post(f"/tickets/{ticket.pk}/call_back/", {"call_back-note": "已告知客户处理进度"})
    client.post(
        f"/tickets/{ticket.pk}/request_dispatch/", {"request_dispatch-notes": "需要现场重装"}
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCH_REQUESTED
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "已告知客户处理进度" in html
    assert html.count('data-testid="timeline-entry"') >= 5
    assert 'data-testid="print-hotline_record"' in html


def test_answer_and_close_then_publish(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    client = as_user(hotline)
    response = client.post(
        f"/tickets/{ticket.pk}/answer/",
        {
            "answer-problem": "凭证无法保存",
            "answer-cause": "科目被异常任务锁定",
            "answer-solution": "清除异常任务",
            "answer-steps": "系统管理→视图→清除异常任务",
            "answer-precautions": "退出软件前先保存单据，不要强行关机",
        },
    )
    assert response.status_code == 302
    client.post(f"/tickets/{ticket.pk}/close/")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.CLOSED
    response = client.post(f"/tickets/{ticket.pk}/publish/", {"publish-title": ""})
    article = KnowledgeArticle.objects.get()
    assert response["Location"] == f"/knowledge/{article.pk}/"
    assert article.source_ticket == ticket


def test_sales_manager_decides_the_charge_from_the_queue(hotline, sales, expired_customer, as_user):
    ticket = intake(hotline, expired_customer)
    assert ticket.state == TicketState.COMMERCIAL_REVIEW
    queue = as_user(sales).get("/tickets/").content.decode()
    assert f'data-ticket="{ticket.pk}"' in queue
    page = as_user(sales).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="action-commercial"' in page
    assert 'data-testid="action-answer"' not in page
    response = as_user(sales).post(
        f"/tickets/{ticket.pk}/commercial/",
        {"commercial-decision": "charge_agreed", "commercial-amount": "", "commercial-note": ""},
    )
    assert response.status_code == 400  # the amount is required for an agreed charge
    as_user(sales).post(
        f"/tickets/{ticket.pk}/commercial/",
        {
            "commercial-decision": "charge_agreed",
            "commercial-amount": "300",
            "commercial-note": "按次收费",
        },
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.NEW
    assert ticket.agreed_charge == Decimal("300")
    queue = as_user(hotline).get("/tickets/").content.decode()
    assert f'data-ticket="{ticket.pk}"' in queue
    assert f'data-ticket="{ticket.pk}"' not in as_user(sales).get("/tickets/").content.decode()


def test_transfer_keeps_the_first_contact_owner_in_the_queue(hotline, hotline2, customer, as_user):
    ticket = intake(hotline, customer)
    as_user(hotline).post(
        f"/tickets/{ticket.pk}/transfer/", {"transfer-to": hotline2.pk, "transfer-note": "请跟进"}
    )
    ticket.refresh_from_db()
    assert ticket.assignee == hotline2
    assert ticket.first_contact_owner == hotline
    for user in (hotline, hotline2):
        assert f'data-ticket="{ticket.pk}"' in as_user(user).get("/tickets/").content.decode()
    page = as_user(hotline2).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "王静" in page and "冯磊" in page


def test_password_disclosure_only_to_authorised_contacts(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    liu = Contact.objects.get(customer=customer)
    response = as_user(hotline).post(
        f"/tickets/{ticket.pk}/disclose/", {"disclose-contact": liu.pk, "disclose-what": "账套"}
    )
    assert response.status_code == 400  # not in the choices: nobody is authorised
    Contact.objects.filter(pk=liu.pk).update(
        may_receive_passwords=True, authorised_by="总经理", authorised_on=timezone.localdate()
    )
    response = as_user(hotline).post(
        f"/tickets/{ticket.pk}/disclose/", {"disclose-contact": liu.pk, "disclose-what": "账套"}
    )
    assert response.status_code == 302
    assert ticket.disclosures.count() == 1


def test_the_printed_hotline_record(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    ticket_shelve(ticket, by=hotline, reason="请教开发")
    ct = ContentType.objects.get_for_model(Ticket).pk
    response = as_user(hotline).get(f"/print/{ct}/{ticket.pk}/hotline_record.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


# -- queue, board and their query counts -----------------------------------------------


def test_queue_is_sorted_by_the_nearest_deadline(hotline, customer, sales, as_user):
    other = make_customer(sales)
    tickets = [
        intake(hotline, customer),
        intake(hotline, customer, needs_on_site=True),  # 30 working minutes
        intake(hotline, other),  # no contract: the arbiter's, no running timer of its own
    ]
    ticket_shelve(tickets[0], by=hotline, reason="请教")  # call back within the hour

    def nearest(ticket):
        due = [t.due_at for t in SlaTimer.objects.for_subject(ticket).running()]
        return (min(due) if due else timezone.now() + dt.timedelta(days=3650), ticket.pk)

    html = as_user(hotline).get("/tickets/").content.decode()
    shown = sorted(tickets, key=lambda t: html.index(f'data-ticket="{t.pk}"'))
    assert shown == sorted(tickets, key=nearest)
    assert 'data-timer-due="' in html


def _count_page(client, url: str) -> int:
    client.get(url)  # warm the caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queue_and_board_queries_do_not_grow(hotline, hotline2, manager, customer, as_user):
    def make(n: int) -> None:
        for i in range(n):
            ticket = intake(hotline, customer, needs_on_site=i % 3 == 0)
            if i % 4 == 1:
                ticket_shelve(ticket, by=hotline, reason="请教")
            if i % 5 == 2:
                ticket_transfer(ticket, by=hotline, to=hotline2)

    make(5)
    queue_few = _count_page(as_user(hotline), "/tickets/")
    board_few = _count_page(as_user(manager), "/tickets/board/")
    make(35)
    queue_many = _count_page(as_user(hotline), "/tickets/")
    board_many = _count_page(as_user(manager), "/tickets/board/")
    assert Ticket.objects.count() == 40
    assert queue_few == queue_many
    assert board_few == board_many


def test_ticket_page_queries_do_not_grow_with_its_history(hotline, customer, as_user):
    ticket = intake(hotline, customer)
    client = as_user(hotline)
    few = _count_page(client, f"/tickets/{ticket.pk}/")
    ticket_shelve(ticket, by=hotline, reason="请教")
    for i in range(6):
        client.post(f"/tickets/{ticket.pk}/note/", {"note-text": f"第{i}次备注"})
        Call.objects.create(
            caller_phone="13912345678", started_at=timezone.now(), answered=True, ticket=ticket
        )
    many = _count_page(client, f"/tickets/{ticket.pk}/")
    assert many <= few + 2  # the shelved state offers other forms (engineer choices)


# -- roster and call statistics -------------------------------------------------------


def test_roster_plan_remove_and_acknowledge(manager, hotline, customer, as_user):
    line = HotlineLine.objects.get()
    now = timezone.localtime()
    start = now - dt.timedelta(hours=1)
    response = as_user(manager).post(
        "/roster/shifts/add/",
        {
            "line": line.pk,
            "engineer": hotline.pk,
            # the shift's day is the day it starts: just after midnight, yesterday
            "day": start.date().isoformat(),
            "starts": start.strftime("%H:%M"),
            "ends": (now + dt.timedelta(hours=2)).strftime("%H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    shift = DutyShift.objects.get()
    roster = as_user(manager).get("/roster/").content.decode()
    assert 'data-testid="shift"' in roster
    intake(hotline, customer)
    mine = as_user(hotline).get("/roster/").content.decode()
    assert 'data-testid="handover"' in mine
    assert 'data-testid="handover-acknowledge"' in mine
    assert as_user(hotline).get(f"/roster/shifts/{shift.pk}/acknowledge/").status_code == 405
    as_user(hotline).post(f"/roster/shifts/{shift.pk}/acknowledge/", {"note": "已交接"})
    shift.refresh_from_db()
    assert shift.handover_acknowledged_at is not None
    # acknowledged shifts stay on the roster
    as_user(manager).post(f"/roster/shifts/{shift.pk}/delete/")
    assert DutyShift.objects.filter(pk=shift.pk).exists()


def test_roster_shift_errors_and_permissions(manager, hotline, as_user):
    line = HotlineLine.objects.get()
    data = {"line": line.pk, "engineer": hotline.pk, "day": "", "starts": "08:30", "ends": "17:30"}
    assert as_user(hotline).post("/roster/shifts/add/", data).status_code == 403
    response = as_user(manager).post("/roster/shifts/add/", data)
    assert response.status_code == 400
    assert invalid(response.content.decode(), "day")
    assert not DutyShift.objects.exists()


def test_call_statistics_colour_the_connect_rate(manager, hotline, as_user):
    line = HotlineLine.objects.get()
    now = timezone.now()
    for i in range(10):
        Call.objects.create(
            caller_phone="139", started_at=now, answered=i < 8, rings=2, engineer=hotline, line=line
        )
    html = as_user(manager).get("/calls/stats/").content.decode()
    assert "80%" in html
    assert "rate-bad" in html


def test_article_edit_and_search(hotline, field_engineer, as_user):
    article = article_save(
        by=hotline,
        data={"title": "打印机无法打印", "symptoms": "打印报表时没有反应", "solution": "重装驱动"},
    )
    url = f"/knowledge/{article.pk}/edit/"
    data = {
        "title": "打印机无法打印报表",
        "product": "用友U8",
        "module": "",
        "symptoms": "打印报表时没有反应",
        "cause": "驱动损坏",
        "solution": "重装打印机驱动",
        "steps": "",
    }
    bad = as_user(hotline).post(url, {**data, "solution": ""})
    assert bad.status_code == 400
    assert invalid(bad.content.decode(), "solution")
    assert as_user(hotline).post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.title == "打印机无法打印报表"
    # Published, it is changed by a reviewer only: the field engineer writes drafts.
    published(article)
    assert as_user(field_engineer).post(url, data).status_code == 403
    table = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-table"}
    found = as_user(field_engineer).get("/knowledge/", {"q": "报表打印没反应"}, **table)
    assert 'data-testid="list-row"' in found.content.decode()
    assert "打印机无法打印报表" in found.content.decode()
