import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.core.calendars import calendar_for_service_level, calendar_spec, deadline
from servicedesk.core.choices import DayKind, Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import CalendarException, Notification, WorkCalendar
from servicedesk.core.services.calendar import (
    calendar_coverage_check,
    calendar_import_csv,
    calendar_load_chinese,
    parse_exceptions_csv,
)

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def default() -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


def test_migration_seeds_every_year_chinesecalendar_knows():
    from chinese_calendar.constants import holidays, workdays

    cal = default()
    assert cal.exceptions.filter(kind=DayKind.HOLIDAY).count() == len(holidays)
    assert cal.exceptions.filter(kind=DayKind.WORKDAY).count() == len(workdays)
    assert cal.exceptions.get(date=dt.date(2026, 10, 10)).kind == DayKind.WORKDAY
    assert cal.exceptions.get(date=dt.date(2026, 9, 20)).kind == DayKind.WORKDAY
    assert cal.exceptions.get(date=dt.date(2026, 10, 1)).kind == DayKind.HOLIDAY


def test_loading_again_changes_nothing():
    result = calendar_load_chinese(calendar=default())
    assert result.created == 0 and result.updated == 0 and result.unchanged > 300


def test_deadlines_use_the_seeded_holidays():
    cal = default()
    start = dt.datetime(2026, 9, 30, 17, 0, tzinfo=SH)
    assert deadline(cal, start, 1, "working_days") == dt.datetime(2026, 10, 8, 18, 0, tzinfo=SH)
    friday = dt.datetime(2026, 10, 9, 17, 30, tzinfo=SH)
    assert deadline(cal, friday, 0, "next_working_day_start") == dt.datetime(
        2026, 10, 10, 9, 0, tzinfo=SH
    )


def test_spec_cache_follows_edits():
    cal = default()
    day = dt.date(2031, 3, 3)  # a Monday the package does not know
    assert calendar_spec(cal).holidays.isdisjoint({day})
    CalendarException.objects.create(calendar=cal, date=day, kind=DayKind.HOLIDAY, note="test")
    assert day in calendar_spec(cal).holidays


def test_service_level_picks_the_7x24_calendar():
    assert calendar_for_service_level("7x24").always_open
    assert calendar_for_service_level("5x8").is_default
    assert calendar_for_service_level(None).is_default


def test_csv_import_adds_and_updates_a_later_year():
    cal = default()
    text = "date,kind,note\n2031-01-01,holiday,元旦\n2031-01-26,调休,春节调休上班\n"
    result = calendar_import_csv(calendar=cal, text=text)
    assert (result.created, result.updated) == (2, 0)
    result = calendar_import_csv(calendar=cal, text="2031-01-01,holiday,新年\n")
    assert (result.created, result.updated) == (0, 1)
    assert cal.exceptions.get(date=dt.date(2031, 1, 26)).kind == DayKind.WORKDAY


def test_csv_errors_name_every_bad_line_and_import_nothing():
    cal = default()
    before = cal.exceptions.count()
    with pytest.raises(ApplicationError) as info:
        calendar_import_csv(
            calendar=cal,
            text="2031-01-01,holiday,ok\n2031-13-01,holiday,x\nbad\n2031-02-02,party,x\n",
        )
    messages = info.value.extra["file"]
    assert len(messages) == 3
    assert "2031-13-01" in messages[0]
    assert cal.exceptions.count() == before
    with pytest.raises(ApplicationError):
        parse_exceptions_csv("date,kind,note\n")


def test_coverage_check_warns_managers_from_november_once_a_day(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    make_user(Role.HOTLINE_ENGINEER)
    assert calendar_coverage_check(today=dt.date(2031, 10, 31)) == 0
    assert calendar_coverage_check(today=dt.date(2031, 11, 1)) == 1
    assert calendar_coverage_check(today=dt.date(2031, 11, 1)) == 0  # same day: no repeat
    assert Notification.objects.get().recipient == manager
    calendar_import_csv(calendar=default(), text="2032-01-01,holiday,元旦\n")
    assert calendar_coverage_check(today=dt.date(2031, 11, 2)) == 0


def test_month_view_marks_holidays_and_makeup_days(client, make_user):
    client.force_login(make_user(Role.HOTLINE_ENGINEER))
    page = client.get(f"/calendars/{default().pk}/?year=2026&month=10").content.decode()
    assert 'class="holiday " data-date="2026-10-01"' in page
    assert 'class="makeup " data-date="2026-10-10"' in page
    assert 'class="off " data-date="2026-10-11"' in page


def test_portal_import_shows_errors_without_losing_anything(client, make_user):
    client.force_login(make_user(Role.SERVICE_MANAGER))
    cal = default()
    before = cal.exceptions.count()
    response = client.post(
        "/calendars/import/",
        {"calendar": cal.pk, "file": SimpleUploadedFile("h.csv", b"2031-99-01,holiday,x\n")},
    )
    assert response.status_code == 200
    assert "2031-99-01" in response.content.decode()
    assert cal.exceptions.count() == before
    response = client.post(
        "/calendars/import/",
        {
            "calendar": cal.pk,
            "file": SimpleUploadedFile("h.csv", "2031-01-01,holiday,元旦\n".encode()),
        },
    )
    assert response.status_code == 302
    assert cal.exceptions.count() == before + 1


def test_import_needs_a_manager(client, make_user):
    client.force_login(make_user(Role.HOTLINE_ENGINEER))
    assert client.get("/calendars/import/").status_code == 403


def test_calendars_api_lists_exceptions(make_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user(Role.TESTER))
    data = api.get("/api/v1/calendars/").json()["results"]
    standard = next(c for c in data if c["is_default"])
    assert {"date": "2026-10-10", "kind": "workday", "note": "国庆节调休上班"} in standard[
        "exceptions"
    ]
