"""The API of defects and requirements (docs/api.md §transitions): create, transitions (409 when not
allowed now, 400 with field errors), filters incl. ``?overdue=true``, history, printed
forms, signatures, and a constant number of queries for the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from defects.services import defect_report
from servicedesk.core.services.timers import sla_sweep
from tests.defects.factories import record_defect, record_requirement, sh

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_create_defect_and_run_its_transitions(client_for, engineer, tester, clock):
    clock.set(sh(2026, 9, 30, 17, 30))
    api = client_for(engineer)
    body = {
        "severity": "serious",
        "title": "凭证保存报错",
        "steps": "填制凭证 → 保存",
        "customer_sees": "科目已停用",
        "product": "U8",
        "version": "V13.0",
        "module": "总账",
        "site": "苏州",
        "reported_at": "2026-09-30T17:00:00+08:00",
    }
    response = api.post("/api/v1/defects/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "recorded" and data["severity_display"] == "Serious"
    # The fix clock starts when it is verified and reported (docs/domain.md §defect.serious: 24
    # hours then).
    assert {t["target"]: t["due_at"] for t in data["timers"]} == {
        "report": "2026-10-08T18:00:00+08:00",
    }
    assert "report" in data["available_transitions"]
    pk = data["id"]
    # Not allowed now: 409.
    response = client_for(tester).post(f"/api/v1/defects/{pk}/transitions/verify/", {"note": "x"})
    assert response.status_code == 409
    response = api.post(f"/api/v1/defects/{pk}/transitions/report/", {"note": "已复现"})
    assert response.status_code == 200 and response.json()["state"] == "reported"
    timers = {t["target"]: t for t in response.json()["timers"]}
    assert timers["report"]["state"] == "met"
    assert timers["fix"]["due_at"] == "2026-10-01T17:30:00+08:00"
    response = client_for(tester).post(f"/api/v1/defects/{pk}/transitions/verify/", {"note": ""})
    assert response.status_code == 400 and "note" in response.json()
    response = client_for(tester).post(
        f"/api/v1/defects/{pk}/transitions/change_severity/",
        {"severity": "important", "reason": "分支流程"},
    )
    assert response.status_code == 200
    assert response.json()["severity"] == "important"
    history = api.get(f"/api/v1/defects/{pk}/history/").json()
    assert any("分支流程" in row["reason"] for row in history)
    forms = api.get(f"/api/v1/defects/{pk}/forms/").json()
    assert [f["code"] for f in forms] == ["defect_record"]
    pdf = api.get(f"/api/v1/defects/{pk}/forms/defect_record/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_workaround_publish_and_tracker_at_their_own_paths(client_for, engineer, make_user):
    """The defect actions the API contract serves outside transitions/ take the portal's
    form as their body: 400 with the field named, the record back (201 for publishing),
    never named among the available transitions."""
    from servicedesk.core.choices import Role

    defect = record_defect(engineer)
    api = client_for(engineer)
    base = f"/api/v1/defects/{defect.pk}"
    response = api.post(f"{base}/workaround/", {"workaround": " "}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"workaround"}
    response = api.post(f"{base}/workaround/", {"workaround": "先停用该科目再保存"}, format="json")
    assert response.status_code == 200 and response.json()["workaround"] == "先停用该科目再保存"
    response = api.post(f"{base}/tracker/", {"key": "U8-123", "url": "不是链接"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"url"}
    response = api.post(
        f"{base}/tracker/", {"key": "U8-123", "url": "https://jira.example/U8-123"}, format="json"
    )
    assert response.status_code == 200 and response.json()["tracker_key"] == "U8-123"
    publisher = make_user(Role.HOTLINE_ENGINEER)
    response = client_for(publisher).post(f"{base}/publish/", {"title": ""}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["id"] == defect.pk
    names = response.json()["available_transitions"]
    assert not {"workaround", "publish", "tracker"} & set(names)


def test_bad_input_is_400_with_field_errors(client_for, engineer):
    response = client_for(engineer).post(
        "/api/v1/defects/",
        {
            "severity": "serious",
            "title": "",
            "steps": "",
            "customer_sees": "",
            "version": "",
            "module": "",
            "site": "",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"title", "steps"}  # required, and the schema says so
    # The environment defaults from the dispatch, ticket or customer; with none, it is asked.
    response = client_for(engineer).post(
        "/api/v1/defects/",
        {"severity": "serious", "title": "凭证无法保存", "steps": "录入凭证→保存"},
        format="json",
    )
    assert response.status_code == 400
    assert {"customer_sees", "product", "version", "module", "site"} <= set(response.json())


def test_filters_and_overdue(client_for, engineer, clock):
    clock.set(sh(2026, 9, 30, 17, 30))
    late = record_defect(engineer, severity="serious", reported_at=sh(2026, 9, 30, 17, 0))
    defect_report(late, by=engineer)  # the fix is due 24 hours later
    record_defect(engineer, severity="general", product="T6")
    sla_sweep(now=sh(2026, 10, 1, 17, 31))
    api = client_for(engineer)
    ids = [r["id"] for r in api.get("/api/v1/defects/?overdue=true").json()["results"]]
    assert ids == [late.pk]
    rows = api.get("/api/v1/defects/?severity=general&product=t6").json()["results"]
    assert [r["product"] for r in rows] == ["T6"]


def test_defect_list_runs_in_a_constant_number_of_queries(client_for, engineer):
    api = client_for(engineer)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/defects/?page_size=50").status_code == 200
        return len(ctx.captured_queries)

    record_defect(engineer)
    count()  # warm the content-type cache
    few = count()
    for severity in ["fatal", "serious", "important", "general"] * 3:
        record_defect(engineer, severity=severity)
    assert count() == few


def test_requirement_api_evaluate_quote_and_guard(client_for, sales, director, customer, evaluator):
    item = record_requirement(sales, customer)
    api = client_for(evaluator)
    data = api.get(f"/api/v1/requirements/{item.pk}/").json()
    assert "evaluate" in data["available_transitions"]
    assert data["entitlement"] == "in_scope"
    response = api.post(
        f"/api/v1/requirements/{item.pk}/transitions/evaluate/",
        {
            "outcome": "quoted",
            "in_scope": False,
            "urgent": False,
            "affects_operation": False,
            "effort_days": "2",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["quote_amount"] == "3600.00"
    response = client_for(sales).post(
        f"/api/v1/requirements/{item.pk}/transitions/agree/", {}, format="json"
    )
    assert response.json()["state"] == "accepted"
    response = client_for(sales).post(
        f"/api/v1/requirements/{item.pk}/transitions/confirm_solution/", {}, format="json"
    )
    assert response.status_code == 400 and "solution" in response.json()
    response = client_for(sales).post(
        f"/api/v1/requirements/{item.pk}/solution/", {"solution": "增加业务员分组"}, format="json"
    )
    assert response.status_code == 200
    response = client_for(sales).post(
        f"/api/v1/requirements/{item.pk}/transitions/confirm_solution/", {}, format="json"
    )
    assert response.status_code == 409
    assert "signature" in response.json()["detail"]
    assert client_for(sales).get(f"/api/v1/requirements/{item.pk}/").json()[
        "missing_signatures"
    ] == ["sales_manager", "director"]


def test_requirement_api_evaluate_body_is_the_portal_form(client_for, sales, customer, evaluator):
    """The evaluation's yes / no questions are one form field each for the page (是 / 否)
    and the API (true / false): a boolean is kept as given, an unanswered one is refused
    with the field named, and the evaluators default to the evaluating user."""
    item = record_requirement(sales, customer)
    api = client_for(evaluator)
    url = f"/api/v1/requirements/{item.pk}/transitions/evaluate/"
    body = {"outcome": "accepted", "urgent": True, "affects_operation": False, "effort_days": "1"}
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"in_scope"}
    response = api.post(url, {**body, "in_scope": True, "solution": "加一个报表"}, format="json")
    assert response.status_code == 200, response.json()
    item.refresh_from_db()
    assert (item.in_scope, item.urgent, item.affects_operation) == (True, True, False)
    assert list(item.evaluators.all()) == [evaluator]


def test_requirement_list_constant_queries(client_for, sales, customer):
    api = client_for(sales)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/api/v1/requirements/").status_code == 200
        return len(ctx.captured_queries)

    record_requirement(sales, customer)
    count()
    few = count()
    for _ in range(5):
        record_requirement(sales, customer)
    assert count() == few


def test_requirement_forms_and_signatures_endpoints(
    client_for, sales, director, customer, evaluator
):
    from defects.services import requirement_evaluate
    from tests.defects.test_requirement_services import png

    item = record_requirement(sales, customer)
    requirement_evaluate(
        item,
        by=evaluator,
        outcome="accepted",
        in_scope=True,
        urgent=False,
        affects_operation=False,
        effort_days=1,
    )
    api = client_for(sales)
    forms = api.get(f"/api/v1/requirements/{item.pk}/forms/").json()
    assert {f["code"] for f in forms} == {"solution_confirmation", "decision_explanation"}
    pdf = api.get(f"/api/v1/requirements/{item.pk}/forms/solution_confirmation/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    response = api.post(
        f"/api/v1/requirements/{item.pk}/signatures/",
        {
            "form": "solution_confirmation",
            "signer_name": "钱军",
            "signer_role": "sales_manager",
            "image": png(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = api.get(f"/api/v1/requirements/{item.pk}/").json()
    assert data["missing_signatures"] == ["director"]
    report = api.post(
        "/api/v1/requirement-evaluation-reports/",
        {"period_start": "2026-01-01", "period_end": "2026-12-31"},
        format="json",
    )
    assert report.status_code == 403  # sales managers receive the report, they do not make it
    report = client_for(director).post(
        "/api/v1/requirement-evaluation-reports/",
        {"period_start": "2026-01-01", "period_end": "2026-12-31"},
        format="json",
    )
    assert report.status_code == 201, report.json()
    again = client_for(director).post(
        "/api/v1/requirement-evaluation-reports/",
        {"period_start": "2026-01-01", "period_end": "2026-12-31"},
        format="json",
    )
    assert again.status_code == 400 and "period_start" in again.json()
