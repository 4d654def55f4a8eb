"""Demo reports (``manage.py demo``, after the other apps): this week's and last week's
weekly reports of the demo staff, some submitted, the trip reports of the demo's completed
visits and the technical manager's briefing to sales. Idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from .choices import BriefingState, ReportState, TripState
from .models import week_monday

TEXTS = {
    "wangjing": ("接听热线并关闭客户服务单，电话指导凭证模板修复。", "回访本周关闭的服务单客户。"),
    "chengang": ("上门处理客户账套无法过账问题，已解决并做好备份。", "复查客户服务器备份策略。"),
    "zhouqiang": ("完成总账初始化与期初数据导入，客户已确认实施日志。", "报表模块培训。"),
}


def load(stdout: Any = None) -> None:
    from fieldservice.models import Dispatch

    from .services import (
        briefing_draft,
        briefing_send,
        trip_report_draft,
        trip_report_edit,
        trip_report_submit,
        weekly_report_draft,
        weekly_report_edit,
        weekly_report_submit,
    )
    from .services.weekly import report_writers

    users = {u.username: u for u in get_user_model().objects.all()}
    this_week = week_monday(timezone.localdate())
    last_week = this_week - dt.timedelta(days=7)
    for user in report_writers():
        for week in (last_week, this_week):
            report, _created = weekly_report_draft(author=user, week_start=week)
            text = TEXTS.get(user.username)
            if week == last_week and text and report.state == ReportState.DRAFT:
                work, plan = text
                report = weekly_report_edit(
                    report,
                    by=user,
                    work_done=(report.work_done + "\n" + work).strip(),
                    next_week=plan,
                )
                weekly_report_submit(report, by=user)
    visits = Dispatch.objects.filter(engineer__isnull=False, completed_at__isnull=False)
    for dispatch in visits.select_related("engineer").order_by("pk")[:5]:
        trip, _created = trip_report_draft(dispatch=dispatch)
        if trip.state == TripState.DRAFT and trip.what_happened:
            trip = trip_report_edit(
                trip,
                by=trip.author,
                lessons="修复前先备份账套，避免数据丢失。",
                suggestions="建议客户安排年度巡检。",
            )
            trip_report_submit(trip, by=trip.author)
    tech = users.get("weidong")
    if tech is not None:
        # last week's briefing sent to sales, this week's a draft for the demo to send
        last, _created = briefing_draft(author=tech, week_start=last_week)
        if last.state == BriefingState.DRAFT:
            briefing_send(last, by=tech)
        briefing_draft(author=tech, week_start=this_week)
    if stdout:
        stdout.write("Reports demo loaded.")
