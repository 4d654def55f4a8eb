"""Portal, admin and API offer the same actions of defects and requirement requests to the
same people (docs/architecture.md §action-layer): a record in every state, every role
(partner engineers included, of the record's partner and of another), an administrator
on the admin's change page; each channel is read from what it renders."""

from __future__ import annotations

import pytest

from defects.actions import DEFECT_ACTIONS, REQUIREMENT_ACTIONS
from defects.choices import DefectState, RequirementState
from defects.models import SOLUTION_FORM
from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree
from tests.defects.factories import in_state, record_defect, record_requirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    from tests.fieldservice.factories import make_engineer, make_partner

    users = {role: make_user(role, username=f"p_{role}") for role in Role.values}
    partner = make_partner()
    users["partner_engineer"] = make_engineer(make_user, partner=partner).user
    users["other_partner_engineer"] = make_engineer(make_user, partner=make_partner()).user
    users["admin"] = make_user(username="p_admin", is_staff=True, is_superuser=True)
    return {"users": users, "partner": partner}


def _defect_from_partner_visit(people, manager):
    """A defect recorded by the partner's engineer from the partner's visit: in that
    engineer's scope (and not in the other partner's)."""
    from fieldservice.models import Dispatch
    from tests.fieldservice.factories import new_dispatch

    dispatch = new_dispatch(manager)
    engineer = people["users"]["partner_engineer"]
    Dispatch.objects.filter(pk=dispatch.pk).update(engineer=engineer.engineer)
    return record_defect(engineer, dispatch=Dispatch.objects.get(pk=dispatch.pk))


def test_every_defect_state_every_role(people):
    users = people["users"]
    source = _defect_from_partner_visit(people, users[Role.SERVICE_MANAGER])
    seen = {}
    for state in DefectState.values:
        extra = {"reject_reason": "duplicate"} if state == DefectState.REJECTED else {}
        defect = in_state(source, state, workaround="重启服务", **extra)
        seen[state] = assert_channels_agree(
            DEFECT_ACTIONS,
            defect,
            list(users.values()),
            portal_url=defect.get_absolute_url(),
            api_url=f"/api/v1/defects/{defect.pk}/",
        )
    # The walk saw what people do, not empty pages.
    assert "report" in seen[DefectState.RECORDED][users[Role.FIELD_ENGINEER].username]
    assert "report" in seen[DefectState.RECORDED]["p_admin"]
    assert "verify" in seen[DefectState.REPORTED][users[Role.TESTER].username]
    assert "fix" in seen[DefectState.IN_FIX][users[Role.DEVELOPER].username]
    assert "close" in seen[DefectState.CONFIRMED][users[Role.FIELD_ENGINEER].username]
    assert seen[DefectState.CLOSED][users["other_partner_engineer"].username] == set()


def test_every_requirement_state_every_role(people, customer):
    users = people["users"]
    source = record_requirement(users[Role.SALES_MANAGER], customer)
    seen = {}
    for state in RequirementState.values:
        item = in_state(source, state, solution="账龄表增加业务员分组")
        seen[state] = assert_channels_agree(
            REQUIREMENT_ACTIONS,
            item,
            list(users.values()),
            portal_url=item.get_absolute_url(),
            api_url=f"/api/v1/requirements/{item.pk}/",
        )
    tech = users[Role.TECH_MANAGER].username
    assert {"start_evaluation", "evaluate"} <= seen[RequirementState.RECORDED][tech]
    assert "agree" in seen[RequirementState.QUOTED][users[Role.SALES_MANAGER].username]
    assert "start_development" in seen[RequirementState.SCHEDULED][users[Role.DEVELOPER].username]


def test_confirming_waits_for_signatures_on_every_channel(people, customer, sales, director):
    """Unsigned: offered nowhere (disabled on the portal); signed: offered everywhere."""
    from servicedesk.core.services.signatures import signature_record
    from tests.fieldservice.factories import signature_png

    users = people["users"]
    item = in_state(
        record_requirement(sales, customer),
        RequirementState.ACCEPTED,
        solution="账龄表增加业务员分组",
    )
    who = [sales, director, users["admin"]]
    urls = {"portal_url": item.get_absolute_url(), "api_url": f"/api/v1/requirements/{item.pk}/"}
    before = assert_channels_agree(REQUIREMENT_ACTIONS, item, who, **urls)
    assert all("confirm_solution" not in names for names in before.values())
    for role, user in (("sales_manager", who[0]), ("director", who[1])):
        signature_record(
            target=item, form=SOLUTION_FORM, signer_role=role, by=user, image=signature_png()
        )
    after = assert_channels_agree(REQUIREMENT_ACTIONS, item, who, **urls)
    assert "confirm_solution" in after[sales.username]


def test_the_walk_fails_when_a_channel_drifts(people, customer, sales, monkeypatch):
    """The check can fail: an API that lists the FSM's transitions instead of the declared
    actions (as before the action layer: no ``evaluate``) disagrees with the portal."""
    from servicedesk.core.api.mixins import FSMSerializerMixin
    from servicedesk.core.services.transitions import available_transitions

    def fsm_only(self, obj):
        return available_transitions(obj, self.context["request"].user)

    monkeypatch.setattr(FSMSerializerMixin, "get_available_transitions", fsm_only)
    item = record_requirement(sales, customer)
    with pytest.raises(AssertionError, match="api"):
        assert_channels_agree(
            REQUIREMENT_ACTIONS,
            item,
            [people["users"][Role.TECH_MANAGER]],
            portal_url=item.get_absolute_url(),
            api_url=f"/api/v1/requirements/{item.pk}/",
        )
