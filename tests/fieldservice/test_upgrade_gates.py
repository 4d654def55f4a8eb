"""Every gate of an upgrade refuses, with its reason in words, until its evidence is added
(docs/domain.md §upgrade.gates); the refusal is the same on the service, the portal panel
and the API."""

from __future__ import annotations

import pytest
from django.test import Client

from fieldservice.actions_upgrades import UPGRADE_ACTIONS
from fieldservice.models.upgrades import UpgradeState, in_office_hours
from fieldservice.services import upgrades as us
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from servicedesk.core.models import Notification
from tests.fieldservice.factories import make_engineer, make_partner
from tests.fieldservice.upgrade_factories import (
    customer_signs,
    manual_file,
    new_upgrade,
    off_hours,
    office_time,
    reload,
    walk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    lead = make_user(Role.REGION_LEAD)
    engineer = make_engineer(make_user, partner=make_partner())
    return manager, lead, engineer


def _reasons(upgrade, user, name):
    state = UPGRADE_ACTIONS.state_of(reload(upgrade), user, UPGRADE_ACTIONS[name])
    assert state is not None, name
    return state.reasons


def test_approval_needs_the_manual_then_the_signed_agreement(team):
    manager, _lead, engineer = team
    upgrade = new_upgrade(manager, engineer=engineer)
    # No manual, no upgrade.
    with pytest.raises(TransitionConflict, match=r"升级手册|upgrade manual"):
        us.upgrade_approve(upgrade, by=manager)
    assert any("manual" in r or "手册" in r for r in _reasons(upgrade, manager, "approve"))
    upgrade = us.upgrade_attach_manual(upgrade, by=manager, manual=manual_file())
    assert reload(upgrade).manual_name == "U8升级手册"
    # The customer has not signed the plan yet.
    with pytest.raises(TransitionConflict) as refused:
        us.upgrade_approve(reload(upgrade), by=manager)
    assert "sign" in refused.value.message or "签" in refused.value.message
    customer_signs(upgrade, manager)
    upgrade = us.upgrade_approve(reload(upgrade), by=manager)
    assert upgrade.state == UpgradeState.APPROVED
    assert upgrade.approved_by == manager


def test_a_plan_changed_after_the_customer_signed_is_signed_again(team):
    manager, _lead, engineer = team
    upgrade = new_upgrade(manager, engineer=engineer)
    upgrade = us.upgrade_attach_manual(upgrade, by=manager, manual=manual_file())
    customer_signs(upgrade, manager)
    us.upgrade_edit_plan(
        reload(upgrade),
        by=manager,
        content="另加固定资产模块",
        risks=upgrade.risks,
        contingency_plan=upgrade.contingency_plan,
        planned_start=upgrade.planned_start,
    )
    with pytest.raises(TransitionConflict):
        us.upgrade_approve(reload(upgrade), by=manager)
    customer_signs(reload(upgrade), manager)
    assert us.upgrade_approve(reload(upgrade), by=manager).state == UpgradeState.APPROVED


def test_the_plan_must_be_complete_and_off_hours_unless_a_reason_is_given(team):
    manager, _lead, engineer = team
    upgrade = new_upgrade(manager, engineer=engineer, risks="", planned_start=None)
    upgrade = us.upgrade_attach_manual(upgrade, by=manager, manual=manual_file())
    customer_signs(upgrade, manager)
    with pytest.raises(TransitionConflict, match=r"contingency|应急|风险|risks"):
        us.upgrade_approve(reload(upgrade), by=manager)
    at = office_time()
    assert in_office_hours(upgrade, at)
    us.upgrade_edit_plan(
        reload(upgrade),
        by=manager,
        content=upgrade.content,
        risks="报表模板丢失",
        contingency_plan=upgrade.contingency_plan,
        planned_start=at,
    )
    customer_signs(reload(upgrade), manager)
    with pytest.raises(TransitionConflict, match=r"office hours|办公时间|上班时间|工作时间"):
        us.upgrade_approve(reload(upgrade), by=manager)
    us.upgrade_edit_plan(
        reload(upgrade),
        by=manager,
        content=upgrade.content,
        risks="报表模板丢失",
        contingency_plan=upgrade.contingency_plan,
        planned_start=at,
        in_hours_reason="客户周末停电检修，只能工作日升级",
    )
    customer_signs(reload(upgrade), manager)
    assert us.upgrade_approve(reload(upgrade), by=manager).state == UpgradeState.APPROVED


def test_rehearsal_must_have_passed_in_a_simulated_environment(team):
    manager, _lead, engineer = team
    upgrade = walk(new_upgrade(manager, engineer=engineer), "approved", manager=manager,
                   engineer_user=engineer.user)  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        us.upgrade_rehearse(
            upgrade, by=engineer.user, rehearsal_environment="测试账套", rehearsal_passed=False
        )
    assert "rehearsal_passed" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        us.upgrade_rehearse(
            upgrade, by=engineer.user, rehearsal_environment="", rehearsal_passed=True
        )
    assert "rehearsal_environment" in refused.value.extra
    assert reload(upgrade).state == UpgradeState.APPROVED
    upgrade = us.upgrade_rehearse(
        upgrade, by=engineer.user, rehearsal_environment="测试账套 998", rehearsal_passed=True
    )
    assert upgrade.state == UpgradeState.REHEARSED


def test_backup_needs_programs_database_attachments_and_where(team):
    manager, _lead, engineer = team
    upgrade = walk(new_upgrade(manager, engineer=engineer), "rehearsed", manager=manager,
                   engineer_user=engineer.user)  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        us.upgrade_back_up(
            upgrade,
            by=engineer.user,
            backup_programs=True,
            backup_database=True,
            backup_attachments=False,
            backup_location="",
        )
    assert set(refused.value.extra) == {"backup_attachments", "backup_location"}
    assert reload(upgrade).state == UpgradeState.REHEARSED
    reasons = _reasons(upgrade, engineer.user, "back_up")
    assert reasons == []  # input condition: offered, the service refuses with the reason


def test_execution_needs_the_customer_told_before_and_a_reason_inside_office_hours(team, clock):
    manager, _lead, engineer = team
    upgrade = walk(new_upgrade(manager, engineer=engineer), "backed_up", manager=manager,
                   engineer_user=engineer.user)  # fmt: skip
    at = off_hours(-14)
    with pytest.raises(TransitionConflict, match=r"before|之前|事先|前"):
        us.upgrade_execute(upgrade, by=engineer.user, executed_at=at)
    assert any(r for r in _reasons(upgrade, engineer.user, "execute"))
    us.upgrade_notify_customer(
        upgrade, by=engineer.user, when="before", channel="printed", contact="王主任"
    )
    inside = office_time(-14)
    with pytest.raises(ApplicationError) as refused:
        us.upgrade_execute(reload(upgrade), by=engineer.user, executed_at=inside)
    assert "execution_in_hours_reason" in refused.value.extra
    upgrade = us.upgrade_execute(
        reload(upgrade),
        by=engineer.user,
        executed_at=inside,
        execution_in_hours_reason="客户要求白天升级",
        problems="升级后凭证打印模板错位",
    )
    assert upgrade.state == UpgradeState.EXECUTED
    assert upgrade.problems.get().phase == "during"


def test_the_report_needs_the_customer_told_after_and_goes_to_the_region_lead(team):
    manager, lead, engineer = team
    upgrade = walk(new_upgrade(manager, engineer=engineer), "executed", manager=manager,
                   engineer_user=engineer.user)  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        us.upgrade_submit_report(upgrade, by=engineer.user, report="  ")
    assert "report" in refused.value.extra
    with pytest.raises(TransitionConflict, match=r"after|之后|事后|后"):
        us.upgrade_submit_report(upgrade, by=engineer.user, report="升级完成")
    us.upgrade_record_problem(
        upgrade, by=engineer.user, phase="after", description="次日报表慢", resolution="重建索引"
    )
    us.upgrade_notify_customer(
        upgrade, by=engineer.user, when="after", channel="email", contact="王主任"
    )
    upgrade = us.upgrade_submit_report(reload(upgrade), by=engineer.user, report="升级完成")
    assert upgrade.state == UpgradeState.REPORTED
    assert Notification.objects.filter(recipient=lead, kind="upgrade_reported").exists()


def test_cancel_before_it_runs_and_roll_back_after(team):
    manager, lead, engineer = team
    upgrade = new_upgrade(manager, engineer=engineer)
    with pytest.raises(ApplicationError):
        us.upgrade_cancel(upgrade, by=manager, reason="")
    assert us.upgrade_cancel(upgrade, by=manager, reason="客户推迟").state == "cancelled"
    other = walk(new_upgrade(manager, engineer=engineer), "executed", manager=manager,
                 engineer_user=engineer.user)  # fmt: skip
    with pytest.raises(TransitionConflict):
        us.upgrade_cancel(other, by=manager, reason="晚了")
    other = us.upgrade_roll_back(other, by=engineer.user, reason="数据校验不通过")
    assert other.state == UpgradeState.ROLLED_BACK
    assert Notification.objects.filter(recipient=lead, kind="upgrade_rolled_back").exists()


def test_an_uncertified_partner_engineer_is_refused_for_an_upgrade(team, make_user):
    manager, _lead, _engineer = team
    rookie = make_engineer(make_user, partner=make_partner(), certified_on=None)
    with pytest.raises(ApplicationError) as refused:
        new_upgrade(manager, engineer=rookie)
    assert "engineer" in refused.value.extra


def test_another_engineer_may_not_work_the_upgrade(team, make_user):
    manager, _lead, engineer = team
    stranger = make_engineer(make_user)
    upgrade = walk(new_upgrade(manager, engineer=engineer), "approved", manager=manager,
                   engineer_user=engineer.user)  # fmt: skip
    from servicedesk.core.exceptions import NotPermitted

    with pytest.raises((NotPermitted, TransitionConflict)):
        us.upgrade_rehearse(
            upgrade, by=stranger.user, rehearsal_environment="x", rehearsal_passed=True
        )


def test_the_api_refuses_a_gate_with_its_reason(team):
    manager, _lead, engineer = team
    upgrade = new_upgrade(manager, engineer=engineer)
    client = Client()
    client.force_login(manager)
    response = client.post(f"/api/v1/upgrades/{upgrade.pk}/transitions/approve/", {})
    assert response.status_code == 409
    assert "手册" in response.content.decode() or "manual" in response.content.decode()
    response = client.post(
        f"/api/v1/upgrades/{upgrade.pk}/transitions/attach_manual/", {"manual": manual_file()}
    )
    assert response.status_code == 200, response.content
    assert reload(upgrade).manual


def test_the_printed_plan_and_report_render(team):
    manager, _lead, engineer = team
    upgrade = walk(new_upgrade(manager, engineer=engineer), "reported", manager=manager,
                   engineer_user=engineer.user)  # fmt: skip
    client = Client()
    client.force_login(manager)
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(upgrade).pk
    for code in ("upgrade_plan", "upgrade_report"):
        response = client.get(f"/print/{ct}/{upgrade.pk}/{code}.pdf")
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")
