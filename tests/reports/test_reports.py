"""Weekly reports, the meeting record, the monthly project summary, trip reports and the
briefing to sales, on one fixed data set whose figures are computed by hand below
(docs/domain.md §reports)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fieldservice.models import Dispatch
from projects.models import DailyLog
from servicedesk.core.calendars import default_calendar
from servicedesk.core.choices import DayKind, Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import CalendarException, Notification, StaffProfile
from servicedesk.reports.choices import ReportState, TripState
from servicedesk.reports.models import SalesBriefing, TripReport, WeeklyReport
from servicedesk.reports.selectors import meeting_record, month_summary
from servicedesk.reports.services import (
    briefing_draft,
    briefing_send,
    drafting_day,
    trip_report_draft,
    trip_report_edit,
    trip_report_submit,
    weekly_report_draft,
    weekly_report_edit,
    weekly_report_return,
    weekly_report_submit,
    weekly_reports_draft,
)
from tests.fieldservice.factories import make_engineer, new_dispatch
from tests.projects.factories import make_team, project_in
from tests.tickets.factories import in_state, make_customer, sh, take_call

WEEK = dt.date(2026, 11, 2)  # Monday; Friday is 2026-11-06
NEXT = dt.date(2026, 11, 9)
EARLIER = dt.date(2026, 10, 26)  # its Thursday is 29 October: an October week


@dataclass
class World:
    manager: Any
    hotline: Any
    engineer: Any
    consultant: Any
    im: Any
    director: Any
    tech: Any
    sales: Any
    outsider: Any
    a: Any
    b: Any
    p: Any
    p2: Any
    visits: list


def _reports_to(user, manager):
    StaffProfile.objects.update_or_create(user=user, defaults={"manager": manager})


def _ticket(by, customer, assignee, closed_at):
    t = take_call(by, customer)
    return in_state(t, "closed", assignee=assignee, closed_at=closed_at)


def _visit(manager, engineer, customer, completed_at, minutes, outcome):
    d = new_dispatch(manager, customer)
    Dispatch.objects.filter(pk=d.pk).update(
        state="completed",
        engineer=engineer,
        checked_in_at=completed_at - dt.timedelta(minutes=minutes),
        completed_at=completed_at,
        on_site_minutes=minutes,
        outcome=outcome,
        cause="模板损坏",
        solution="重建凭证模板",
        new_needs="客户计划明年上线供应链模块",
    )
    return Dispatch.objects.get(pk=d.pk)


def _log(project, consultant, day, hours, state="submitted"):
    log = DailyLog.objects.create(
        project=project, consultant=consultant, day=day, work_done="总账初始化", hours=hours
    )
    DailyLog.objects.filter(pk=log.pk).update(state=state)


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"  # the pages and files in Chinese
    return client


@pytest.fixture
def world(make_user) -> World:
    team = make_team(make_user)
    manager = make_user(Role.SERVICE_MANAGER, last_name="郑", first_name="伟")
    hotline = make_user(Role.HOTLINE_ENGINEER, last_name="王", first_name="静")
    eng = make_engineer(make_user)
    outsider = make_user(Role.HOTLINE_ENGINEER, last_name="冯", first_name="磊")
    director = make_user(Role.DIRECTOR, last_name="赵", first_name="敏")
    tech = make_user(Role.TECH_MANAGER, last_name="卫", first_name="东")
    _reports_to(hotline, manager)
    _reports_to(eng.user, manager)
    _reports_to(team.consultant, team.im)
    _reports_to(team.outsider, team.im)
    a = make_customer(manager, name="甲机械有限公司", address="上海市浦东新区张江路 100 号")
    b = make_customer(manager, name="乙电子有限公司", address="苏州市工业园区星湖街 1 号")
    # hotline: 2 of 甲 and 1 of 乙 in the week; one the Sunday before (23:30 local) and one
    # the Monday after are outside it
    _ticket(manager, a, hotline, sh(2026, 11, 3, 10, 0))
    _ticket(manager, a, hotline, sh(2026, 11, 5, 16, 0))
    _ticket(manager, b, hotline, sh(2026, 11, 6, 10, 0))
    _ticket(manager, b, hotline, sh(2026, 11, 1, 23, 30))
    _ticket(manager, a, hotline, sh(2026, 11, 9, 9, 0))
    _ticket(manager, a, outsider, sh(2026, 11, 4, 9, 0))
    # visits: 甲 90 + 45 minutes, 乙 60 minutes; one the week after
    visits = [
        _visit(manager, eng, a, sh(2026, 11, 4, 11, 0), 90, "solved"),
        _visit(manager, eng, a, sh(2026, 11, 5, 15, 0), 45, "unsolved"),
        _visit(manager, eng, b, sh(2026, 11, 6, 11, 0), 60, "solved"),
        _visit(manager, eng, b, sh(2026, 11, 10, 11, 0), 30, "solved"),
    ]
    p = project_in("applied", team, customer=a)
    p2 = project_in("applied", team, customer=b)
    _log(p, team.consultant, dt.date(2026, 11, 2), Decimal("8"))
    _log(p, team.consultant, dt.date(2026, 11, 3), Decimal("7.5"))
    _log(p, team.consultant, dt.date(2026, 11, 4), Decimal("8"), state="draft")  # not counted
    _log(p2, team.consultant, dt.date(2026, 11, 5), Decimal("4"), state="confirmed")
    _log(p, team.consultant, dt.date(2026, 11, 10), Decimal("8"))
    _log(p, team.consultant, dt.date(2026, 10, 27), Decimal("6"))
    return World(
        manager, hotline, eng.user, team.consultant, team.im, director, tech, team.sales,
        outsider, a, b, p, p2, visits,
    )  # fmt: skip


def _lines(report):
    return sorted(
        (line.source, line.customer.name if line.customer else "", line.items, line.hours)
        for line in report.lines.select_related("customer")
    )


def test_drafts_hold_the_weeks_work_per_customer_and_project(world):
    hot, _ = weekly_report_draft(author=world.hotline, week_start=WEEK)
    assert (hot.tickets_closed, hot.visits, hot.hours) == (3, 0, Decimal("0"))
    assert _lines(hot) == [
        ("ticket", "乙电子有限公司", 1, Decimal("0")),
        ("ticket", "甲机械有限公司", 2, Decimal("0")),
    ]
    eng, _ = weekly_report_draft(author=world.engineer, week_start=WEEK + dt.timedelta(days=3))
    assert eng.week_start == WEEK  # any day of the week gives its Monday
    # 90 + 45 minutes = 2.25 h → 2.3 (half up); 60 minutes = 1.0 h
    assert _lines(eng) == [
        ("visit", "乙电子有限公司", 1, Decimal("1.0")),
        ("visit", "甲机械有限公司", 2, Decimal("2.3")),
    ]
    assert (eng.tickets_closed, eng.visits, eng.hours) == (0, 3, Decimal("3.3"))
    con, _ = weekly_report_draft(author=world.consultant, week_start=WEEK)
    # 8 + 7.5 submitted on P (the draft log of the 4th does not count), 4 confirmed on P2
    assert _lines(con) == [
        ("project_log", "乙电子有限公司", 1, Decimal("4.0")),
        ("project_log", "甲机械有限公司", 2, Decimal("15.5")),
    ]
    assert con.hours == Decimal("19.5")
    assert "甲机械有限公司" in con.work_done and "15.5" in con.work_done


def test_drafted_on_the_last_working_day_of_the_week_once(world):
    assert drafting_day(dt.date(2026, 11, 6)) is True
    assert drafting_day(dt.date(2026, 11, 5)) is False
    assert weekly_reports_draft(now=sh(2026, 11, 5, 15, 0))["drafted"] == 0
    CalendarException.objects.create(
        calendar=default_calendar(), date=dt.date(2026, 11, 6), kind=DayKind.HOLIDAY
    )
    from servicedesk.core.calendars import _cache

    _cache.clear()
    assert drafting_day(dt.date(2026, 11, 5)) is True  # Friday a holiday: Thursday
    first = weekly_reports_draft(now=sh(2026, 11, 5, 15, 0))
    writers = {world.hotline.pk, world.engineer.pk, world.consultant.pk, world.outsider.pk}
    assert first["drafted"] >= len(writers)
    assert writers <= set(
        WeeklyReport.objects.filter(week_start=WEEK).values_list("author", flat=True)
    )
    again = weekly_reports_draft(now=sh(2026, 11, 5, 16, 0))
    assert again["drafted"] == 0
    assert WeeklyReport.objects.filter(week_start=WEEK, author=world.hotline).count() == 1


def test_edit_submit_return_resubmit_audited_and_notified(world):
    report, _ = weekly_report_draft(author=world.hotline, week_start=WEEK)
    with pytest.raises(NotPermitted):
        weekly_report_edit(report, by=world.engineer, problems="x")
    report = weekly_report_edit(report, by=world.hotline, problems="甲公司账套需升级", work_done="")
    with pytest.raises(ApplicationError):  # nothing written: the condition refuses
        weekly_report_submit(report, by=world.hotline)
    report = weekly_report_edit(report, by=world.hotline, work_done="处理甲、乙公司服务单")
    report = weekly_report_submit(report, by=world.hotline)
    assert report.state == ReportState.SUBMITTED
    assert Notification.objects.filter(
        recipient=world.manager, kind="weekly_report_submitted"
    ).exists()
    with pytest.raises(TransitionConflict):
        weekly_report_edit(report, by=world.hotline, problems="改")
    with pytest.raises(NotPermitted):  # not his manager
        weekly_report_return(report, by=world.im, reason="补充")
    report = weekly_report_return(report, by=world.manager, reason="请补充下周计划")
    assert report.state == ReportState.RETURNED and report.return_reason == "请补充下周计划"
    report = weekly_report_edit(report, by=world.hotline, next_week="回访甲公司")
    assert weekly_report_submit(report, by=world.hotline).state == ReportState.SUBMITTED
    reasons = list(
        report.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert "drafted" in reasons and "edited" in reasons and "submit" in reasons[-1]


def _submit(user, week):
    report, _ = weekly_report_draft(author=user, week_start=week)
    return weekly_report_submit(report, by=user)


def test_meeting_record_of_the_managers_team(world, client):
    _submit(world.hotline, WEEK)
    _submit(world.engineer, WEEK)
    weekly_report_draft(author=world.outsider, week_start=WEEK)  # not in the team
    record = meeting_record(user=world.manager, week_start=WEEK + dt.timedelta(days=4))
    assert {r["person"].pk for r in record.rows} == {world.hotline.pk, world.engineer.pk}
    assert record.totals == {
        "people": 2, "reports": 2, "tickets": 3, "visits": 3, "hours": Decimal("3.3"),
    }  # fmt: skip
    client.force_login(world.manager)
    xlsx = client.get(reverse("reports:meeting-xlsx") + "?week=2026-11-04")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = [row[0] for row in values].index("人数")
    assert values[header][:5] == ["人数", "已提交周报", "关闭服务单", "现场服务", "记录工时"]
    assert values[header + 1][:5] == [2, 2, 3, 3, 3.3]
    pdf = client.get(reverse("reports:meeting-pdf") + "?week=2026-11-04")
    assert pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(pdf.content)
    if text is not None:
        assert "周工作记录" in text and "王静" in text and "3.3" in text
    page = client.get(reverse("reports:meeting") + "?week=2026-11-04")
    assert page.status_code == 200 and "王静" in page.content.decode()


def test_monthly_project_summary_from_the_submitted_weeks(world, client):
    _submit(world.consultant, WEEK)
    _submit(world.consultant, NEXT)
    _submit(world.consultant, EARLIER)  # an October week
    _submit(world.hotline, WEEK)
    _submit(world.engineer, WEEK)
    weekly_report_draft(author=world.outsider, week_start=WEEK)  # a draft never counts
    summary = month_summary(user=world.director, year=2026, month=11)
    rows = {p["project__number"]: p for p in summary.projects}
    assert {k: (v["days"], v["hours"], v["people"], v["weeks"]) for k, v in rows.items()} == {
        world.p.number: (3, Decimal("23.5"), 1, 2),
        world.p2.number: (1, Decimal("4.0"), 1, 1),
    }
    customers = {
        c["customer__name"]: (c["tickets"], c["visits"], c["hours"]) for c in summary.customers
    }
    assert customers == {
        "甲机械有限公司": (2, 2, Decimal("2.3")),
        "乙电子有限公司": (1, 1, Decimal("1.0")),
    }
    assert summary.totals == {
        "hours": Decimal("30.8"), "project_hours": Decimal("27.5"), "tickets": 3,
        "visits": 3, "reports": 4,
    }  # fmt: skip
    # the implementation manager sees his team's projects, not the service team's customers
    mine = month_summary(user=world.im, year=2026, month=11)
    assert len(mine.projects) == 2 and mine.customers == []
    assert month_summary(user=world.director, year=2026, month=10).projects[0]["hours"] == Decimal(
        "6.0"
    )
    client.force_login(world.director)
    xlsx = client.get(reverse("reports:monthly-xlsx") + "?month=2026-11")
    values = [
        list(r) for r in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
    ]
    by_project = {r[0]: r[1:6] for r in values if r[0] and str(r[0]).startswith(world.p.number)}
    assert list(by_project.values()) == [["甲机械有限公司", 3, 23.5, 1, 2]]
    text = _pdf_text(client.get(reverse("reports:monthly-pdf") + "?month=2026-11").content)
    if text is not None:
        assert "月项目汇总表" in text and world.p.number in text and "23.5" in text
    assert client.get(reverse("reports:monthly") + "?month=2026-13").status_code == 200


def test_trip_report_drafted_once_submitted_to_the_tech_manager(world):
    visit = world.visits[0]
    report, created = trip_report_draft(dispatch=visit)
    again, created_again = trip_report_draft(dispatch=visit)
    assert created and not created_again and again.pk == report.pk
    assert report.author == world.engineer and "重建凭证模板" in report.what_happened
    assert report.customer_situation == "客户计划明年上线供应链模块"
    report = trip_report_edit(
        report, by=world.engineer, lessons="先备份再修复", suggestions="建议升级"
    )
    report = trip_report_submit(report, by=world.engineer)
    assert report.state == TripState.SUBMITTED
    assert Notification.objects.filter(recipient=world.tech, kind="trip_report_submitted").exists()
    # the briefing to sales of the week: visits per customer, with what the report says
    briefing, created = briefing_draft(author=world.tech, week_start=WEEK)
    assert created and not briefing_draft(author=world.tech, week_start=WEEK)[1]
    items = {i.customer.name: (i.visits, i.solved, i.notes) for i in briefing.items.all()}
    assert items["甲机械有限公司"][:2] == (2, 1) and "建议升级" in items["甲机械有限公司"][2]
    assert items["乙电子有限公司"][:2] == (1, 1)
    assert briefing_send(briefing, by=world.tech).state == "sent"
    assert Notification.objects.filter(recipient=world.sales, kind="sales_briefing_sent").exists()


def test_who_sees_whose_reports(world, client):
    hot = _submit(world.hotline, WEEK)
    out, _ = weekly_report_draft(author=world.outsider, week_start=WEEK)
    con, _ = weekly_report_draft(author=world.consultant, week_start=WEEK)
    assert set(WeeklyReport.objects.restrict(world.hotline)) == {hot}
    assert set(WeeklyReport.objects.restrict(world.manager)) == {hot}
    assert set(WeeklyReport.objects.restrict(world.im)) == {con}
    assert set(WeeklyReport.objects.restrict(world.director)) == {hot, out, con}
    assert not WeeklyReport.objects.restrict(world.sales).exists()
    client.force_login(world.engineer)
    assert client.get(hot.get_absolute_url()).status_code == 404
    assert client.get(reverse("reports:meeting")).status_code == 403
    assert client.get(reverse("reports:monthly")).status_code == 403
    client.force_login(world.manager)
    page = client.get(hot.get_absolute_url())
    assert page.status_code == 200 and "退回修改" in page.content.decode()
    # the manager may not edit the report (only its author)
    assert client.post(
        reverse("reports:weekly-edit", args=[hot.pk]), {"work_done": "x"}
    ).status_code in (403, 409)
    trip, _ = trip_report_draft(dispatch=world.visits[1])
    assert set(TripReport.objects.restrict(world.hotline)) == set()
    assert set(TripReport.objects.restrict(world.tech)) == {trip}
    briefing_draft(author=world.tech, week_start=WEEK)
    assert not SalesBriefing.objects.restrict(world.sales).exists()  # a draft is the tech manager's


def test_portal_edit_submit_print_and_excel(world, client):
    client.force_login(world.hotline)
    response = client.post(reverse("reports:weekly-new"))
    report = WeeklyReport.objects.get(author=world.hotline)
    assert response.status_code == 302
    page = client.get(report.get_absolute_url())
    assert page.status_code == 200 and "保存并提交" in page.content.decode()
    bad = client.post(
        reverse("reports:weekly-edit", args=[report.pk]), {"work_done": "", "then": "submit"}
    )
    assert bad.status_code == 409 and "先写本周完成的工作" in bad.content.decode()
    ok = client.post(
        reverse("reports:weekly-edit", args=[report.pk]),
        {
            "work_done": "处理服务单 3 个",
            "problems": "",
            "next_week": "回访",
            "other_work": "",
            "then": "submit",
        },
    )
    assert ok.status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(WeeklyReport).pk
    pdf = client.get(reverse("core:form-pdf", args=[ct, report.pk, "weekly_report"]))
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content)
    if text is not None:
        assert "工作周报" in text and "处理服务单 3 个" in text
    xlsx = client.get(reverse("reports:weekly-xlsx", args=[report.pk]))
    values = [
        list(r) for r in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
    ]
    assert values[0][0] == "工作周报" and "处理服务单 3 个" in [row[0] for row in values]
    figures = [row[0] for row in values].index("关闭服务单")
    assert values[figures + 1][:3] == [0, 0, 0]  # no tickets assigned to him this week


def _pdf_text(pdf: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode()
