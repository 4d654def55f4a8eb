"""Dispatch services (DESIGN.md §5 Dispatch, seed 002 §4): the life cycle end to end,
every guard, the ticket hand-off and the defect escalation."""

from __future__ import annotations

import pytest

from fieldservice.choices import DispatchState
from fieldservice.services import (
    dispatch_archive,
    dispatch_write_off,
)
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import DomainEvent, SlaTimer
from tests.fieldservice.factories import (
    advance,
    make_engineer,
    new_dispatch,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


def test_full_life_cycle_solved(manager, engineer):
    d = new_dispatch(manager)
    assert d.state == DispatchState.REQUESTED
    assert d.number.startswith("PG")
    assert d.site_address.startswith("上海")
    assert d.contact_name == "王主任"
    d = advance(d, DispatchState.COMPLETED, manager=manager, engineer=engineer)
    assert d.state == DispatchState.COMPLETED
    assert d.customer_signature_id is not None
    assert d.person_days == pytest.approx(0.5)
    timers = {t.target: t for t in SlaTimer.objects.for_subject(d)}
    assert timers["arrival"].state == TimerState.MET
    assert timers["write_off"].state == TimerState.RUNNING
    assert timers["follow_up"].state == TimerState.RUNNING
    d = dispatch_write_off(d, by=manager)
    assert d.state == DispatchState.WRITTEN_OFF
    assert SlaTimer.objects.for_subject(d).get(target="write_off").state == TimerState.MET
    d = dispatch_archive(d, by=manager)
    assert d.state == DispatchState.ARCHIVED
    kinds = set(
        DomainEvent.objects.filter(target_id=d.pk, kind__startswith="dispatch.").values_list(
            "kind", flat=True
        )
    )
    assert {
        "dispatch.verify",
        "dispatch.assign",
        "dispatch.complete",
        "dispatch.write_off",
    } <= kinds
