"""The global search (docs/architecture.md §search): ranking, scope, the header's
drop-down and the page; on PostgreSQL the database computes the same tokens as Python."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.core.choices import Role
from servicedesk.core.search import min_tokens, search, tokens
from tests.tickets.factories import make_contract, make_customer, take_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(make_user):
    sales = make_user(Role.SALES_MANAGER)
    hotline = make_user(Role.HOTLINE_ENGINEER)
    customer = make_customer(sales, name="苏州精工机械制造有限公司", short_name="苏州精工")
    make_contract(sales, customer)
    posting = take_call(hotline, customer, description="月末凭证无法过账，提示科目已被锁定")
    other = take_call(hotline, customer, description="银行对账单导入后金额全部为零")
    return {"hotline": hotline, "customer": customer, "posting": posting, "other": other}


def test_tokens_are_bigrams_of_chinese_and_latin_words():
    assert tokens("凭证过账") == ["凭证", "证过", "过账"]
    assert tokens("Ｕ８ 提示") == ["u8", "提示"]
    assert tokens("表") == ["表"]
    assert [min_tokens(n) for n in (1, 2, 3, 4, 7)] == [1, 2, 2, 2, 4]


def test_chinese_words_apart_are_found(desk):
    hits = search(desk["hotline"], "凭证过账")
    assert [h.obj for h in hits if h.source.key == "ticket"] == [desk["posting"]]


def test_exact_number_comes_first(desk):
    number = desk["other"].number
    hits = search(desk["hotline"], number)
    assert hits[0].obj == desk["other"]
    assert hits[0].rank == 0
    # a prefix of the number finds both tickets of the day, newest first among equals
    prefix = search(desk["hotline"], number[:8])
    assert {h.obj for h in prefix if h.source.key == "ticket"} == {desk["posting"], desk["other"]}


def test_customer_by_short_name_and_phone(desk, make_user):
    hits = search(desk["hotline"], "苏州精工")
    assert hits[0].obj == desk["customer"]
    hits = search(desk["hotline"], "021-5555")
    assert desk["posting"] in [h.obj for h in hits]


def test_scope_field_engineer_finds_nothing_outside_their_work(desk, make_user):
    engineer = make_user(Role.FIELD_ENGINEER)
    assert search(engineer, "凭证过账") == []
    assert search(engineer, desk["posting"].number) == []
    assert search(make_user(), "苏州精工") == []


def test_constant_queries(desk):
    search(desk["hotline"], "凭证过账")  # the user's permissions are cached on the user
    with CaptureQueriesContext(connection) as few:
        search(desk["hotline"], "凭证过账")
    for i in range(5):
        take_call(desk["hotline"], desk["customer"], description=f"凭证过账失败{i}")
    with CaptureQueriesContext(connection) as more:
        search(desk["hotline"], "凭证过账")
    assert len(more.captured_queries) == len(few.captured_queries)


def test_header_suggestions_and_page(client, desk):
    client.force_login(desk["hotline"])
    page = client.get("/")
    assert b'id="global-search"' in page.content
    assert b"core/search.js" in page.content
    partial = client.get("/search/", {"q": "凭证过账"}, **HTMX)
    assert partial.status_code == 200
    assert desk["posting"].number in partial.content.decode()
    assert b"<html" not in partial.content
    full = client.get("/search/", {"q": "对账单"})
    text = full.content.decode()
    assert desk["other"].number in text and desk["posting"].number not in text
    assert "服务单" in text  # the kind of record, in Chinese
    empty = client.get("/search/", {"q": "没有这种东西"}, **HTMX)
    assert "没有找到" in empty.content.decode()


def test_anonymous_is_sent_to_login(client):
    assert client.get("/search/", {"q": "x"}).status_code == 302


@pytest.mark.postgres
def test_database_tokens_match_python():
    samples = ["月末凭证无法过账，提示“科目已锁定”", "Ｕ８ V10 升级", "表", "MRP运算很慢 BOM"]
    with connection.cursor() as cursor:
        for text in samples:
            cursor.execute("SELECT sd_search_tokens(%s)", [text])
            assert set(cursor.fetchone()[0].split()) == set(tokens(text))
