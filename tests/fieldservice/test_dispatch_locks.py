"""Reassigning and rescheduling are real locks (issue 10 item 6): ``assigned → assigned``
and ``scheduled → scheduled`` pass the state check twice, so the current engineer (the
current appointment) is compared under the row lock; the loser gets a 409 (API) or a
message (portal), and nobody is told a visit is theirs that is not."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fieldservice.choices import DispatchState
from fieldservice.models import Dispatch
from fieldservice.services import dispatch_assign, dispatch_reschedule
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import TransitionConflict
from servicedesk.core.models import Notification
from tests.fieldservice.factories import advance, make_engineer, new_dispatch, reload
from tests.races import race as _race

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _told(engineer, dispatch) -> int:
    return Notification.objects.filter(
        recipient=engineer.user, kind="dispatch_assigned", target_id=dispatch.pk
    ).count()


def _assigned(manager, make_user, **engineer):
    first = make_engineer(make_user, **engineer)
    d = advance(new_dispatch(manager), DispatchState.ASSIGNED, manager=manager, engineer=first)
    return d, first


def test_a_reassignment_from_a_stale_page_is_refused(client, manager, make_user):
    d, first = _assigned(manager, make_user)
    second, third = make_engineer(make_user), make_engineer(make_user)
    client.force_login(manager)
    page = client.get(reverse("fieldservice:dispatch", args=[d.pk])).content.decode()
    assert f'name="expected_engineer" value="{first.pk}"' in page
    dispatch_assign(reload(d), by=manager, engineer=second)  # someone else, meanwhile
    response = client.post(
        reverse("fieldservice:dispatch-action", args=[d.pk, "assign"]),
        {"engineer": third.pk, "planned_minutes": 120, "expected_engineer": first.pk},
        follow=True,
    )
    assert "changed engineer meanwhile" in response.content.decode()
    assert reload(d).engineer == second
    assert _told(third, d) == 0


def test_a_reassignment_from_a_stale_api_client_is_409(manager, make_user):
    d, first = _assigned(manager, make_user)
    second, third = make_engineer(make_user), make_engineer(make_user)
    dispatch_assign(reload(d), by=manager, engineer=second)
    r = api_for(manager).post(
        f"/api/v1/dispatches/{d.pk}/transitions/assign/",
        {"engineer": third.pk, "expected_engineer": first.pk},
        format="json",
    )
    assert r.status_code == 409, r.content
    assert reload(d).engineer == second
    # Saying what it saw, the client may reassign.
    r = api_for(manager).post(
        f"/api/v1/dispatches/{d.pk}/transitions/assign/",
        {"engineer": third.pk, "expected_engineer": second.pk},
        format="json",
    )
    assert r.status_code == 200 and r.json()["engineer"] == third.pk
    assert reload(d).assigned_by == manager
    # The engineer taken off the visit is told.
    assert Notification.objects.filter(
        recipient=second.user, kind="dispatch_reassigned", target_id=d.pk
    ).exists()


def test_a_card_dragged_from_a_stale_board_is_refused(client, manager, make_user):
    d, first = _assigned(manager, make_user, region="拖拽测试片区")
    second, third = make_engineer(make_user), make_engineer(make_user)
    client.force_login(manager)
    # The board pages its engineers (30 a page): ask for this engineer's region so the
    # card is on the page whatever other engineers the database holds.
    board = client.get(reverse("fieldservice:board"), {"region": first.region}).content.decode()
    assert f'data-dispatch="{d.pk}" data-engineer="{first.pk}"' in board
    dispatch_assign(reload(d), by=manager, engineer=second)
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    r = client.post(
        reverse("fieldservice:board-assign"),
        {"dispatch": d.pk, "engineer": third.pk, "day": day, "expected_engineer": first.pk},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 409 and r.json()["ok"] is False
    assert reload(d).engineer == second


def test_a_reschedule_from_a_stale_copy_is_refused(manager, make_user):
    engineer = make_engineer(make_user)
    at = timezone.now() + dt.timedelta(days=2)
    d = advance(
        new_dispatch(manager), DispatchState.SCHEDULED, manager=manager, engineer=engineer,
        appointment=at,
    )  # fmt: skip
    stale = reload(d)
    args = {"by": engineer.user, "customer_informed": True, "out_of_hours_reason": "客户要求"}
    dispatch_reschedule(reload(d), appointment_at=at + dt.timedelta(hours=1), reason="甲", **args)
    with pytest.raises(TransitionConflict, match="appointment"):
        dispatch_reschedule(stale, appointment_at=at + dt.timedelta(hours=2), reason="乙", **args)
    d = reload(d)
    assert (d.appointment_at, d.reschedule_count) == (at + dt.timedelta(hours=1), 1)
    assert list(d.reschedules.values_list("reason", flat=True)) == ["甲"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reassignments_at_once_one_gets_409(make_user):
    from fieldservice.api.apis import DispatchViewSet

    first_manager = make_user(Role.SERVICE_MANAGER)
    second_manager = make_user(Role.SERVICE_MANAGER)
    d, _first = _assigned(first_manager, make_user)
    e2, e3 = make_engineer(make_user), make_engineer(make_user)
    barrier = threading.Barrier(2)
    original = DispatchViewSet.get_object

    def get_object(self):
        obj = original(self)
        if "assign" in self.request.path:
            barrier.wait(timeout=10)  # both requests read the dispatch as assigned to first
        return obj

    statuses: dict[int, int] = {}

    def attempt(user, engineer):
        try:
            r = api_for(user).post(
                f"/api/v1/dispatches/{d.pk}/transitions/assign/",
                {"engineer": engineer.pk},
                format="json",
            )
            statuses[engineer.pk] = r.status_code
        finally:
            connections.close_all()

    DispatchViewSet.get_object = get_object
    try:
        threads = [
            threading.Thread(target=attempt, args=(first_manager, e2)),
            threading.Thread(target=attempt, args=(second_manager, e3)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        DispatchViewSet.get_object = original
    assert sorted(statuses.values()) == [200, 409]
    winner = e2 if statuses[e2.pk] == 200 else e3
    loser = e3 if winner is e2 else e2
    d = Dispatch.objects.get(pk=d.pk)
    assert d.engineer == winner
    assert d.history.filter(history_change_reason="assign").count() == 2  # first + winner
    assert _told(winner, d) == 1
    assert _told(loser, d) == 0  # nobody is told a visit is theirs that is not


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reschedules_at_once_one_wins(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    engineer = make_engineer(make_user)
    at = timezone.now() + dt.timedelta(days=2)
    d = advance(
        new_dispatch(manager), DispatchState.SCHEDULED, manager=manager, engineer=engineer,
        appointment=at,
    )  # fmt: skip

    def reschedule(hours, reason):
        def call(barrier):
            mine = Dispatch.objects.get(pk=d.pk)
            barrier.wait(timeout=10)
            dispatch_reschedule(
                mine,
                by=engineer.user,
                appointment_at=at + dt.timedelta(hours=hours),
                reason=reason,
                customer_informed=True,
                out_of_hours_reason="客户要求",
            )

        return call

    assert sorted(_race(reschedule(1, "甲"), reschedule(2, "乙"))) == ["conflict", "ok"]
    d = Dispatch.objects.get(pk=d.pk)
    assert d.reschedule_count == 1
    assert d.reschedules.count() == 1
    assert d.appointment_at == d.reschedules.get().new_at
