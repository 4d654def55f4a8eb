"""The dashboard's charts, the tables behind them and their Excel exports (issue 16;
docs/architecture.md §dashboards)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .forms import DashboardPeriodForm
from .lists import workbook_bytes
from .selectors_dashboard import (
    COMPANY,
    TEAM,
    Period,
    chart_keys,
    dashboard_chart,
    dashboard_charts,
    dashboard_scope,
)


def _period(request: HttpRequest) -> tuple[DashboardPeriodForm, Period]:
    today = timezone.localdate()
    form = DashboardPeriodForm(
        request.GET or None, initial={"period": "month", "month": f"{today:%Y-%m}"}
    )
    return form, form.period_value(today)


def _period_words(period: Period) -> str:
    last = period.end - dt.timedelta(days=1)
    if period.kind == "month":
        return f"{period.start:%Y-%m}"
    if period.kind == "quarter":
        return _("Q%(quarter)d %(year)d") % {
            "quarter": (period.start.month - 1) // 3 + 1,
            "year": period.start.year,
        }
    return f"{period.start:%Y-%m-%d} – {last:%Y-%m-%d}"


def _scope_words(level: str) -> str:
    if level == COMPANY:
        return _("The whole company")
    if level == TEAM:
        return _("My team (everyone who reports to me)")
    return _("My own work")


@login_required
@require_GET
def charts(request: HttpRequest) -> HttpResponse:
    """Every chart the user may see for the chosen period, each with its table (one click:
    the table opens under the chart) and its Excel export."""
    form, period = _period(request)
    scope = dashboard_scope(user=request.user)
    sections = dashboard_charts(user=request.user, period=period, scope=scope)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "core/charts.html",
        {
            "form": form,
            "period": period,
            "period_words": _period_words(period),
            "scope_words": _scope_words(scope.level),
            "sections": sections,
            "query": request.GET.urlencode(),
        },
        status=status,
    )


@login_required
@require_GET
def chart_export(request: HttpRequest, key: str) -> HttpResponse:
    """The table behind one chart as an .xlsx (the same rows the page shows)."""
    if key not in chart_keys():
        raise Http404
    form, period = _period(request)
    if form.is_bound and not form.is_valid():
        return render(request, "core/charts.html", {"form": form, "sections": []}, status=400)
    chart = dashboard_chart(user=request.user, period=period, key=key)
    if chart is None:
        raise Http404
    title = f"{chart.title} {_period_words(period)}"
    content = workbook_bytes(chart.title, chart.headings(), chart.rows())
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(title)}.xlsx"
    return response
