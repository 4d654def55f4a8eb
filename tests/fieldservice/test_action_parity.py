"""Portal, admin and API offer the dispatch's declared actions alike (docs/architecture.md
§action-layer): a dispatch in every state, every role, the visit's own (partner) engineer
and another partner's engineer, who sees neither the page nor the API record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fieldservice.actions import DISPATCH_ACTIONS
from fieldservice.choices import DispatchState, Outcome
from fieldservice.services import dispatch_archive, dispatch_cancel, dispatch_write_off
from servicedesk.core.choices import Role
from tests.action_parity import assert_channels_agree
from tests.fieldservice.factories import (
    REPORT,
    advance,
    make_engineer,
    make_partner,
    new_dispatch,
    signature_png,
)

pytestmark = pytest.mark.django_db

STATES = [
    DispatchState.REQUESTED,
    DispatchState.VERIFIED,
    DispatchState.ASSIGNED,
    DispatchState.CONFIRMED,
    DispatchState.SCHEDULED,
    DispatchState.ON_SITE,
    DispatchState.COMPLETED,
    "completed_unsolved",
    DispatchState.WRITTEN_OFF,
    DispatchState.ARCHIVED,
    DispatchState.CANCELLED,
]


@pytest.fixture
def people(make_user):
    """Every role once, a staff service manager (who reads the admin page itself), the
    visit's partner engineer and another partner's engineer."""
    users = {role: make_user(role) for role in Role.values}
    users["staff_manager"] = make_user(Role.SERVICE_MANAGER, is_staff=True)
    users["superuser"] = make_user(is_staff=True, is_superuser=True)
    ours = make_engineer(make_user, partner=make_partner())
    theirs = make_engineer(make_user, partner=make_partner())
    users["visit_engineer"] = ours.user
    users["other_partner_engineer"] = theirs.user
    return users, ours


def _dispatch_in(state: str, manager, engineer):
    dispatch = new_dispatch(manager)
    if state == DispatchState.CANCELLED:
        return dispatch_cancel(dispatch, by=manager, reason="客户取消")
    if state == "completed_unsolved":
        dispatch = advance(dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer)
        from fieldservice.services import dispatch_complete

        return dispatch_complete(
            dispatch,
            by=engineer.user,
            signature_image=signature_png(),
            signer_name="王主任",
            **{**REPORT, "outcome": Outcome.UNSOLVED},
        )
    target = state
    if state in (DispatchState.WRITTEN_OFF, DispatchState.ARCHIVED):
        target = DispatchState.COMPLETED
    # An appointment far enough ahead that a reschedule is still possible.
    appointment = timezone.now() + dt.timedelta(days=2)
    dispatch = advance(
        dispatch, target, manager=manager, engineer=engineer, appointment=appointment
    )
    if state in (DispatchState.WRITTEN_OFF, DispatchState.ARCHIVED):
        dispatch = dispatch_write_off(dispatch, by=manager)
    if state == DispatchState.ARCHIVED:
        dispatch = dispatch_archive(dispatch, by=manager)
    return dispatch


@pytest.mark.parametrize("state", STATES)
def test_every_channel_offers_the_declared_dispatch_actions(state, people):
    users, engineer = people
    manager = users[Role.SERVICE_MANAGER]
    dispatch = _dispatch_in(state, manager, engineer)
    if state != "completed_unsolved":
        assert dispatch.state == state
    seen = assert_channels_agree(
        DISPATCH_ACTIONS,
        dispatch,
        list(users.values()),
        portal_url=f"/dispatches/{dispatch.pk}/",
        api_url=f"/api/v1/dispatches/{dispatch.pk}/",
    )
    # Scoping agrees too: another partner's engineer reaches neither page nor record.
    assert seen[users["other_partner_engineer"].username] == set()
    expected = {
        DispatchState.REQUESTED: ({"verify", "cancel"}, set()),
        DispatchState.VERIFIED: ({"assign", "cancel"}, set()),
        DispatchState.ASSIGNED: ({"assign", "cancel"}, {"confirm"}),
        DispatchState.CONFIRMED: ({"assign", "cancel", "schedule"}, {"schedule"}),
        DispatchState.SCHEDULED: (
            {"cancel", "check_in", "reschedule"},
            {"check_in", "reschedule"},
        ),
        DispatchState.ON_SITE: ({"complete"}, {"complete"}),
        # A solved visit can become a knowledge article (docs/domain.md
        # §hotline.knowledge), whoever may write one: its engineer too.
        DispatchState.COMPLETED: ({"write_off", "article"}, {"article"}),
        "completed_unsolved": ({"write_off"}, set()),
        DispatchState.WRITTEN_OFF: ({"archive", "article"}, {"article"}),
        DispatchState.ARCHIVED: ({"article"}, {"article"}),
        DispatchState.CANCELLED: (set(), set()),
    }[state]
    assert seen[manager.username] >= expected[0] - {"confirm"}, seen[manager.username]
    assert seen[users["visit_engineer"].username] == expected[1]
    assert seen[users[Role.AUDITOR].username] == set()


def test_the_parity_check_fails_when_a_channel_strays(people, monkeypatch):
    """The check reads what each channel really shows: a portal page that drops an
    action is caught."""
    users, engineer = people
    manager = users[Role.SERVICE_MANAGER]
    dispatch = _dispatch_in(DispatchState.REQUESTED, manager, engineer)
    from fieldservice.views import dispatches as views

    real = views.action_panels
    monkeypatch.setattr(
        views,
        "action_panels",
        lambda *args, **kwargs: [p for p in real(*args, **kwargs) if p.name != "cancel"],
    )
    with pytest.raises(AssertionError):
        assert_channels_agree(
            DISPATCH_ACTIONS,
            dispatch,
            [manager],
            portal_url=f"/dispatches/{dispatch.pk}/",
            api_url=f"/api/v1/dispatches/{dispatch.pk}/",
        )
