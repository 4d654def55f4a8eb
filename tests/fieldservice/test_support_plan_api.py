"""The on-site support plan over the API (docs/domain.md §support-plan): the portal's forms
are the bodies; items tracked to done, questions answered or routed; read-only for those
who may only read."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from tests.fieldservice.factories import make_customer, make_engineer

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_plan_its_items_and_questions_through_the_api(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    back = make_user(Role.TECH_MANAGER)
    engineer = make_engineer(make_user)
    customer = make_customer(manager)
    api = _api(manager)
    today = timezone.localdate().isoformat()
    body = {
        "customer": customer.pk,
        "back_office": back.pk,
        "engineer": engineer.pk,
        "scope": "",
        "content": "每周二驻场半天",
        "agreed_with": "王主任",
        "starts_on": today,
    }
    refused = api.post("/api/v1/support-plans/", body, format="json")
    assert refused.status_code == 400 and "scope" in refused.json()
    created = api.post(
        "/api/v1/support-plans/", {**body, "scope": "财务模块日常支持"}, format="json"
    )
    assert created.status_code == 201, created.json()
    plan = created.json()
    base = f"/api/v1/support-plans/{plan['id']}"
    assert plan["back_office_name"] and plan["items"] == [] and plan["questions"] == []

    r = api.post(f"{base}/items/", {"what": "月结前检查", "due_on": today}, format="json")
    assert r.status_code == 201 and r.json()["items"][0]["done_at"] is None
    item = r.json()["items"][0]["id"]
    r = api.post(f"{base}/items/{item}/done/", {"done_note": "已检查凭证断号"}, format="json")
    assert r.status_code == 200 and r.json()["items"][0]["done_note"] == "已检查凭证断号"
    assert api.post(f"{base}/items/{item}/done/", {}, format="json").status_code == 409

    r = api.post(
        f"{base}/questions/", {"asked_by": "李会计", "question": "报表取数不对"}, format="json"
    )
    assert r.status_code == 201
    q = r.json()["questions"][0]["id"]
    r = api.post(f"{base}/questions/{q}/reply/", {"route": "defect", "reply": ""}, format="json")
    assert r.status_code == 400 and "reply" in r.json()
    r = api.post(
        f"{base}/questions/{q}/reply/",
        {"route": "defect", "reply": "已转缺陷处理，三个工作日内答复"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["questions"][0]["replied_at"]

    auditor = _api(make_user(Role.AUDITOR))
    assert auditor.get(base + "/").status_code == 200
    assert auditor.post(f"{base}/items/", {"what": "x", "due_on": today}).status_code == 403
