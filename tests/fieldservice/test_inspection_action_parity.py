"""Portal, admin and API offer the routine inspection's and the installation's declared
actions alike (docs/architecture.md §action-layer), for every role, the visit's engineer
and another partner's engineer (who reaches neither page nor record)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fieldservice.actions_inspections import INSPECTION_ACTIONS, INSTALLATION_ACTIONS
from fieldservice.choices import DispatchKind, DispatchState
from fieldservice.models.inspections import Inspection
from fieldservice.services.inspections import (
    inspection_finish,
    inspection_item_record,
    inspections_generate,
)
from fieldservice.services.installations import installation_start
from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree
from tests.fieldservice.factories import advance, make_engineer, make_partner, new_dispatch
from tests.fieldservice.inspection_factories import serving_contracts

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    users = {role: make_user(role) for role in Role.values}
    users["staff_manager"] = make_user(Role.SERVICE_MANAGER, is_staff=True)
    users["superuser"] = make_user(is_staff=True, is_superuser=True)
    ours = make_engineer(make_user, partner=make_partner())
    theirs = make_engineer(make_user, partner=make_partner())
    users["visit_engineer"] = ours.user
    users["other_partner_engineer"] = theirs.user
    return users, ours


@pytest.mark.parametrize("state", ["open", "checked"])
def test_inspection_channels_agree(state, people):
    users, engineer = people
    manager = users[Role.SERVICE_MANAGER]
    serving_contracts(1, engineer=engineer, includes_software=False)
    inspections_generate(today=timezone.localdate())
    inspection = Inspection.objects.get()
    advance(inspection.dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    inspection = Inspection.objects.get()
    if state == "checked":
        for item in inspection.items.all():
            inspection_item_record(item, by=engineer.user, result="ok")
        inspection = inspection_finish(inspection, by=engineer.user)
    seen = assert_channels_agree(
        INSPECTION_ACTIONS,
        inspection,
        list(users.values()),
        portal_url=f"/inspections/{inspection.pk}/",
        api_url=f"/api/v1/inspections/{inspection.pk}/",
    )
    assert seen[users["other_partner_engineer"].username] == set()
    expected = {"open": set(), "checked": {"reopen"}}[state]  # finish waits for answers
    assert seen[users["visit_engineer"].username] == expected


def test_installation_channels_agree(people):
    users, engineer = people
    manager = users[Role.SERVICE_MANAGER]
    dispatch = new_dispatch(manager, kind=DispatchKind.INSTALLATION)
    dispatch = advance(dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    installation = installation_start(dispatch, by=engineer.user)
    seen = assert_channels_agree(
        INSTALLATION_ACTIONS,
        installation,
        list(users.values()),
        portal_url=f"/installations/{installation.pk}/",
        api_url=f"/api/v1/installations/{installation.pk}/",
    )
    assert seen[users["other_partner_engineer"].username] == set()
    assert seen[users["visit_engineer"].username] == set()  # waits for assets and signature
