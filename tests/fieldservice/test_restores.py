"""Restore requests (docs/domain.md §restore): a plan before anything, the region lead told
before the restore runs, the outcome recorded, both steps timed by SLA policies; the
backup policy is shown on the customer archive."""

from __future__ import annotations

import pytest
from django.test import Client

from fieldservice.actions_upgrades import RESTORE_ACTIONS
from fieldservice.models.backups import RestoreRequest
from fieldservice.services import backups as bs
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from servicedesk.core.models import Notification, SlaTimer
from tests.fieldservice.factories import make_customer

pytestmark = pytest.mark.django_db

PLAN = {
    "scope": "总账 2026 年 11 月凭证",
    "expected_minutes": 90,
    "impact": "恢复期间总账暂停使用",
    "backup_used": "\\\\NAS01\\U8\\2026-11-30 全备",
}


@pytest.fixture
def people(make_user):
    return make_user(Role.SERVICE_MANAGER), make_user(Role.REGION_LEAD)


def _timers(restore):
    return {
        t.target: t.state
        for t in SlaTimer.objects.for_subject(restore)  # type: ignore[attr-defined]
    }


def test_restore_needs_a_plan_and_the_region_lead_told_before_it_runs(people):
    manager, lead = people
    customer = make_customer(manager)
    policy = bs.backup_policy_save(
        by=manager,
        customer=customer,
        system="U8",
        what="账套数据库、附件目录",
        frequency="daily",
        location="\\\\NAS01\\U8",
        retention_days=30,
    )
    restore = bs.restore_request_create(
        by=manager,
        customer=customer,
        policy=policy,
        reason="误删 11 月凭证",
        requested_by_name="王主任",
    )
    assert _timers(restore) == {"restore_plan": "running"}
    with pytest.raises(ApplicationError) as refused:
        bs.restore_plan(restore, by=manager, **{**PLAN, "impact": ""})
    assert "impact" in refused.value.extra
    restore = bs.restore_plan(restore, by=manager, **PLAN)
    assert _timers(restore) == {"restore_plan": "met", "restore": "running"}
    # Not before the region lead is told.
    with pytest.raises(TransitionConflict, match=r"region lead|片区负责人"):
        bs.restore_execute(restore, by=manager, outcome="restored")
    state = RESTORE_ACTIONS.state_of(restore, manager, RESTORE_ACTIONS["execute"])
    assert state is not None and not state.enabled
    restore = bs.restore_notify_region_lead(restore, by=manager)
    assert restore.region_lead_told_at is not None
    assert Notification.objects.filter(recipient=lead, kind="restore_planned").exists()
    with pytest.raises(ApplicationError) as refused:
        bs.restore_execute(restore, by=manager, outcome="partial")
    assert "outcome_notes" in refused.value.extra
    restore = bs.restore_execute(restore, by=manager, outcome="restored")
    assert restore.state == "done"
    assert _timers(restore) == {"restore_plan": "met", "restore": "met"}


def test_the_region_lead_cannot_be_told_when_there_is_none(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    restore = bs.restore_request_create(
        by=manager, customer=make_customer(manager), reason="x", requested_by_name="王"
    )
    restore = bs.restore_plan(restore, by=manager, **PLAN)
    with pytest.raises(TransitionConflict):
        bs.restore_notify_region_lead(restore, by=manager)
    assert RestoreRequest.objects.get(pk=restore.pk).region_lead_told_at is None


def test_pages_and_the_archive_show_restores_and_policies(people):
    manager, _lead = people
    customer = make_customer(manager)
    bs.backup_policy_save(
        by=manager,
        customer=customer,
        system="U8 生产库",
        what="数据库",
        frequency="daily",
        location="\\\\NAS01\\U8",
        retention_days=14,
    )
    restore = bs.restore_request_create(
        by=manager, customer=customer, reason="误删", requested_by_name="王主任"
    )
    client = Client()
    client.force_login(manager)
    assert client.get("/restores/").status_code == 200
    page = client.get(f"/restores/{restore.pk}/")
    assert page.status_code == 200
    assert 'data-testid="action-plan"' in page.content.decode()
    response = client.post(f"/restores/{restore.pk}/plan/", {"plan-scope": ""})
    assert response.status_code == 400
    archive = client.get(customer.get_absolute_url())
    assert "U8 生产库" in archive.content.decode()
    bad = client.post("/restores/new/", {"customer": customer.pk})
    assert bad.status_code == 400
