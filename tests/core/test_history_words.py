"""The change history in words (issue 10 §16): transition labels, field verbose names,
choice labels, people's names, 是/否, times to the minute, False and 0 shown as such —
one implementation (``servicedesk.core.history``) behind every detail page's panel."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from servicedesk.core.choices import Role
from servicedesk.core.services import event_record
from tests.core.words import page_section, visible_text
from tests.defects.factories import make_contract, record_defect, record_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


def _lines(obj) -> list[str]:
    """The history panel of ``obj`` as a reader sees it, one line per line on screen,
    without the times (``title · who``, ``label：old → new``)."""
    html = Template("{% load desk %}{% history_panel obj %}").render(Context({"obj": obj}))
    lines = visible_text(html).splitlines()
    return [re.sub(r"( · .+) \d{4}-\d\d-\d\d \d\d:\d\d$", r"\1", line) for line in lines]


def test_a_transition_reads_as_its_label_with_names_and_choice_labels(make_user, zh):
    engineer = make_user(Role.FIELD_ENGINEER, first_name="刚", last_name="陈")
    tester = make_user(Role.TESTER, first_name="雨", last_name="沈")
    developer = make_user(Role.DEVELOPER, first_name="博", last_name="韩")
    from defects.services import defect_report, defect_start_fix, defect_verify

    defect = record_defect(engineer)
    defect = defect_report(defect, by=engineer, note="现场已复现")
    defect = defect_verify(defect, by=tester, note="测试环境已复现")
    defect = defect_start_fix(defect, by=developer, developer=developer)

    lines = _lines(defect)
    text = "\n".join(lines)
    # `developer: ∅ → 15` and `defect.verify reported → verified` before
    assert "开发人员：— → 韩博" in lines
    assert "测试人员已重现 · 沈雨" in lines
    assert "状态：已上报 → 已验证" in lines
    assert "验证人：— → 沈雨" in lines  # a field Django named itself ("verified by")
    assert str(developer.pk) not in re.findall(r"\d+", text.replace("→", " "))
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\bdefect\.|∅", text)
    # times to the minute, local time; never an ISO string with microseconds
    assert re.search(r"验证时间：— → \d{4}-\d\d-\d\d \d\d:\d\d$", text, re.M)
    assert not re.search(r"\d\d:\d\d:\d\d|T\d\d:|\+08:00", text)


def test_answering_no_reads_no_and_zero_reads_zero(make_user, zh):
    """Answering 否 was shown as `∅ → ∅` (None and False both empty), 0 likewise."""
    from defects.services import requirement_evaluate

    sales = make_user(Role.SALES_MANAGER)
    evaluator = make_user(Role.TECH_MANAGER, first_name="东", last_name="卫")
    customer = make_contract(sales, scope=("phone_support", "development")).customer
    requirement = record_requirement(sales, customer)
    requirement = requirement_evaluate(
        requirement,
        by=evaluator,
        outcome="accepted",
        in_scope=False,
        urgent=False,
        affects_operation=True,
        effort_days=Decimal("0"),
        note="老客户，免费做",
    )
    lines = _lines(requirement)
    assert "属于合同范围：— → 否" in lines
    assert "紧急：— → 否" in lines
    assert "影响系统正常运行：— → 是" in lines
    assert any(re.fullmatch(r"工作量（人天）：— → 0", line) for line in lines), lines


def test_codes_nobody_named_are_never_printed(make_user, zh):
    sales = make_user(Role.SALES_MANAGER)
    contract = make_contract(sales)
    event_record(kind="contract.some_new_step", target=contract, actor=sales, data={"x": 1})
    contract._change_reason = "some_internal_code"
    contract.save()
    text = "\n".join(_lines(contract))
    assert "some_new_step" not in text and "some_internal_code" not in text
    assert "{'x'" not in text and "contract." not in text
    assert "已记录" in text  # the unnamed event, in words


def _history_texts(client, urls: list[str]) -> dict[str, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    texts = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        texts[url] = visible_text(page_section(response.content.decode(), "history"))
    return texts


def test_every_detail_page_of_the_demo_company_shows_its_history_in_words(client):
    """The demo company's records, each detail page's history panel: no codes, ids,
    ISO times, Python reprs or English words."""
    from contracts.models import Contract, FirstVisit, Revisit
    from defects.models import Defect, Requirement
    from fieldservice.models import Dispatch
    from tickets.models import KnowledgeArticle, Ticket

    with translation.override("zh-hans"):  # the product's language, as `make run` does
        call_command("demo")
    client.force_login(get_user_model().objects.get(username="admin"))
    urls = [
        obj.get_absolute_url()
        for model in (Ticket, Dispatch, Defect, Requirement, Contract, FirstVisit, Revisit)
        for obj in model.objects.all()
    ]
    urls += [f"/knowledge/{a.pk}/" for a in KnowledgeArticle.objects.all()[:2]]
    texts = _history_texts(client, urls)
    assert sum("→" in t for t in texts.values()) >= 10  # the panels are not empty
    for url, text in texts.items():
        assert "∅" not in text, (url, text)
        assert not re.search(r"\b[a-z]+(?:[._][a-z]+)+\b", text), (url, text)  # codes
        english = re.findall(r".{0,40}\b[a-z]{3,}\b.{0,20}", text)
        assert not english, (url, english)
        assert not re.search(r"\d\d:\d\d:\d\d|T\d\d:\d\d|\+08:00", text), (url, text)
        assert "{'" not in text and "[" not in text, (url, text)
