"""The dashboard's charts (issue 16 §4; docs/domain.md §dashboards): every figure checked
against numbers computed by hand from a small fixed data set, the Excel export read back
with openpyxl, the scope per role, and the SVG parsed (titled, no English on it).

The data (November 2026; "now" is 2026-12-06 12:00 Shanghai):

- deadlines started in November: callback — A met ×2, breached ×1; B met ×1, breached ×2
  (one met late); reply — A running ×1, paused ×1; C met ×1, breached ×1; fix — nobody,
  breached ×1; a cancelled one (not counted); October: A callback met ×1.
- calls: 11-02 A answered after 2 and 5 rings, one missed; 11-03 B answered after 1 ring.
- tickets: T1 (X, A) answered at once; T2 (Y, B) shelved then answered; T3 (X, A) sent on
  site; T5 (A) new; T4 (C, October) answered at once; T6 (C, today) shelved.
- visits: D1 A solved, on time; D2 A unsolved, 4 h 50 late against the first appointment
  (rescheduled); D3 B partly solved, 30 min late; D4 partner, solved, no appointment,
  1.5 person-days; D5 partner, solved, on time, 2 person-days (800 yuan a day).
- defects: fatal 2 days old; serious 40 and 100 days old; a closed general one.
- revisits (by C): November done (4 points), missed, overdue; October done (2 points);
  surveys sent by C answered in November with 5 and 3.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from openpyxl import load_workbook

from contracts.models import Revisit
from defects.models import Defect
from fieldservice.models import Dispatch
from servicedesk.core.choices import Role, timer_target_label
from servicedesk.core.models import SlaTimer, StaffProfile, WorkCalendar
from servicedesk.core.models.links import CustomerLink, SurveyAnswer
from servicedesk.core.people import display_name
from servicedesk.core.selectors_dashboard import (
    COMPANY,
    OWN,
    TEAM,
    TOP,
    dashboard_chart,
    dashboard_charts,
    dashboard_scope,
    period_month,
    period_quarter,
    period_range,
)
from tests.defects.factories import record_defect
from tests.fieldservice.factories import make_engineer, make_partner, new_dispatch
from tests.tickets.factories import make_customer, sh, take_call
from tickets.models import Call, Ticket

pytestmark = pytest.mark.django_db

NOW = sh(2026, 12, 6, 12, 0)
NOVEMBER = period_month(dt.date(2026, 11, 15))


@pytest.fixture
def data(make_user, clock):
    clock.set(NOW)
    director = make_user(Role.DIRECTOR, username="director", last_name="赵", first_name="总")
    manager = make_user(Role.SERVICE_MANAGER, username="manager", last_name="钱", first_name="经理")
    sales = make_user(Role.SALES_MANAGER, username="sales")
    hotline = make_user(Role.HOTLINE_ENGINEER, username="hotline")
    eng_a = make_engineer(make_user, username="eng_a")
    eng_b = make_engineer(make_user, username="eng_b")
    a, b = eng_a.user, eng_b.user
    c = make_user(Role.HOTLINE_ENGINEER, username="eng_c", last_name="孙", first_name="丙")
    for user, team, boss in (
        (a, "华东一组", manager),
        (b, "华东一组", manager),
        (c, "华南组", None),
    ):
        StaffProfile.objects.update_or_create(user=user, defaults={"team": team, "manager": boss})
    partner = make_partner(name="苏州信达")
    eng_p = make_engineer(make_user, username="eng_p", partner=partner)

    x = make_customer(
        sales,
        name="上海精密机械有限公司",
        short_name="精密机械",
        address="上海市浦东新区张江路 100 号",
    )
    y = make_customer(sales, name="苏州新材料有限公司", short_name="新材料")

    def ticket(customer, owner, received, *, state, answered=None, shelved=""):
        t = take_call(hotline, customer)
        Ticket.objects.filter(pk=t.pk).update(
            first_contact_owner=owner,
            assignee=owner,
            received_at=received,
            answered_at=answered,
            shelve_reason=shelved,
            state=state,
        )
        return Ticket.objects.get(pk=t.pk)

    t1 = ticket(x, a, sh(2026, 11, 3, 9), state="closed", answered=sh(2026, 11, 3, 9, 20))
    t2 = ticket(
        y, b, sh(2026, 11, 5, 9), state="closed", answered=sh(2026, 11, 5, 15), shelved="等测试"
    )
    t3 = ticket(x, a, sh(2026, 11, 10, 9), state="dispatched")
    ticket(y, a, sh(2026, 11, 20, 9), state="new")
    ticket(y, c, sh(2026, 10, 20, 9), state="closed", answered=sh(2026, 10, 20, 9, 30))
    ticket(y, c, NOW - dt.timedelta(hours=2), state="shelved", shelved="查资料")

    def dispatch(engineer, done, outcome, *, first=None, appointment=None, arrived, days=None):
        d = new_dispatch(
            manager, x, ticket=t3 if engineer is eng_a and outcome == "solved" else None
        )
        Dispatch.objects.filter(pk=d.pk).update(
            engineer=engineer,
            state="completed",
            completed_at=done,
            outcome=outcome,
            first_appointment_at=first,
            appointment_at=appointment or first,
            checked_in_at=arrived,
            person_days=days,
        )

    dispatch(
        eng_a,
        sh(2026, 11, 4, 12),
        "solved",
        first=sh(2026, 11, 4, 9),
        arrived=sh(2026, 11, 4, 8, 55),
    )
    dispatch(
        eng_a,
        sh(2026, 11, 6, 17),
        "unsolved",
        first=sh(2026, 11, 6, 9),
        appointment=sh(2026, 11, 6, 14),
        arrived=sh(2026, 11, 6, 13, 50),
    )
    dispatch(
        eng_b,
        sh(2026, 11, 7, 12),
        "partially_solved",
        first=sh(2026, 11, 7, 10),
        arrived=sh(2026, 11, 7, 10, 30),
    )
    dispatch(eng_p, sh(2026, 11, 8, 12), "solved", arrived=sh(2026, 11, 8, 9), days=Decimal("1.5"))
    dispatch(
        eng_p,
        sh(2026, 11, 20, 12),
        "solved",
        first=sh(2026, 11, 20, 9),
        arrived=sh(2026, 11, 20, 9),
        days=Decimal("2"),
    )

    Call.objects.create(
        caller_phone="1", started_at=sh(2026, 11, 2, 9), answered=True, rings=2, engineer=a
    )
    Call.objects.create(
        caller_phone="2", started_at=sh(2026, 11, 2, 10), answered=True, rings=5, engineer=a
    )
    Call.objects.create(caller_phone="3", started_at=sh(2026, 11, 2, 11), answered=False, rings=9)
    Call.objects.create(
        caller_phone="4", started_at=sh(2026, 11, 3, 9), answered=True, rings=1, engineer=b
    )

    # Deadlines: only the fixed ones below (the services above started their own).
    SlaTimer.objects.all().delete()
    calendar = WorkCalendar.objects.first()
    ticket_type = ContentType.objects.get_for_model(Ticket)
    group_type = ContentType.objects.get_for_model(Group)
    subjects = iter(range(100))

    def timer(target, who, state, *, on=None, subject=None, met_late=False):
        on = on or sh(2026, 11, 10, 9)
        SlaTimer.objects.create(
            subject_type=ticket_type if subject else group_type,
            subject_id=subject.pk
            if subject
            else Group.objects.create(name=f"subject-{next(subjects)}").pk,
            target=target,
            calendar=calendar,
            amount=1,
            unit="hours",
            assignee=who,
            owner_role="" if who else Role.TESTER,
            state=state,
            started_at=on,
            due_at=on + dt.timedelta(hours=1),
            warn_at=on + dt.timedelta(minutes=48),
            met_at=on + dt.timedelta(hours=2) if state == "met" or met_late else None,
            # As the timer service does when it starts a timer.
            subject_customer_id=subject.customer_id if subject else None,
        )

    timer("callback", a, "met", subject=t1)
    timer("callback", a, "met", subject=t1)
    timer("callback", a, "breached", subject=t1)
    timer("reply", a, "running")
    timer("reply", a, "paused")
    timer("callback", b, "met", subject=t2)
    timer("callback", b, "breached", subject=t2)
    timer("callback", b, "breached", subject=t2, met_late=True)
    timer("reply", c, "met")
    timer("reply", c, "breached")
    timer("callback", a, "cancelled")
    timer("fix", None, "breached")
    timer("callback", a, "met", on=sh(2026, 10, 15, 9))

    for severity, days, state in (
        ("fatal", 2, "reported"),
        ("serious", 40, "in_fix"),
        ("serious", 100, "verified"),
        ("general", 5, "closed"),
    ):
        d = record_defect(director, severity=severity, customer=x)
        Defect.objects.filter(pk=d.pk).update(
            reported_at=NOW - dt.timedelta(days=days), state=state, assignee=a
        )

    def revisit(due, state, *, done=None, score=None):
        Revisit.objects.create(
            customer=x, due_on=due, state=state, assignee=c, done_at=done, satisfaction=score
        )

    revisit(dt.date(2026, 11, 5), "done", done=sh(2026, 11, 5, 10), score=4)
    revisit(dt.date(2026, 11, 12), "missed")
    revisit(dt.date(2026, 11, 25), "scheduled")
    revisit(dt.date(2026, 12, 20), "scheduled")
    revisit(dt.date(2026, 10, 12), "done", done=sh(2026, 10, 12, 10), score=2)
    for n, score in enumerate((5, 3)):
        link = CustomerLink.objects.create(
            purpose="survey",
            token_sha256=f"{n:064d}",
            target_type=ticket_type,
            target_id=(t1, t2)[n].pk,
            contact_name="王主任",
            expires_at=NOW,
            created_by=c,
        )
        SurveyAnswer.objects.create(
            link=link, score=score, would_recommend=True, answered_at=sh(2026, 11, 9 + n, 10)
        )
    return {"director": director, "manager": manager, "a": a, "b": b, "c": c}


def figures(chart) -> dict[str, list]:
    """``{category: [value of each series]}`` — the table behind the chart."""
    return {row[0]: row[1:] for row in chart.rows()}


def chart_of(user, key, period=NOVEMBER):
    with translation.override("zh-hans"):
        return dashboard_chart(user=user, period=period, key=key)


def test_scope_per_role(data):
    assert dashboard_scope(user=data["director"]).level == COMPANY
    team = dashboard_scope(user=data["manager"])
    assert team.level == TEAM
    assert set(team.people) == {data["manager"].pk, data["a"].pk, data["b"].pk}
    own = dashboard_scope(user=data["c"])
    assert (own.level, own.people) == (OWN, (data["c"].pk,))


def test_sla_by_kind_for_the_company_the_team_and_one_engineer(data):
    # columns: met, breached, running, compliance %
    company = figures(chart_of(data["director"], "sla_kind"))
    assert sorted(company.values()) == sorted([[3, 3, 0, 50.0], [1, 1, 2, 50.0], [0, 1, 0, 0.0]])
    with translation.override("zh-hans"):
        callback = timer_target_label("callback")
    assert company[callback] == [3, 3, 0, 50.0]
    team = sorted(figures(chart_of(data["manager"], "sla_kind")).values())
    assert team == sorted([[3, 3, 0, 50.0], [0, 0, 2, None]])
    own = list(figures(chart_of(data["c"], "sla_kind")).values())
    assert own == [[1, 1, 0, 50.0]]


def test_sla_by_person_team_customer_and_month(data):
    names = figures(chart_of(data["director"], "sla_engineer"))
    assert names[display_name(data["a"])] == [2, 1, 2, 66.7]
    assert names[display_name(data["b"])] == [1, 2, 0, 33.3]
    assert names["孙丙"] == [1, 1, 0, 50.0]
    assert len(names) == 4  # and the deadline of a role, no one person
    assert figures(chart_of(data["director"], "sla_team")) == {
        "华东一组": [3, 3, 2, 50.0],
        "华南组": [1, 1, 0, 50.0],
        "（未分组）": [0, 1, 0, 0.0],
    }
    by_customer = figures(chart_of(data["director"], "sla_customer"))
    assert by_customer["精密机械"] == [2, 1, 0, 66.7]
    assert by_customer["新材料"] == [1, 2, 0, 33.3]
    assert by_customer["（无客户）"] == [1, 2, 2, 33.3]
    months = figures(chart_of(data["director"], "sla_month"))
    assert list(months) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert months["2026-10"] == [1, 0, 0, 100.0]
    assert months["2026-11"] == [4, 5, 2, 44.4]
    assert months["2026-09"] == [0, 0, 0, None]
    # By team and by person are for the company and managers, not for one's own work.
    assert chart_of(data["c"], "sla_team") is None
    assert chart_of(data["c"], "sla_engineer") is None


def test_hotline_connect_rate_and_rings(data):
    rate = chart_of(data["director"], "hotline_rate")
    # connect rate %, calls, answered
    assert figures(rate) == {"11-02": [66.7, 3, 2], "11-03": [100.0, 1, 1]}
    assert rate.target == 90.0
    rings = chart_of(data["director"], "hotline_rings")
    assert figures(rings) == {"11-02": [3.5, 1], "11-03": [1.0, 0]}
    assert rings.target == 3
    # The team answered both of its calls on 11-02; the missed call was nobody's on duty.
    assert figures(chart_of(data["manager"], "hotline_rate"))["11-02"] == [100.0, 2, 2]
    # A quarter is shown by month.
    quarter = chart_of(data["director"], "hotline_rate", period_quarter(dt.date(2026, 11, 1)))
    assert figures(quarter) == {"2026-11": [75.0, 4, 3]}


def test_first_call_resolution_and_backlog(data):
    fcr = figures(chart_of(data["director"], "fcr"))
    # rate %, received, answered on the first contact
    assert fcr["2026-10"] == [100.0, 1, 1]
    assert fcr["2026-11"] == [25.0, 4, 1]
    assert fcr["2026-09"] == [None, 0, 0]
    assert figures(chart_of(data["manager"], "fcr"))["2026-10"] == [None, 0, 0]
    # ≤1 day, 1–3, 3–7, 7–30, >30 days
    assert figures(chart_of(data["director"], "backlog")) == {
        "新建": [0, 0, 0, 1, 0],
        "已搁置": [1, 0, 0, 0, 0],
        "已派工": [0, 0, 0, 1, 0],
    }
    assert figures(chart_of(data["c"], "backlog")) == {"已搁置": [1, 0, 0, 0, 0]}


def test_visits_outcomes_punctuality_and_partners(data):
    outcomes = chart_of(data["director"], "dispatch_outcome")
    assert [row[1] for row in outcomes.rows()] == [3, 1, 1]  # solved, partly, unsolved
    team = chart_of(data["manager"], "dispatch_outcome")
    assert [row[1] for row in team.rows()] == [1, 1, 1]
    arrival = chart_of(data["director"], "dispatch_arrival")
    # visits, share of those with an appointment: on time, ≤ 1 h late, later, none
    assert [row[1:] for row in arrival.rows()] == [[2, 50.0], [1, 25.0], [1, 25.0], [1, None]]
    assert [row[1] for row in chart_of(data["manager"], "dispatch_arrival").rows()] == [1, 1, 1, 0]
    a_own = chart_of(data["a"], "dispatch_arrival")
    assert [row[1] for row in a_own.rows()] == [1, 0, 1, 0]
    assert figures(chart_of(data["director"], "partners")) == {"苏州信达": [3.5, 2800.0]}
    assert chart_of(data["a"], "partners") is None


def test_defect_aging_revisits_and_satisfaction(data):
    # ≤ 7 days, 7–30, 30–90, > 90 days
    assert figures(chart_of(data["director"], "defect_aging")) == {
        "致命": [1, 0, 0, 0],
        "严重": [0, 0, 1, 1],
        "重要": [0, 0, 0, 0],
        "一般": [0, 0, 0, 0],
    }
    revisits = figures(chart_of(data["director"], "revisits"))
    # done, missed or overdue, not yet due, coverage %
    assert revisits["2026-11"] == [1, 2, 0, 33.3]
    assert revisits["2026-10"] == [1, 0, 0, 100.0]
    assert figures(chart_of(data["manager"], "revisits"))["2026-11"] == [0, 0, 0, None]
    satisfaction = figures(chart_of(data["director"], "satisfaction"))
    # revisits' average, surveys' average, revisits answered, survey answers
    assert satisfaction["2026-11"] == [4.0, 4.0, 1, 2]
    assert satisfaction["2026-10"] == [2.0, None, 1, 0]
    # The hotline engineer reads no survey answers (a manager's permission).
    assert figures(chart_of(data["c"], "satisfaction"))["2026-11"] == [4.0, None, 1, 0]
    assert figures(chart_of(data["manager"], "satisfaction"))["2026-11"] == [None, None, 0, 0]


ENGLISH = re.compile(r"[A-Za-z]{2,}")


def test_page_svg_is_titled_and_chinese_and_each_table_is_there(data, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(data["director"])
    page = client.get("/charts/", {"period": "month", "month": "2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    keys = re.findall(r'data-chart="([a-z_]+)"', html)
    assert len(svgs) == len(keys) == 15
    for svg in svgs:
        root = ET.fromstring(svg)
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        title = root.find(f"{ns}title").text
        assert title and not ENGLISH.search(title)
        for node in root.iter():
            for text in (node.text or "", node.get("aria-label") or ""):
                assert not ENGLISH.search(text), (title, text)
    for key in keys:
        assert f'data-testid="table-{key}"' in html
        assert f"/charts/{key}.xlsx?period=month&amp;month=2026-11" in html
    assert "精密机械" in html and "修复" in html
    assert not re.search(r">\s*(met|breached|running|callback|solved)\s*<", html)


def test_export_is_the_table_behind_the_chart(data, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(data["director"])
    response = client.get("/charts/sla_team.xlsx", {"period": "month", "month": "2026-11"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["团队", "已达成（件）", "已超时（件）", "进行中（件）", "达成率（%）"]
    assert sorted(rows[1:]) == sorted(
        [["华东一组", 3, 3, 2, 50], ["华南组", 1, 1, 0, 50], ["（未分组）", 0, 1, 0, 0]]
    )
    partners = client.get("/charts/partners.xlsx", {"period": "month", "month": "2026-11"})
    sheet = load_workbook(BytesIO(partners.content)).active
    assert list(sheet.iter_rows(values_only=True))[1] == ("苏州信达", 3.5, 2800)
    # A chart the user may not see is not exported; an unknown chart is a 404.
    client.force_login(data["c"])
    assert client.get("/charts/partners.xlsx").status_code == 404
    assert client.get("/charts/nothing.xlsx").status_code == 404


def test_period_errors_are_told_in_chinese(data, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(data["manager"])
    page = client.get("/charts/", {"period": "range", "start": "2026-11-10", "end": "2026-11-01"})
    assert page.status_code == 400
    assert "结束日不能早于开始日" in page.content.decode()
    page = client.get("/charts/", {"period": "month", "month": "十一月"})
    assert page.status_code == 400
    assert "YYYY-MM" in page.content.decode()
    ok = client.get("/charts/", {"period": "range", "start": "2026-11-01", "end": "2026-11-30"})
    assert ok.status_code == 200
    assert "我的团队" in ok.content.decode()


def test_charts_cost_a_constant_number_of_queries(data, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        sections = dashboard_charts(user=data["director"], period=NOVEMBER)
    assert sum(len(charts) for _title, charts in sections) == 15


def test_a_quarter_counts_calls_by_local_month(data):
    """By month, a call belongs to the month of its local time (the months' bounds in
    Shanghai time, not UTC), in a quarter and in a range starting mid-month; the team's
    figures are its own calls."""
    a, b, c = data["a"], data["b"], data["c"]
    Call.objects.create(
        caller_phone="5", started_at=sh(2026, 10, 31, 23, 30), answered=True, rings=4, engineer=a
    )
    Call.objects.create(
        caller_phone="6", started_at=sh(2026, 11, 30, 23, 59), answered=False, rings=6
    )
    Call.objects.create(
        caller_phone="7", started_at=sh(2026, 12, 1, 0, 0), answered=True, rings=2, engineer=b
    )
    Call.objects.create(
        caller_phone="8", started_at=sh(2026, 10, 10, 9), answered=True, rings=1, engineer=c
    )
    quarter = period_quarter(dt.date(2026, 11, 1))
    # connect rate %, calls, answered
    assert figures(chart_of(data["director"], "hotline_rate", quarter)) == {
        "2026-10": [100.0, 2, 2],
        "2026-11": [60.0, 5, 3],
        "2026-12": [100.0, 1, 1],
    }
    # average rings, answered after more than 3
    assert figures(chart_of(data["director"], "hotline_rings", quarter)) == {
        "2026-10": [2.5, 1],
        "2026-11": [2.67, 1],
        "2026-12": [2.0, 0],
    }
    late_october = period_range(dt.date(2026, 10, 15), dt.date(2026, 12, 31))
    assert figures(chart_of(data["director"], "hotline_rate", late_october))["2026-10"] == [
        100.0,
        1,
        1,
    ]
    assert figures(chart_of(data["manager"], "hotline_rate", quarter)) == {
        "2026-10": [100.0, 1, 1],
        "2026-11": [100.0, 3, 3],
        "2026-12": [100.0, 1, 1],
    }


def test_deadlines_by_customer_show_the_largest_and_sum_the_rest(data, make_user):
    """More customers than the chart shows: the largest ``TOP`` (equal ones in the order
    of their keys), then one "others" row with the rest, so the chart adds up to the
    deadlines by kind."""
    sales = make_user(Role.SALES_MANAGER, username="sales-top")
    ticket_type = ContentType.objects.get_for_model(Ticket)
    calendar = WorkCalendar.objects.first()
    on = sh(2026, 9, 2, 9)
    expected = {}
    for n in range(TOP + 4):
        customer = make_customer(sales, short_name=f"客户{n:02d}")
        states = ["met"] * (n % 3 + 1) + ["breached"] * (n % 2)
        for state in states:
            SlaTimer.objects.create(
                subject_type=ticket_type,
                subject_id=10_000 + n,
                target="callback",
                calendar=calendar,
                amount=1,
                unit="hours",
                assignee=data["a"],
                state=state,
                started_at=on,
                due_at=on + dt.timedelta(hours=1),
                warn_at=on + dt.timedelta(minutes=48),
                subject_customer_id=customer.pk,
            )
        expected[customer.pk] = (customer.short_name, states.count("met"), states.count("breached"))
    september = period_month(dt.date(2026, 9, 1))
    ranked = sorted(expected, key=lambda pk: (-sum(expected[pk][1:]), pk))
    shown = {expected[pk][0]: list(expected[pk][1:]) for pk in ranked[:TOP]}
    rest = [sum(expected[pk][i] for pk in ranked[TOP:]) for i in (1, 2)]
    chart = chart_of(data["director"], "sla_customer", september)
    table = figures(chart)
    assert list(table)[:TOP] == list(shown)
    with translation.override("zh-hans"):
        others = translation.gettext("Others")
    assert {name: row[:2] for name, row in table.items()} == {**shown, others: rest}
    by_kind = figures(chart_of(data["director"], "sla_kind", september))
    assert [sum(row[i] for row in table.values()) for i in (0, 1, 2)] == [
        sum(row[i] for row in by_kind.values()) for i in (0, 1, 2)
    ]
