"""The admin: list and change pages load, the state is read-only, transitions are buttons
calling the services (with an intermediate form where they take arguments)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from defects.models import Defect, EvaluationReport, Requirement
from tests.defects.factories import record_defect, record_requirement

pytestmark = pytest.mark.django_db


def test_list_and_change_pages(admin_client, engineer, sales, customer):
    defect = record_defect(engineer)
    item = record_requirement(sales, customer)
    for model, obj in ((Defect, defect), (Requirement, item)):
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200
        page = admin_client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )
        assert page.status_code == 200
        assert 'name="state"' not in page.content.decode()
    assert admin_client.get(reverse("admin:defects_evaluationreport_changelist")).status_code == 200
    assert EvaluationReport.objects.count() == 0


def test_transition_with_a_form_through_the_admin(admin_client, engineer, region_lead):
    defect = record_defect(engineer)
    url = reverse("admin:defects_defect_transition", args=[defect.pk, "escalate"])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert Defect.objects.get(pk=defect.pk).escalated_at is None  # never on GET
    response = admin_client.post(url, {"point": "开发与现场对严重等级有分歧"})
    assert response.status_code == 302
    defect.refresh_from_db()
    assert defect.escalation_point == "开发与现场对严重等级有分歧"
    response = admin_client.post(
        reverse("admin:defects_defect_transition", args=[defect.pk, "report"]), {"note": ""}
    )
    assert response.status_code == 302
    assert Defect.objects.get(pk=defect.pk).state == "reported"
