"""Portal, admin and API offer the upgrade's and the restore's declared actions alike
(docs/architecture.md §action-layer), for an upgrade in every state and a restore in each."""

from __future__ import annotations

import pytest

from fieldservice.actions_upgrades import RESTORE_ACTIONS, UPGRADE_ACTIONS
from fieldservice.services import backups as bs
from fieldservice.services import upgrades as us
from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree
from tests.fieldservice.factories import make_customer, make_engineer, make_partner
from tests.fieldservice.upgrade_factories import new_upgrade, walk

pytestmark = pytest.mark.django_db

ROLES = [Role.SERVICE_MANAGER, Role.FIELD_ENGINEER, Role.REGION_LEAD, Role.AUDITOR]


@pytest.fixture
def people(make_user):
    users = {role: make_user(role) for role in ROLES}
    users["staff_manager"] = make_user(Role.SERVICE_MANAGER, is_staff=True)
    ours = make_engineer(make_user, partner=make_partner())
    theirs = make_engineer(make_user, partner=make_partner())
    users["upgrade_engineer"] = ours.user
    users["other_partner_engineer"] = theirs.user
    return users, ours


@pytest.mark.parametrize(
    "state",
    ["planned", "approved", "rehearsed", "backed_up", "executed", "reported", "cancelled"],
)
def test_every_channel_offers_the_declared_upgrade_actions(state, people):
    users, engineer = people
    manager = users[Role.SERVICE_MANAGER]
    upgrade = new_upgrade(manager, engineer=engineer)
    if state == "cancelled":
        upgrade = us.upgrade_cancel(upgrade, by=manager, reason="客户推迟")
    else:
        upgrade = walk(upgrade, state, manager=manager, engineer_user=engineer.user)
    assert upgrade.state == state
    seen = assert_channels_agree(
        UPGRADE_ACTIONS,
        upgrade,
        list(users.values()),
        portal_url=f"/upgrades/{upgrade.pk}/",
        api_url=f"/api/v1/upgrades/{upgrade.pk}/",
    )
    assert seen[users["other_partner_engineer"].username] == set()
    assert seen[users[Role.AUDITOR].username] == set()


@pytest.mark.parametrize("state", ["requested", "planned", "done"])
def test_every_channel_offers_the_declared_restore_actions(state, people):
    users, _engineer = people
    manager = users[Role.SERVICE_MANAGER]
    restore = bs.restore_request_create(
        by=manager, customer=make_customer(manager), reason="误删凭证", requested_by_name="王主任"
    )
    if state in ("planned", "done"):
        restore = bs.restore_plan(
            restore,
            by=manager,
            scope="凭证",
            expected_minutes=60,
            impact="总账暂停",
            backup_used="昨日全备",
        )
    if state == "done":
        restore = bs.restore_notify_region_lead(restore, by=manager)
        restore = bs.restore_execute(restore, by=manager, outcome="restored")
    assert_channels_agree(
        RESTORE_ACTIONS,
        restore,
        list(users.values()),
        portal_url=f"/restores/{restore.pk}/",
        api_url=f"/api/v1/restore-requests/{restore.pk}/",
    )
