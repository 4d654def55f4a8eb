"""Engineers' leave in the portal (docs/domain.md §partners.leave): the service manager
records, changes and cancels it, each step audited (history with the user, an event on the
engineer); engineers may not, nor open the month view (it is the dispatch board's); the
month view shows leave, visits and holidays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fieldservice.choices import DispatchState
from fieldservice.models import EngineerLeave
from servicedesk.core.calendars import default_calendar
from servicedesk.core.choices import DayKind, Role
from servicedesk.core.models import CalendarException, DomainEvent
from tests.fieldservice.factories import advance, make_engineer, new_dispatch

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 14)  # a Monday


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


def _tomorrow_at_nine() -> dt.datetime:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9)))


def _events(engineer) -> list[str]:
    return list(
        DomainEvent.objects.filter(target_id=engineer.pk, kind__startswith="engineer.leave")
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_manager_records_changes_and_cancels_leave_with_an_audit_trail(client, manager, engineer):
    client.force_login(manager)
    answer = client.post(
        reverse("fieldservice:leave-create"),
        {
            "engineer": engineer.pk,
            "starts_on": "2026-12-14",
            "ends_on": "2026-12-16",
            "reason": "年假",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("fieldservice:leave-month") + "?year=2026&month=12"
    leave = EngineerLeave.objects.get(engineer=engineer)
    assert (leave.starts_on, leave.ends_on, leave.reason) == (DAY, DAY + dt.timedelta(2), "年假")
    assert leave.history.get().history_user == manager

    answer = client.post(
        reverse("fieldservice:leave-edit", args=[leave.pk]),
        {"starts_on": "2026-12-15", "ends_on": "2026-12-16", "reason": "年假（缩短）"},
    )
    assert answer.status_code == 302
    leave.refresh_from_db()
    assert leave.starts_on == DAY + dt.timedelta(1)
    changed = leave.history.order_by("-history_id").first()
    assert changed.history_type == "~" and changed.history_user == manager
    page = client.get(reverse("fieldservice:leave-edit", args=[leave.pk])).content.decode()
    assert "年假（缩短）" in page  # its history panel

    answer = client.post(
        reverse("fieldservice:leave-cancel", args=[leave.pk]), {"note": "项目紧急，取消休假"}
    )
    assert answer.status_code == 302
    assert not EngineerLeave.objects.filter(engineer=engineer).exists()
    gone = EngineerLeave.history.filter(id=leave.pk).order_by("-history_id").first()
    assert gone.history_type == "-" and gone.history_user == manager
    assert "项目紧急" in gone.history_change_reason
    assert _events(engineer) == [
        "engineer.leave_added",
        "engineer.leave_changed",
        "engineer.leave_cancelled",
    ]
    # The engineer's page tells it in words.
    page = client.get(reverse("fieldservice:engineer", args=[engineer.pk])).content.decode()
    assert "Leave cancelled" in page and "项目紧急，取消休假" in page


def test_overlapping_or_backwards_leave_is_refused_on_the_form(client, manager, engineer):
    EngineerLeave.objects.create(engineer=engineer, starts_on=DAY, ends_on=DAY)
    client.force_login(manager)
    url = reverse("fieldservice:leave-create")
    overlap = client.post(
        url, {"engineer": engineer.pk, "starts_on": "2026-12-13", "ends_on": "2026-12-14"}
    )
    assert overlap.status_code == 400
    assert "already has leave from 2026-12-14 to 2026-12-14" in overlap.content.decode()
    backwards = client.post(
        url, {"engineer": engineer.pk, "starts_on": "2026-12-20", "ends_on": "2026-12-19"}
    )
    assert backwards.status_code == 400
    assert "must end on or after its first day" in backwards.content.decode()
    bad = client.post(url, {"engineer": "x", "starts_on": "2026-13-40", "ends_on": ""})
    assert bad.status_code == 400
    assert EngineerLeave.objects.count() == 1


def test_engineers_neither_plan_nor_enter_leave(client, manager, engineer, make_user):
    leave = EngineerLeave.objects.create(engineer=engineer, starts_on=DAY, ends_on=DAY)
    client.force_login(engineer.user)
    assert client.get(reverse("fieldservice:leave-month")).status_code == 403
    assert client.get(reverse("fieldservice:leave-create")).status_code == 403
    data = {"engineer": engineer.pk, "starts_on": "2026-12-20", "ends_on": "2026-12-20"}
    assert client.post(reverse("fieldservice:leave-create"), data).status_code == 403
    edit = reverse("fieldservice:leave-edit", args=[leave.pk])
    assert (
        client.post(edit, {"starts_on": "2026-12-01", "ends_on": "2026-12-01"}).status_code == 403
    )
    cancel = reverse("fieldservice:leave-cancel", args=[leave.pk])
    assert client.post(cancel).status_code == 403
    assert EngineerLeave.objects.get().starts_on == DAY
    # Without a login the page asks for one.
    client.logout()
    assert client.get(reverse("fieldservice:leave-month")).status_code == 302


def test_month_view_shows_leave_visits_and_holidays(client, manager, engineer, make_user):
    other = make_engineer(make_user)
    when = _tomorrow_at_nine()
    day = timezone.localtime(when).date()
    for hours in (0, 3):  # two visits that day, one after the other
        advance(
            new_dispatch(manager),
            DispatchState.ASSIGNED,
            manager=manager,
            engineer=engineer,
            appointment=when + dt.timedelta(hours=hours),
        )
    EngineerLeave.objects.create(
        engineer=other, starts_on=day, ends_on=day + dt.timedelta(1), reason="病假"
    )
    CalendarException.objects.update_or_create(
        calendar=default_calendar(),
        date=day,
        defaults={"kind": DayKind.HOLIDAY, "note": "测试假日"},
    )
    client.force_login(manager)
    html = client.get(
        reverse("fieldservice:leave-month") + f"?year={day.year}&month={day.month}"
    ).content.decode()
    row_of = {
        name: html.split(f'data-engineer-name="{name}"')[1].split("</tr>")[0]
        for name in (str(engineer), str(other))
    }
    assert '<span class="visits"' in row_of[str(engineer)]
    assert 'data-testid="visit-count">2<' in row_of[str(engineer)]
    in_month = sum(1 for n in range(2) if (day + dt.timedelta(n)).month == day.month)
    assert f'data-testid="leave-days">{in_month}<' in row_of[str(other)]
    assert "病假" in row_of[str(other)]
    assert 'title="测试假日"' in html
    assert client.get(reverse("fieldservice:leave-month") + "?year=abc&month=13").status_code == 200


def test_recording_leave_over_booked_visits_warns_the_manager(client, manager, engineer):
    when = _tomorrow_at_nine()
    d = advance(
        new_dispatch(manager),
        DispatchState.ASSIGNED,
        manager=manager,
        engineer=engineer,
        appointment=when,
    )
    day = timezone.localtime(when).date()
    client.force_login(manager)
    answer = client.post(
        reverse("fieldservice:leave-create"),
        {"engineer": engineer.pk, "starts_on": f"{day:%Y-%m-%d}", "ends_on": f"{day:%Y-%m-%d}"},
        follow=True,
    )
    assert answer.status_code == 200
    assert d.number in answer.content.decode()
    assert "Assign them to someone else" in answer.content.decode()
