"""Portal pages: the defect board (filters, constant queries), recording a defect from a
dispatch, the defect page and its actions, the requirement pipeline and page, the
evaluation reports and every printed form."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from defects.models import Defect
from servicedesk.core.choices import Role
from servicedesk.core.services.timers import sla_sweep
from tests.defects.factories import in_state, record_defect, record_requirement, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_columns_filters_and_constant_queries(web, engineer, clock, make_user):
    clock.set(sh(2026, 9, 30, 17, 30))
    late = record_defect(engineer, severity="serious", reported_at=sh(2026, 9, 30, 17, 0))
    record_defect(engineer, severity="general", product="T6")
    sla_sweep(now=sh(2026, 10, 8, 18, 1))  # not verified and reported in 1 working day
    client = web(engineer)
    url = reverse("defects:board")
    page = client.get(url).content.decode()
    assert late.number in page and 'data-state="recorded"' in page
    overdue = client.get(url + "?overdue=1").content.decode()
    assert late.number in overdue and "T6" not in overdue
    general = client.get(url + "?severity=general").content.decode()
    assert late.number not in general
    _queries(client, url)
    few = _queries(client, url)
    for severity in ["fatal", "serious", "important", "general"] * 2:
        defect = record_defect(engineer, severity=severity)
        in_state(defect, "verified")
    assert _queries(client, url) == few


def test_record_from_an_unsolved_dispatch(web, make_user, engineer):
    from fieldservice.choices import Outcome
    from tests.fieldservice.factories import REPORT, advance, make_engineer, new_dispatch

    manager = make_user(Role.SERVICE_MANAGER)
    field = make_engineer(make_user)
    dispatch = new_dispatch(manager, product="U8")
    dispatch = advance(dispatch, "on_site", manager=manager, engineer=field)
    from fieldservice.services import dispatch_complete
    from tests.fieldservice.factories import signature_png

    dispatch = dispatch_complete(
        dispatch,
        by=field.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": Outcome.UNSOLVED},
    )
    client = web(field.user)
    url = reverse("defects:defect-create") + f"?dispatch={dispatch.pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["customer"] == dispatch.customer_id
    assert form.initial["customer_sees"] == dispatch.problem
    # Missing fields: 400, nothing lost.
    response = client.post(
        url, {"severity": "serious", "title": "模板错误", "dispatch": dispatch.pk}
    )
    assert response.status_code == 400
    assert "模板错误" in response.content.decode()
    assert not Defect.objects.exists()
    response = client.post(
        url,
        {
            "severity": "serious",
            "title": "凭证模板错误",
            "customer_sees": dispatch.problem,
            "steps": "填制凭证→保存",
            "product": "U8",
            "version": "V13.0",
            "module": "总账",
            "site": "上海张江",
            "customer": dispatch.customer_id,
            "dispatch": dispatch.pk,
        },
    )
    defect = Defect.objects.get()
    assert response.status_code == 302 and response["Location"] == defect.get_absolute_url()
    assert defect.dispatch == dispatch and defect.customer == dispatch.customer
    dispatch.refresh_from_db()
    assert dispatch.defect_number == defect.number  # fieldservice heard defect.recorded


def test_defect_page_actions(web, engineer, tester):
    defect = record_defect(engineer, severity="important")
    client = web(engineer)
    page = client.get(defect.get_absolute_url()).content.decode()
    assert 'data-testid="action-report"' in page and 'data-testid="deadlines"' in page
    assert 'data-testid="action-verify"' not in page
    url = reverse("defects:defect-action", args=[defect.pk, "report"])
    assert client.post(url, {"report-note": "已复现"}).status_code == 302
    # Reporting again is not possible now: 409 with the page.
    assert client.post(url, {"report-note": "again"}).status_code == 409
    client = web(tester)
    url = reverse("defects:defect-action", args=[defect.pk, "verify"])
    response = client.post(url, {"verify-note": ""})
    assert response.status_code == 400
    url = reverse("defects:defect-action", args=[defect.pk, "severity"])
    response = client.post(url, {"severity-severity": "serious", "severity-reason": "主流程受阻"})
    assert response.status_code == 302
    page = client.get(defect.get_absolute_url()).content.decode()
    assert "主流程受阻" in page  # the timeline tells the reason


def test_detail_page_query_count_does_not_grow_with_history(web, engineer, region_lead):
    defect = record_defect(engineer, severity="important")
    client = web(engineer)
    _queries(client, defect.get_absolute_url())
    few = _queries(client, defect.get_absolute_url())
    from defects.services import defect_escalate, defect_save_workaround

    for i in range(4):
        defect_save_workaround(defect, by=engineer, workaround=f"办法{i}")
    defect_escalate(defect, by=engineer, point="意见不一")
    assert _queries(client, defect.get_absolute_url()) == few


def test_pipeline_and_requirement_page(web, sales, customer, evaluator):
    item = record_requirement(sales, customer)
    client = web(evaluator)
    url = reverse("defects:requirements")
    assert item.number in client.get(url).content.decode()
    _queries(client, url)
    few = _queries(client, url)
    for _ in range(4):
        record_requirement(sales, customer)
    assert _queries(client, url) == few
    response = client.get(item.get_absolute_url())
    page = response.content.decode()
    assert 'data-testid="action-evaluate"' in page
    evaluate = next(a for a in response.context["actions"] if a["action"].name == "evaluate")
    assert evaluate["form"].initial["evaluators"] == [evaluator.pk]
    assert evaluate["form"].initial["in_scope"] == "yes"  # the entitlement's prefill
    response = client.post(
        reverse("defects:requirement-action", args=[item.pk, "evaluate"]),
        {
            "evaluate-in_scope": "no",
            "evaluate-urgent": "no",
            "evaluate-affects_operation": "no",
            "evaluate-effort_days": "2",
            "evaluate-evaluators": [evaluator.pk],
            "evaluate-outcome": "quoted",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.state == "quoted" and str(item.quote_amount) == "3600.00"


def test_evaluation_report_page_and_every_printed_form(web, director, sales, customer, evaluator):
    from defects.services import requirement_evaluate

    item = record_requirement(sales, customer)
    requirement_evaluate(
        item,
        by=evaluator,
        outcome="declined",
        in_scope=False,
        urgent=False,
        affects_operation=False,
        effort_days=5,
        explanation="与产品路线冲突",
    )
    client = web(director)
    from django.utils import timezone

    today = timezone.localdate()
    response = client.post(
        reverse("defects:reports"),
        {"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()},
    )
    assert response.status_code == 302
    report_page = client.get(response["Location"]).content.decode()
    assert item.number in report_page
    from django.contrib.contenttypes.models import ContentType

    from defects.models import EvaluationReport, Requirement

    report = EvaluationReport.objects.get()
    defect = record_defect(evaluator)
    for obj, code in [
        (item, "solution_confirmation"),
        (item, "decision_explanation"),
        (report, "evaluation_report"),
        (defect, "defect_record"),
    ]:
        ct = ContentType.objects.get_for_model(obj)
        pdf = client.get(reverse("core:form-pdf", args=[ct.pk, obj.pk, code]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), code
    assert Requirement.objects.count() == 1


def test_pages_need_permissions(web, make_user):
    outsider = make_user()
    client = web(outsider)
    assert client.get(reverse("defects:board")).status_code == 403
    assert client.get(reverse("defects:requirements")).status_code == 403


def test_customer_archive_lists_defects_and_requirements(
    web, engineer, sales, customer, tech_manager
):
    defect = record_defect(engineer, customer=customer)
    item = record_requirement(sales, customer)
    page = web(tech_manager).get(customer.get_absolute_url())
    assert page.status_code == 200
    assert defect.number in page.content.decode()
    assert item.number in page.content.decode()


def test_defect_list_sorts_filters_and_keeps_constant_queries(web, engineer, tester):
    from defects.services import defect_reject

    closed = defect_reject(
        record_defect(engineer, severity="general", title="重复的报错"),
        by=tester,
        reason="duplicate",
        note="同上",
    )
    open_one = record_defect(engineer, severity="serious", product="T6")
    client = web(engineer)
    url = reverse("defects:all")
    page = client.get(url).content.decode()
    assert closed.number in page and open_one.number in page  # closed ones too
    page = client.get(url + "?state=rejected").content.decode()
    assert closed.number in page and open_one.number not in page
    rows = client.get(url + "?sort=severity").context["page"].object_list
    assert [d.severity for d in rows] == ["serious", "general"]  # the most serious first
    assert client.get(url + "?sort=nonsense").status_code == 200
    _queries(client, url)
    few = _queries(client, url)
    for _ in range(6):
        record_defect(engineer)
    assert _queries(client, url) == few
