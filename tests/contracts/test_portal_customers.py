"""Portal pages for customers and contracts: permissions, forms that keep bad input and save
nothing, transitions only on POST, the htmx search and entitlement partials, document
permissions enforced on download, and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.archive import _sections, group_by_contract, register_archive_section
from contracts.choices import ContractState, PeriodKind
from contracts.models import (
    Asset,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    FirstVisit,
    InstalledProduct,
    Revisit,
    ServicePeriod,
)
from contracts.services import (
    contract_document_upload,
    contract_save_draft,
    contract_sign,
    customer_save,
)
from servicedesk.core.choices import Role
from servicedesk.core.lists import RankedRows, list_get, paged
from servicedesk.core.navigation import nav_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-table"}
_numbers = iter(range(1, 100_000))


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军")


@pytest.fixture
def agent(make_user):
    return make_user(Role.FIRST_VISIT_AGENT, username="wufang")


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT, username="zhouqiang")


@pytest.fixture
def hotline(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="wangjing")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def make_customer(by, name: str | None = None, **fields) -> Customer:
    return customer_save(
        customer=Customer(name=name or f"苏州信达电子有限公司{next(_numbers)}", **fields), by=by
    )


def make_contract(by, customer: Customer, *, free=None, **fields) -> Contract:
    today = timezone.localdate()
    start, end = free or (today - dt.timedelta(days=30), today + dt.timedelta(days=335))
    data = {
        "number": f"HT-{next(_numbers):05d}",
        "customer": customer,
        "sales_manager": by,
        "signed_on": start,
        "amount": Decimal("88000.00"),
        "scope_items": [
            {"service_type": "repair", "quota": None, "quota_period": "year", "note": ""},
            {"service_type": "phone_support", "quota": None, "quota_period": "year", "note": ""},
        ],
        "free_period": {"starts_on": start, "ends_on": end},
        **fields,
    }
    return contract_save_draft(by=by, data=data)


def invalid(html: str, name: str) -> bool:
    """Whether the form control named ``name`` is marked invalid."""
    tags = re.findall(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert tags, f"no control named {name}"
    return "is-invalid" in tags[0]


def upload(contract, kind, by):
    return contract_document_upload(
        contract=contract,
        kind=kind,
        file=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
        by=by,
    )


# -- pages and permissions -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/customers/", "/customers/add/", "/contracts/", "/contracts/renewals/"],
)
def test_pages_render_for_the_sales_manager(url, sales, as_user):
    response = as_user(sales).get(url, follow=True)
    assert response.status_code == 200
    assert b"<html" in response.content


def test_customer_pages_need_a_login(client, sales):
    customer = make_customer(sales)
    for url in ("/customers/", f"/customers/{customer.pk}/", "/contracts/", "/entitlement/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_staff_without_the_permission_get_403(make_user, as_user, sales):
    nobody = make_user()
    customer = make_customer(sales)
    client = as_user(nobody)
    assert client.get("/customers/", follow=True).status_code == 403
    assert client.get(f"/customers/{customer.pk}/").status_code == 403
    assert client.get("/contracts/", follow=True).status_code == 403


def test_hotline_engineer_cannot_create_customers_or_contracts(hotline, sales, as_user):
    customer = make_customer(sales)
    client = as_user(hotline)
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    assert client.get("/customers/add/").status_code == 403
    assert client.post("/customers/add/", {"name": "新客户", "category": "B"}).status_code == 403
    assert client.get(f"/customers/{customer.pk}/contracts/add/").status_code == 403
    response = client.post(
        f"/customers/{customer.pk}/contracts/add/",
        {"number": "HT-X", "service_level": "5x8", **management()},
    )
    assert response.status_code == 403
    assert not Contract.objects.exists()
    assert Customer.objects.count() == 1
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="contract-add"' not in page


# -- customer list ---------------------------------------------------------------------------


def _listed(html: str) -> list[str]:
    return re.findall(r'data-testid="list-row".*?href="/customers/(\d+)/"', html, re.S)


def test_customer_list_search_as_you_type_returns_the_table_partial(sales, as_user):
    """The declared list (docs/architecture.md §lists) searches names, phones, contacts'
    mobiles and dongle numbers as the old page did; the old address sends ``q`` there."""
    acme = make_customer(
        sales, name="杭州西湖软件股份有限公司", short_name="西湖软件", phone="0571-8888"
    )
    other = make_customer(sales, name="南京长江物流有限公司", short_name="长江物流")
    Contact.objects.create(customer=other, name="刘洋", mobile="13912345678")
    InstalledProduct.objects.create(customer=other, software="ERP", licence_number="DG-7788")
    client = as_user(sales)
    for term, expected in [
        ("西湖", acme),
        ("长江物流", other),
        ("8888", acme),
        ("13912345678", other),
        ("DG-7788", other),
    ]:
        response = client.get("/customers/list/", {"search": term}, **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        assert _listed(html) == [str(expected.pk)], term
    empty = client.get("/customers/list/", {"search": "不存在"}, **HTMX).content.decode()
    assert _listed(empty) == []
    moved = client.get("/customers/", {"q": "西湖", "sort": "-short", "page": "2"})
    assert moved.status_code == 302
    assert moved["Location"] == "/customers/list/?search=%E8%A5%BF%E6%B9%96&sort=-short_name&page=2"


def test_customer_list_filters_and_sorts(sales, as_user):
    make_customer(sales, name="甲公司", region="华东", category="A")
    make_customer(sales, name="乙公司", region="华南", category="B")
    make_customer(sales, name="丙公司", region="华东", category="C")
    client = as_user(sales)
    page = client.get("/customers/list/", {"region": "华东"}).content.decode()
    assert len(_listed(page)) == 2
    page = client.get("/customers/list/", {"region": "华东", "category": "A"}).content.decode()
    assert len(_listed(page)) == 1 and "甲公司" in page
    page = client.get("/customers/list/", {"sort": "-region"}).content.decode()
    assert page.index("乙公司") < page.index("甲公司")
    assert client.get("/customers/list/", {"sort": "bogus"}).status_code == 200
    # the old page's filters arrive as they were
    moved = client.get("/customers/", {"region": "华东", "category": "A"}, follow=True)
    assert len(_listed(moved.content.decode())) == 1


def test_customer_list_sorts_by_contract_facts(sales, as_user, today):
    """The old page's contract columns: active contracts and the last day of service."""
    soon = make_customer(sales, name="甲 即将到期")
    make_contract(sales, soon, free=(today - dt.timedelta(days=300), today + dt.timedelta(days=5)))
    later = make_customer(sales, name="乙 明年到期")
    contract_sign(
        make_contract(
            sales, later, free=(today - dt.timedelta(days=10), today + dt.timedelta(days=400))
        ),
        by=sales,
    )
    none = make_customer(sales, name="丙 没有合同")
    client = as_user(sales)

    def order(sort):
        return [
            int(pk)
            for pk in _listed(client.get("/customers/list/", {"sort": sort}).content.decode())
        ]

    assert order("-until") == [later.pk, soon.pk, none.pk]
    assert order("until") == [none.pk, soon.pk, later.pk]  # no service first
    assert order("-active")[0] == later.pk
    page = client.get("/customers/list/?sort=-until").content.decode()
    assert 'aria-sort="descending"' in page
    assert (today + dt.timedelta(days=400)).isoformat() in page
    # the old page's sort keeps its meaning
    assert client.get("/customers/?sort=-until")["Location"] == "/customers/list/?sort=-until"


def test_lists_by_last_day_rank_narrow_in_the_annotation_s_order(sales, as_user, today):
    """Sorted by "service until", the page ranks the keys by a grouped join
    (``Column.rank``) instead of the per-row subquery: the same rows in the same order on
    every page, ties broken by the key, no service first or last, a terminated contract's
    period not counted — and the count orders nothing."""
    day = today + dt.timedelta(days=100)
    customers = []
    for n in range(9):
        customer = make_customer(sales)
        customers.append(customer)
        if n % 3 == 0:
            continue  # no service period
        ends = day if n % 2 else day + dt.timedelta(days=n)  # ties on ``day``
        make_contract(sales, customer, free=(today, ends))
        if n in (2, 4):  # a later period of a terminated contract does not count
            ended = make_contract(sales, customer, free=(today, day + dt.timedelta(days=900)))
            Contract.objects.filter(pk=ended.pk).update(state=ContractState.TERMINATED)
    for code in ("customers", "contracts"):
        spec = list_get(code)
        for sort in ("until", "-until"):
            _sort, order = spec.sort_of(sort, sales)
            rows = spec.queryset(sales).order_by(*order)
            expected = [(r.pk, r.service_until) for r in rows]
            ranked = paged(spec, rows, sort)
            assert isinstance(ranked, RankedRows)
            assert [(r.pk, r.service_until) for r in ranked[0:50]] == expected, (code, sort)
            for start in range(0, len(expected), 4):
                page = [(r.pk, r.service_until) for r in ranked[start : start + 4]]
                assert page == expected[start : start + 4], (code, sort, start)
    assert [
        c.service_until
        for c in list_get("customers")
        .queryset(sales)
        .filter(pk__in=[customers[2].pk, customers[4].pk])
        .order_by("pk")
    ] == [day + dt.timedelta(days=2), day + dt.timedelta(days=4)]
    client = as_user(sales)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/customers/list/?sort=-until").content.decode()
    assert _listed(page)[:2] == [str(customers[8].pk), str(customers[4].pk)]
    (count,) = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*) FROM (")
    ]
    assert "ORDER BY" not in count and "ends_on" not in count


def test_customer_list_pages_in_constant_queries(sales, as_user, today):
    def add(n):
        for _ in range(n):
            customer = make_customer(sales, region="华东")
            Contact.objects.create(customer=customer, name="张三", phone="021-1")
            make_contract(sales, customer)

    client = as_user(sales)
    add(5)
    client.get("/customers/list/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/customers/list/?sort=-until").status_code == 200
    add(50)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/customers/list/?sort=-until").content.decode()
    assert len(_listed(page)) == 50
    assert "1 / 2" in page
    assert len(few) == len(many), [q["sql"][:80] for q in many.captured_queries]


# -- customer forms --------------------------------------------------------------------------


def test_customer_create_and_edit(sales, as_user):
    client = as_user(sales)
    response = client.post(
        "/customers/add/",
        {
            "name": "  上海浦江  制药有限公司 ",
            "short_name": "浦江制药",
            "industry": "制药",
            "region": "华东",
            "category": "A",
            "phone": "021-5555",
            "website": "www.pujiang.example",
            "address": "上海市浦东新区",
            "sales_manager": sales.pk,
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.name == "上海浦江 制药有限公司"
    assert customer.history.first().history_user == sales
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {"name": customer.name, "category": "B", "region": "华南"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.category, customer.region) == ("B", "华南")


def test_customer_form_bad_input_shows_errors_and_saves_nothing(sales, as_user):
    make_customer(sales, name="已存在的公司")
    client = as_user(sales)
    response = client.post(
        "/customers/add/",
        {"name": "", "short_name": "没有全称", "category": "Z", "in_use_since": "2026-13-45"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert html.count("is-invalid") >= 3
    assert 'value="没有全称"' in html  # what was typed is kept
    duplicate = client.post("/customers/add/", {"name": "已存在的公司", "category": "B"})
    assert duplicate.status_code == 200
    assert "is-invalid" in duplicate.content.decode()
    assert Customer.objects.count() == 1


def test_contact_password_authorisation_must_say_by_whom_and_when(sales, as_user, today):
    customer = make_customer(sales)
    client = as_user(sales)
    url = f"/customers/{customer.pk}/contacts/add/"
    bad = client.post(
        url, {"name": "王经理", "mobile": "13800000000", "may_receive_passwords": "on"}
    )
    assert bad.status_code == 200
    html = bad.content.decode()
    assert invalid(html, "authorised_by") and invalid(html, "authorised_on")
    assert not invalid(html, "name")
    assert not Contact.objects.exists()
    unreachable = client.post(url, {"name": "无联系方式"})
    assert unreachable.status_code == 200
    assert not Contact.objects.exists()
    ok = client.post(
        url,
        {
            "name": "王经理",
            "title": "信息中心主任",
            "mobile": "13800000000",
            "may_receive_passwords": "on",
            "authorised_by": "总经理 李明",
            "authorised_on": today.isoformat(),
        },
    )
    assert ok.status_code == 302
    contact = Contact.objects.get()
    assert contact.may_receive_passwords and contact.authorised_by == "总经理 李明"
    assert contact.history.first().history_user == sales
    archive = client.get(customer.get_absolute_url()).content.decode()
    assert 'data-authorised="yes"' in archive
    assert "总经理 李明" in archive


def test_products_and_assets_are_added_to_the_customer(sales, as_user, today):
    customer = make_customer(sales)
    other = make_customer(sales)
    foreign = make_contract(sales, other)
    client = as_user(sales)
    response = client.post(
        f"/customers/{customer.pk}/products/add/",
        {
            "software": "用友U8",
            "version": "13.0",
            "modules": "财务、供应链",
            "licence_number": " DG-0001 ",
            "go_live_on": "2026-01-05",
        },
    )
    assert response.status_code == 302
    product = InstalledProduct.objects.get()
    assert (product.customer, product.licence_number) == (customer, "DG-0001")
    # Another customer's contract is not a valid choice.
    bad = client.post(
        f"/customers/{customer.pk}/assets/add/",
        {"model": "ThinkSystem SR650", "contract": foreign.pk},
    )
    assert bad.status_code == 200 and not Asset.objects.exists()
    ok = client.post(
        f"/customers/{customer.pk}/assets/add/",
        {"model": "ThinkSystem SR650", "serial_number": "SN123", "warranty_end": "2028-01-01"},
    )
    assert ok.status_code == 302
    assert Asset.objects.get().customer == customer
    edit = client.post(
        f"/customers/{customer.pk}/products/{product.pk}/",
        {"software": "用友U8", "version": "15.0"},
    )
    assert edit.status_code == 302
    product.refresh_from_db()
    assert product.version == "15.0"
    # Another customer's product is not reachable under this customer.
    assert client.get(f"/customers/{other.pk}/products/{product.pk}/").status_code == 404


# -- contract forms --------------------------------------------------------------------------


def management(prefix_counts=None):
    counts = {"scope": 0, "rates": 0, **(prefix_counts or {})}
    data = {}
    for prefix, total in counts.items():
        data[f"{prefix}-TOTAL_FORMS"] = str(total)
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    return data


def contract_post(**overrides):
    data = {
        "number": "HT-2026-001",
        "title": "ERP 运维服务合同",
        "signed_on": "2026-11-20",
        "amount": "120000",
        "service_level": "5x8",
        "free-starts_on": "2026-12-01",
        "free-ends_on": "2027-11-30",
        **management({"scope": 3, "rates": 2}),
        "scope-0-service_type": "repair",
        "scope-0-quota": "4",
        "scope-0-quota_period": "year",
        "scope-1-service_type": "phone_support",
        "scope-1-quota_period": "year",
        "scope-2-service_type": "",
        "scope-2-quota_period": "year",
        "rates-0-service_type": "repair",
        "rates-0-unit": "per_visit",
        "rates-0-price": "600",
        "rates-1-service_type": "",
        "rates-1-unit": "",
        "rates-1-price": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_contract_create_draft_with_scope_period_and_rates(sales, as_user):
    customer = make_customer(sales, sales_manager=sales)
    client = as_user(sales)
    form = client.get(f"/customers/{customer.pk}/contracts/add/").content.decode()
    assert 'name="scope-TOTAL_FORMS"' in form and 'id="scope-empty"' in form
    response = client.post(
        f"/customers/{customer.pk}/contracts/add/", contract_post(sales_manager=str(sales.pk))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get()
    assert response["Location"] == f"/contracts/{contract.pk}/"
    assert (contract.customer, contract.state, contract.sales_manager) == (customer, "draft", sales)
    assert {(s.service_type, s.quota) for s in contract.scope_items.all()} == {
        ("repair", 4),
        ("phone_support", None),
    }
    period = contract.periods.get()
    assert (period.kind, period.starts_on, period.ends_on) == (
        PeriodKind.FREE,
        dt.date(2026, 12, 1),
        dt.date(2027, 11, 30),
    )
    assert contract.charge_rates.get().price == Decimal("600.00")
    assert contract.signing_problems() == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"number": ""}, "number"),
        ({"scope-1-service_type": "repair"}, "scope-1-service_type"),
        ({"scope-0-quota": "0"}, "scope-0-quota"),
        ({"free-ends_on": "2026-11-01"}, "free-ends_on"),
        ({"free-ends_on": ""}, "free-ends_on"),
        ({"rates-0-price": "-5"}, "rates-0-price"),
        ({"rates-1-price": "100"}, "rates-1-unit"),
        ({"amount": "很多"}, "amount"),
    ],
)
def test_contract_form_bad_input_shows_errors_and_saves_nothing(overrides, field, sales, as_user):
    customer = make_customer(sales)
    response = as_user(sales).post(
        f"/customers/{customer.pk}/contracts/add/", contract_post(**overrides)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html or "invalid-feedback" in html
    assert invalid(html, field)
    assert 'value="ERP 运维服务合同"' in html  # kept
    assert not Contract.objects.exists()
    assert not ServicePeriod.objects.exists()


def test_contract_number_must_be_unique(sales, as_user):
    customer = make_customer(sales)
    make_contract(sales, customer, number="HT-2026-001")
    response = as_user(sales).post(f"/customers/{customer.pk}/contracts/add/", contract_post())
    assert response.status_code == 200
    assert Contract.objects.count() == 1


def test_edit_draft_keeps_unchanged_scope_rows(sales, as_user):
    customer = make_customer(sales)
    contract = make_contract(sales, customer)
    client = as_user(sales)
    page = client.get(f"/contracts/{contract.pk}/edit/").content.decode()
    assert 'name="scope-INITIAL_FORMS" value="2"' in page
    data = contract_post(number=contract.number, **{"scope-INITIAL_FORMS": "2"})
    data["scope-0-DELETE"] = "on"
    response = client.post(f"/contracts/{contract.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:1500]
    assert [s.service_type for s in contract.scope_items.all()] == ["phone_support"]


# -- contract detail and transitions -----------------------------------------------------


def test_contract_detail_lists_what_signing_needs(sales, as_user):
    customer = make_customer(sales)
    contract = contract_save_draft(by=sales, data={"number": "HT-INCOMPLETE", "customer": customer})
    page = as_user(sales).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="signing-problems"' in page
    for item in ("a sales manager", "the signing date", "the amount", "the service scope"):
        assert item in page
    sign_button = page[page.index('data-testid="action-sign"') :][:80]
    assert "disabled" in sign_button


def test_transitions_only_on_post(sales, agent, as_user):
    contract = make_contract(sales, make_customer(sales))
    client = as_user(sales)
    for action in ("sign", "renew", "terminate"):
        assert client.get(f"/contracts/{contract.pk}/{action}/").status_code == 405
    assert Contract.objects.get().state == ContractState.DRAFT
    assert not FirstVisit.objects.exists()
    response = client.post(f"/contracts/{contract.pk}/sign/")
    assert response.status_code == 302
    signed = Contract.objects.get()
    assert signed.state == ContractState.IN_SERVICE
    assert FirstVisit.objects.get(contract=signed).agent == agent
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-state="in_service"' in page
    assert 'data-testid="first-visit"' in page
    # Signing again is refused with a message, not an error page.
    again = client.post(f"/contracts/{contract.pk}/sign/", follow=True)
    assert again.status_code == 200
    assert "alert-danger" in again.content.decode()
    assert FirstVisit.objects.count() == 1


def test_sign_incomplete_contract_shows_a_message(sales, as_user):
    contract = contract_save_draft(
        by=sales, data={"number": "HT-1", "customer": make_customer(sales)}
    )
    response = as_user(sales).post(f"/contracts/{contract.pk}/sign/", follow=True)
    assert "alert-danger" in response.content.decode()
    assert Contract.objects.get().state == ContractState.DRAFT


def test_consultant_cannot_sign_renew_or_terminate(consultant, sales, as_user):
    contract = make_contract(sales, make_customer(sales))
    client = as_user(consultant)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="transitions"' not in page
    assert client.post(f"/contracts/{contract.pk}/sign/").status_code == 403
    assert client.post(f"/contracts/{contract.pk}/terminate/", {"reason": "x"}).status_code == 403
    assert Contract.objects.get().state == ContractState.DRAFT


def test_renew_bad_dates_show_errors_and_add_nothing(sales, agent, as_user, today):
    contract = make_contract(sales, make_customer(sales))
    contract_sign(contract, by=sales)
    client = as_user(sales)
    url = f"/contracts/{contract.pk}/renew/"
    bad = client.post(url, {"starts_on": "2030-01-01", "ends_on": "2029-01-01"})
    assert bad.status_code == 400
    panel = re.search(r'<div[^>]*id="action-renew"[^>]*>', bad.content.decode()).group(0)
    assert " show" in panel  # the form with its errors is open
    assert invalid(bad.content.decode(), "ends_on")
    overlap = client.post(
        url, {"starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=400))}
    )
    assert overlap.status_code == 400
    assert ServicePeriod.objects.filter(kind=PeriodKind.PAID).count() == 0
    last = contract.periods.get().ends_on
    ok = client.post(
        url,
        {
            "starts_on": (last + dt.timedelta(days=1)).isoformat(),
            "ends_on": (last + dt.timedelta(days=365)).isoformat(),
            "amount": "30000",
        },
    )
    assert ok.status_code == 302
    assert ServicePeriod.objects.filter(kind=PeriodKind.PAID, contract=contract).count() == 1


def test_terminate_needs_a_reason(sales, as_user):
    contract = make_contract(sales, make_customer(sales))
    client = as_user(sales)
    bad = client.post(f"/contracts/{contract.pk}/terminate/", {"reason": "  "})
    assert bad.status_code == 400
    assert "is-invalid" in bad.content.decode()
    assert Contract.objects.get().state == ContractState.DRAFT
    ok = client.post(f"/contracts/{contract.pk}/terminate/", {"reason": "客户取消采购"})
    assert ok.status_code == 302
    terminated = Contract.objects.get()
    assert (terminated.state, terminated.terminated_reason) == ("terminated", "客户取消采购")


def test_amount_hidden_from_the_consultant(sales, consultant, as_user):
    contract = make_contract(sales, make_customer(sales))
    amount = re.compile(r"88,?000")
    assert amount.search(as_user(sales).get(f"/contracts/{contract.pk}/").content.decode())
    assert amount.search(as_user(sales).get("/contracts/list/").content.decode())
    page = as_user(consultant).get(f"/contracts/{contract.pk}/").content.decode()
    assert not amount.search(page)
    # the list's amount column is for those who see the full copy, in the export too,
    # and it cannot be sorted by (the order would tell)
    listed = as_user(consultant).get("/contracts/list/", {"sort": "-amount"})
    assert not amount.search(listed.content.decode())
    assert listed.context["sort"] == "-signed"
    export = as_user(consultant).get("/lists/contracts/export.xlsx").content
    assert b"88000" not in export and "合同金额".encode() not in export
    assert "合同金额".encode() not in listed.content


# -- documents -------------------------------------------------------------------------------


def test_documents_full_copy_for_sales_redacted_for_the_consultant(sales, consultant, as_user):
    contract = make_contract(sales, make_customer(sales))
    full, redacted = upload(contract, "full", sales), upload(contract, "redacted", sales)
    url = f"/contracts/{contract.pk}/documents/"
    client = as_user(consultant)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="document-redacted"' in page
    assert 'data-testid="document-full"' not in page
    archive = client.get(contract.customer.get_absolute_url()).content.decode()
    assert f"{url}{redacted.pk}/" in archive and f"{url}{full.pk}/" not in archive
    assert client.get(f"{url}{full.pk}/").status_code == 403
    response = client.get(f"{url}{redacted.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.post(url, {"kind": "full"}).status_code == 403

    client = as_user(sales)
    assert client.get(f"{url}{full.pk}/").status_code == 200
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="document-full"' in page
    # Someone else's contract id in the URL does not reach the document.
    other = make_contract(sales, make_customer(sales))
    assert client.get(f"/contracts/{other.pk}/documents/{full.pk}/").status_code == 404


def test_document_upload_checks_the_file(sales, as_user):
    contract = make_contract(sales, make_customer(sales))
    client = as_user(sales)
    url = f"/contracts/{contract.pk}/documents/"
    bad = client.post(
        url, {"kind": "full", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/x")}
    )
    assert bad.status_code == 400
    assert "is-invalid" in bad.content.decode()
    assert not ContractDocument.objects.exists()
    ok = client.post(
        url, {"kind": "redacted", "file": SimpleUploadedFile("c.pdf", PDF, "application/pdf")}
    )
    assert ok.status_code == 302
    assert ContractDocument.objects.get().kind == "redacted"


# -- entitlement component -------------------------------------------------------------------


def test_entitlement_endpoint_renders_the_partial(sales, agent, as_user, today):
    customer = make_customer(sales)
    contract = make_contract(sales, customer)
    contract_sign(contract, by=sales)
    end = contract.periods.get().ends_on
    client = as_user(sales)
    inside = client.get(
        "/entitlement/",
        {"customer": customer.pk, "service_type": "repair", "on": today.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert inside.status_code == 200
    html = inside.content.decode()
    assert "<html" not in html
    assert 'data-result="in_scope"' in html and "ent-in-scope" in html
    after = client.get(
        "/entitlement/",
        {
            "customer": customer.pk,
            "service_type": "repair",
            "on": (end + dt.timedelta(days=1)).isoformat(),
        },
    ).content.decode()
    assert 'data-result="out_of_scope"' in after and 'data-code="expired"' in after
    assert end.isoformat() in after
    assert 'data-testid="entitlement-charge"' in after and "800.00" in after
    not_covered = client.get(
        "/entitlement/", {"customer": customer.pk, "service_type": "training"}
    ).content.decode()
    assert 'data-code="type_not_covered"' in not_covered
    assert client.get("/entitlement/", {"customer": customer.pk}).status_code == 400
    assert (
        client.get("/entitlement/", {"customer": customer.pk, "service_type": "x"}).status_code
        == 400
    )
    assert (
        client.get("/entitlement/", {"customer": 999999, "service_type": "repair"}).status_code
        == 404
    )


def test_entitlement_endpoint_undetermined_without_contract(sales, as_user):
    customer = make_customer(sales)
    html = (
        as_user(sales)
        .get("/entitlement/", {"customer": customer.pk, "service_type": "repair"})
        .content.decode()
    )
    assert 'data-result="undetermined"' in html and "ent-undetermined" in html


def test_entitlement_endpoint_queries_are_constant(sales, agent, as_user, today):
    one = make_customer(sales)
    contract_sign(make_contract(sales, one), by=sales)
    many = make_customer(sales)
    for year in range(10):
        make_contract(sales, many, free=(dt.date(2010 + year, 1, 1), dt.date(2010 + year, 12, 31)))
    contract_sign(make_contract(sales, many), by=sales)
    Contract.objects.filter(customer=many, state="draft").update(state="expired")
    client = as_user(sales)
    client.get("/entitlement/", {"customer": one.pk, "service_type": "repair"})
    counts = []
    for customer in (one, many):
        with CaptureQueriesContext(connection) as ctx:
            client.get("/entitlement/", {"customer": customer.pk, "service_type": "training"})
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_entitlement_widget_tag(sales, agent):
    customer = make_customer(sales)
    contract_sign(make_contract(sales, customer), by=sales)
    html = Template(
        "{% load contracts_tags %}{% entitlement_widget customer 'repair' %}"
        "{% entitlement_widget customer %}{% entitlement_widget None 'repair' %}"
    ).render(Context({"customer": customer}))
    assert html.count('data-testid="entitlement-widget"') == 3
    assert html.count('data-result="in_scope"') == 1
    assert "Choose a service type" in html
    assert 'data-result="undetermined"' in html
    assert 'hx-get="/entitlement/"' in html


# -- the customer archive --------------------------------------------------------------------


def test_archive_groups_everything_by_contract(sales, agent, as_user, today):
    customer = make_customer(sales, name="宁波港务集团有限公司", short_name="宁波港务")
    Contact.objects.create(
        customer=customer,
        name="陈主任",
        phone="0574-1",
        may_receive_passwords=True,
        authorised_by="总经理",
        authorised_on=today,
    )
    Contact.objects.create(customer=customer, name="小李", mobile="139")
    InstalledProduct.objects.create(customer=customer, software="港口调度", licence_number="DG-9")
    Asset.objects.create(customer=customer, model="Dell R740", serial_number="SN-1")
    signed = make_contract(sales, customer)
    contract_sign(signed, by=sales)
    draft = make_contract(sales, customer)
    Revisit.objects.create(customer=customer, contract=signed, due_on=today, assignee=agent)
    Revisit.objects.create(customer=customer, contract=None, due_on=today, reason="post_visit")
    page = as_user(sales).get(customer.get_absolute_url()).content.decode()
    assert "宁波港务集团有限公司" in page
    assert page.count('data-testid="password-flag"') == 2
    assert page.count('data-authorised="yes"') == 1
    assert "DG-9" in page and "SN-1" in page
    assert page.count('data-testid="contract-card"') == 2
    signed_card = page[page.index(f'data-contract="{signed.pk}"') :]
    signed_card = signed_card[: signed_card.index("</section>")]
    assert 'data-testid="section-first_visits"' in signed_card
    assert 'data-testid="section-revisits"' in signed_card
    assert 'data-testid="scope"' in signed_card and "period-current" in signed_card
    draft_card = page[page.index(f'data-contract="{draft.pk}"') :]
    draft_card = draft_card[: draft_card.index("</section>")]
    assert "section-revisits" not in draft_card
    assert 'data-testid="contract-card-none"' in page
    assert 'data-testid="entitlement-widget"' in page
    assert 'data-result="in_scope"' in page  # phone support is covered today


def test_archive_shows_sections_registered_by_other_apps(sales, as_user):
    customer = make_customer(sales)
    contract = make_contract(sales, customer)

    class Ticket:
        def __init__(self, pk, contract_id):
            self.pk, self.contract_id, self.state = pk, contract_id, "shelved"

        def __str__(self):
            return f"工单 T-{self.pk}"

        def get_state_display(self):
            return "已搁置"

    calls = []

    def loader(customer_, contracts):
        calls.append((customer_, [c.pk for c in contracts]))
        return group_by_contract([Ticket(1, contract.pk), Ticket(2, None), Ticket(3, 99999)])

    registered = _sections.get("tickets")  # the hotline's own section
    register_archive_section("tickets", "工单", loader, order=30)
    try:
        page = as_user(sales).get(customer.get_absolute_url()).content.decode()
    finally:
        _sections.pop("tickets")
        if registered is not None:
            _sections["tickets"] = registered
    assert calls == [(customer, [contract.pk])]
    card = page[page.index(f'data-contract="{contract.pk}"') :]
    card = card[: card.index("</section>")]
    assert "工单 T-1" in card and 'data-state="shelved"' in card
    none_card = page[page.index('data-testid="contract-card-none"') :]
    assert "工单 T-2" in none_card and "工单 T-3" in none_card


def test_archive_queries_do_not_grow_with_contracts(sales, agent, as_user, today):
    def customer_with(n):
        customer = make_customer(sales)
        Contact.objects.create(customer=customer, name="张三", phone="1")
        InstalledProduct.objects.create(customer=customer, software="ERP")
        Asset.objects.create(customer=customer, model="R740")
        for i in range(n):
            start = dt.date(2000 + 2 * i, 1, 1)
            contract = make_contract(sales, customer, free=(start, start + dt.timedelta(days=700)))
            upload(contract, "redacted", sales)
            upload(contract, "full", sales)
            Revisit.objects.create(customer=customer, contract=contract, due_on=start)
        contract_sign(make_contract(sales, customer), by=sales)
        return customer

    small, large = customer_with(1), customer_with(10)
    client = as_user(sales)
    client.get(small.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        assert client.get(small.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as many:
        page = client.get(large.get_absolute_url()).content.decode()
    assert page.count('data-testid="contract-card"') == 11
    assert len(few) == len(many), [q["sql"][:90] for q in many.captured_queries]


def test_archive_of_another_app_item_without_url_still_renders(sales, as_user):
    customer = make_customer(sales)
    Revisit.objects.create(customer=customer, due_on=timezone.localdate())
    response = as_user(sales).get(customer.get_absolute_url())
    assert response.status_code == 200


# -- contracts list and renewals -------------------------------------------------------------


def test_contract_list_search_filter_and_queries(sales, agent, as_user):
    customer = make_customer(sales, name="无锡太湖纺织有限公司")
    make_contract(sales, customer, number="HT-TAIHU-1")
    contract_sign(make_contract(sales, customer, number="HT-TAIHU-2"), by=sales)
    client = as_user(sales)
    page = client.get("/contracts/", {"q": "太湖"}, follow=True).content.decode()
    assert page.count('data-testid="list-row"') == 2
    page = client.get("/contracts/list/", {"state": "draft"}).content.decode()
    assert "HT-TAIHU-1" in page and "HT-TAIHU-2" not in page
    partial = client.get(
        "/contracts/list/", {"q": "TAIHU-2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-table"
    ).content.decode()
    assert "<html" not in partial and partial.count('data-testid="list-row"') == 1
    with CaptureQueriesContext(connection) as few:
        client.get("/contracts/list/?sort=until")
    for _ in range(10):
        make_contract(sales, make_customer(sales))
    with CaptureQueriesContext(connection) as many:
        client.get("/contracts/list/?sort=until")
    assert len(few) == len(many)


def test_renewal_worklist(sales, agent, as_user, today):
    customer = make_customer(sales, sales_manager=sales)
    soon = make_contract(
        sales, customer, free=(today - dt.timedelta(days=300), today + dt.timedelta(days=20))
    )
    contract_sign(soon, by=sales)
    later = make_contract(
        sales, customer, free=(today - dt.timedelta(days=300), today + dt.timedelta(days=90))
    )
    contract_sign(later, by=sales)
    client = as_user(sales)
    page = client.get("/contracts/renewals/").content.decode()
    assert f'data-contract="{soon.pk}"' in page
    assert f'data-contract="{later.pk}"' not in page
    assert "/contracts/renewals/" in {entry["url"] for entry in nav_for(sales)}


def test_renewal_worklist_is_for_sales(consultant, as_user):
    assert as_user(consultant).get("/contracts/renewals/").status_code == 403
