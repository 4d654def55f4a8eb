"""Two workers draft the week at the same moment: one report and one set of lines
(docs/domain.md §reports.weekly)."""

from __future__ import annotations

import datetime as dt

import pytest

from servicedesk.core.choices import Role
from servicedesk.reports.models import SalesBriefing, WeeklyReport, WeeklyReportLine
from servicedesk.reports.services import briefing_draft, weekly_report_draft
from tests.races import race
from tests.tickets.factories import in_state, make_customer, sh, take_call

WEEK = dt.date(2026, 11, 2)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_draft_one_report(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    hotline = make_user(Role.HOTLINE_ENGINEER)
    tech = make_user(Role.TECH_MANAGER)
    customer = make_customer(manager)
    for day in (3, 4):
        in_state(
            take_call(manager, customer),
            "closed",
            assignee=hotline,
            closed_at=sh(2026, 11, day, 10, 0),
        )
    created: list[bool] = []

    def draft(barrier):
        barrier.wait(timeout=10)
        created.append(weekly_report_draft(author=hotline, week_start=WEEK)[1])
        briefing_draft(author=tech, week_start=WEEK)

    assert race(draft, draft) == ["ok", "ok"]
    assert sorted(created) == [False, True]
    report = WeeklyReport.objects.get(author=hotline, week_start=WEEK)
    assert report.tickets_closed == 2
    assert WeeklyReportLine.objects.filter(report=report).count() == 1
    assert SalesBriefing.objects.filter(author=tech, week_start=WEEK).count() == 1
