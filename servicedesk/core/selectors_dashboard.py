"""The figures behind the dashboard's charts (issue 16; docs/architecture.md §dashboards).

Every figure is counted by the database (``Count``/``Avg``/``Sum`` with ``filter=``,
grouped with ``values()``): no row is loaded into Python to be counted, so the page costs
the same number of queries at 1,000 and at 200,000 tickets.

Scope (docs/domain.md §dashboards): a director (and the auditor) sees the company,
a manager the people who report to them (``team_of``), anyone else their own work. The
records are also restricted as everywhere else (``restrict(user)``), so a partner
engineer never counts another partner's work.

The models of the apps are reached through the app registry: the kernel imports no app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .charts import Chart, Series
from .choices import Role, TimerState, timer_target_label
from .people import display_name
from .selectors import team_of
from .types import User

COMPANY, TEAM, OWN = "company", "team", "own"
CONNECT_RATE_TARGET = 90.0  # percent of calls answered (docs/domain.md §hotline.calls)
RINGS_TARGET = 3
TOP = 12  # engineers, customers, teams shown; the rest are summed as "others"
TREND_MONTHS = 6


# -- period and scope ---------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end) in local days; ``kind`` month / quarter / range."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def begin_at(self) -> dt.datetime:
        return _aware(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return _aware(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def months(self) -> list[dt.date]:
        """The first days of the months the period touches."""
        months = [self.start.replace(day=1)]
        while _add_months(months[-1], 1) < self.end:
            months.append(_add_months(months[-1], 1))
        return months

    def trend_months(self) -> list[dt.date]:
        """The first days of the months shown by the trends: the period's months, and
        earlier ones so that at least ``TREND_MONTHS`` are shown."""
        months = self.months()
        while len(months) < TREND_MONTHS:
            months.insert(0, _add_months(months[0], -1))
        return months


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def period_month(day: dt.date) -> Period:
    first = day.replace(day=1)
    return Period("month", first, _add_months(first, 1))


def period_quarter(day: dt.date) -> Period:
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return Period("quarter", first, _add_months(first, 3))


def period_range(start: dt.date, last: dt.date) -> Period:
    return Period("range", start, last + dt.timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    level: str  # company / team / own
    people: tuple[int, ...]  # empty for the company

    def q(self, *paths: str) -> Q:
        """Rows whose person at any of ``paths`` is in the scope (all rows for the company)."""
        if self.level == COMPANY:
            return Q()
        q = Q()
        for path in paths:
            q |= Q(**{f"{path}__in": self.people})
        return q


def dashboard_scope(*, user: User) -> Scope:
    """The director and the auditor see the company, a manager their team, anyone else
    their own work (docs/domain.md §dashboards)."""
    if user.is_superuser or user.groups.filter(name__in=[Role.DIRECTOR, Role.AUDITOR]).exists():
        return Scope(COMPANY, ())
    team = team_of(user)
    return Scope(TEAM if len(team) > 1 else OWN, tuple(team))


# -- helpers -----------------------------------------------------------------------------


def _model(label: str) -> Any:
    return apps.get_model(label)


def _may(user: User, label: str) -> bool:
    app, model = label.split(".")
    return bool(user.has_perm(f"{app}.view_{model.lower()}"))


def _month_label(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _pct(part: int | None, whole: int | None) -> float | None:
    return round(100 * (part or 0) / whole, 1) if whole else None


def _month_of(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _by_month(
    qs: QuerySet, field: str, months: list[dt.date], counts: dict[str, Q]
) -> list[dict[str, int]]:
    """For each of ``months`` (local), the number of rows of ``qs`` matching each of
    ``counts`` whose ``field`` falls in that month: one pass over the rows of the
    months, counted with ``filter=`` (no grouping by a computed month, so no sort of
    100,000 rows; docs/architecture.md §dashboards)."""
    bounds = [(_aware(m), _aware(_add_months(m, 1))) for m in months]
    qs = qs.filter(**{f"{field}__gte": bounds[0][0], f"{field}__lt": bounds[-1][1]})
    found = qs.aggregate(
        **{
            f"{key}_{i}": Count("pk", filter=q & Q(**{f"{field}__gte": begin, f"{field}__lt": end}))
            for i, (begin, end) in enumerate(bounds)
            for key, q in counts.items()
        }
    )
    return [{key: found[f"{key}_{i}"] for key in counts} for i in range(len(months))]


# -- the six-month trends' short cache ----------------------------------------------------

#: How old the figures of a six-month trend may be (docs/architecture.md §dashboards).
TREND_CACHE_SECONDS = 60
#: The records the cached trends count: any save or delete of one starts new figures.
TREND_MODELS = ("core.SlaTimer", "tickets.Ticket", "fieldservice.Dispatch")
_VERSION_KEY = "charts:data-version"


def charts_data_changed(**kwargs: Any) -> None:
    """post_save / post_delete of a ``TREND_MODELS`` record: a new data version, so no
    cached trend counted before it is shown again (in this process at once; in the
    others at once with a shared cache, else within ``TREND_CACHE_SECONDS``)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(_VERSION_KEY, 1, None)


def _trend_cached(
    name: str,
    user: User,
    scope: Scope,
    months: list[dt.date],
    count: Callable[[], list[dict[str, int]]],
) -> list[dict[str, int]]:
    """The figures of a six-month trend (100,000 rows and more at size), counted at most
    once a minute for the same person, scope, months and data version."""
    version = cache.get_or_set(_VERSION_KEY, 0, None)
    people = hashlib.sha256(",".join(map(str, scope.people)).encode()).hexdigest()[:16]
    key = f"charts:{name}:{user.pk}:{scope.level}:{people}:{months[0]}:{len(months)}:{version}"
    rows = cache.get(key)
    if rows is None:
        rows = count()
        cache.set(key, rows, TREND_CACHE_SECONDS)
    return list(rows)


def _of(qs: QuerySet, ids: list[int]) -> QuerySet:
    """The rows of ``ids``, read even when there are none (Django skips a query for an
    empty ``IN``): the page costs the same number of queries whatever the data."""
    return qs.filter(pk__in=ids) if ids else qs.filter(pk__isnull=True)


def _names(user_ids: list[int]) -> dict[int, str]:
    return {u.pk: display_name(u) for u in _of(get_user_model().objects.all(), user_ids)}


# -- SLA compliance ----------------------------------------------------------------------

SLA_STATES = [
    ("met", Q(state=TimerState.MET)),
    ("breached", Q(state=TimerState.BREACHED)),
    ("running", Q(state__in=[TimerState.RUNNING, TimerState.PAUSED])),
]


def _sla_counts() -> dict[str, Count]:
    return {key: Count("pk", filter=q) for key, q in SLA_STATES}


def _sla_series(rows: list[dict[str, Any]]) -> list[Series]:
    met = [r["met"] for r in rows]
    breached = [r["breached"] for r in rows]
    return [
        Series(pgettext("sla", "Met"), met, "met"),
        Series(pgettext("sla", "Breached"), breached, "breached"),
        Series(pgettext("sla", "Running"), [r["running"] for r in rows], "running"),
        Series(
            _("Compliance"),
            [_pct(m, m + b) for m, b in zip(met, breached, strict=True)],
            plot=False,
            unit="%",
        ),
    ]


def _timers(user: User, scope: Scope, period: Period | None = None) -> QuerySet:
    qs = (
        _model("core.SlaTimer")
        .objects.restrict(user)
        .exclude(state=TimerState.CANCELLED)
        .filter(scope.q("assignee_id"))
    )
    if period is not None:
        qs = qs.filter(started_at__gte=period.begin_at, started_at__lt=period.end_at)
    return qs


def _sla_chart(
    key: str, title: str, category_label: str, rows: list[dict[str, Any]], labels: list[str]
) -> Chart:
    return Chart(
        key=key,
        title=title,
        kind="stacked",
        category_label=category_label,
        categories=labels,
        series=_sla_series(rows),
        unit=_("items"),
        horizontal=True,
        empty_text=_("No deadlines started in this period."),
        note=_("Deadlines started in the period; compliance = met ÷ (met + breached)."),
    )


def _top(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The ``TOP`` largest groups, and the rest summed as one row (key None)."""
    rows = sorted(rows, key=lambda r: -(r["met"] + r["breached"] + r["running"]))
    if len(rows) <= TOP:
        return rows
    rest = {key: "__rest__", "met": 0, "breached": 0, "running": 0}
    for row in rows[TOP:]:
        for k in ("met", "breached", "running"):
            rest[k] += row[k]
    return [*rows[:TOP], rest]


#: What the charts of one page share (``dashboard_charts`` sets it; ``_shared`` reads it).
_page: ContextVar[dict[Any, Any] | None] = ContextVar("charts_page", default=None)


def _shared(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per page for ``key`` (every time outside ``dashboard_charts``)."""
    page = _page.get()
    if page is None:
        return compute()
    if key not in page:
        page[key] = compute()
    return page[key]


def _sla_by_kind_and_person(user: User, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """The period's deadlines counted per kind and person, in the database's order of the
    kind: one pass over the period's timers for the charts by kind, by person and by team
    (each grouped its own rows before: three passes over 50,000 timers in a quarter)."""
    return _shared(
        ("sla_kind_person", user.pk, scope, period),
        lambda: list(
            _timers(user, scope, period)
            .values("target", "assignee_id")
            .annotate(**_sla_counts())
            .order_by("target", "assignee_id")
        ),
    )


def _sla_sum(
    rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any], name: str
) -> list[dict[str, Any]]:
    """``rows`` summed per ``key(row)`` as ``{name: key, met, breached, running}``, in the
    order the keys first appear."""
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        k = key(row)
        total = out.get(k)
        if total is None:
            total = out[k] = {name: k, "met": 0, "breached": 0, "running": 0}
        for state in ("met", "breached", "running"):
            total[state] += row[state]
    return list(out.values())


def sla_by_kind(*, user: User, scope: Scope, period: Period) -> Chart:
    rows = _sla_sum(_sla_by_kind_and_person(user, scope, period), itemgetter("target"), "target")
    rows = _top(rows, "target")
    labels = [
        _("Others") if r["target"] == "__rest__" else timer_target_label(r["target"]) for r in rows
    ]
    return _sla_chart("sla_kind", _("Deadlines by kind"), _("Deadline"), rows, labels)


def sla_by_team(*, user: User, scope: Scope, period: Period) -> Chart:
    counted = _sla_by_kind_and_person(user, scope, period)
    ids = {r["assignee_id"] for r in counted} - {None}
    # each person's team (none: ""), in the database's order of the teams
    teams = dict(
        _of(get_user_model().objects.all(), list(ids))
        .annotate(team=Coalesce("profile__team", Value("")))
        .order_by("team", "pk")
        .values_list("pk", "team")
    )
    order = {"": -1}  # no team: the empty string, first in any collation
    for team in teams.values():
        order.setdefault(team, len(order))
    rows = _sla_sum(counted, lambda r: teams.get(r["assignee_id"], ""), "team")
    rows.sort(key=lambda r: order[r["team"]])
    rows = _top(rows, "team")
    labels = [
        _("Others") if r["team"] == "__rest__" else (r["team"] or _("(no team)")) for r in rows
    ]
    return _sla_chart("sla_team", _("Deadlines by team"), _("Team"), rows, labels)


def sla_by_engineer(*, user: User, scope: Scope, period: Period) -> Chart:
    rows = _sla_sum(
        _sla_by_kind_and_person(user, scope, period), itemgetter("assignee_id"), "assignee_id"
    )
    # by person as the database orders them: the deadlines of a role (no one person) last
    # on PostgreSQL, first on SQLite
    none_at = 1 if connection.features.nulls_order_largest else -1
    rows.sort(key=lambda r: (none_at, 0) if r["assignee_id"] is None else (0, r["assignee_id"]))
    rows = _top(rows, "assignee_id")
    names = _names([r["assignee_id"] for r in rows if isinstance(r["assignee_id"], int)])
    labels = [
        _("Others")
        if r["assignee_id"] == "__rest__"
        else names.get(r["assignee_id"], "") or _("(a role, no one person)")
        for r in rows
    ]
    return _sla_chart("sla_engineer", _("Deadlines by person"), _("Person"), rows, labels)


def sla_by_customer(*, user: User, scope: Scope, period: Period) -> Chart:
    # The largest TOP (+1: are there more?) chosen by the database, as ``_top`` would
    # choose them from all rows ordered by customer; the rest is the period's totals (the
    # counts by kind and person) less theirs. Reading every customer's row (10,000 in a
    # quarter) cost more than counting them.
    total = F("met") + F("breached") + F("running")
    rows = list(
        _timers(user, scope, period)
        .values(customer_key=F("subject_customer_id"))
        .annotate(**_sla_counts())
        .order_by(total.desc(), "customer_key")[: TOP + 1]
    )
    totals = _sla_sum(_sla_by_kind_and_person(user, scope, period), lambda r: 0, "all")
    if len(rows) > TOP:
        rest = {"customer_key": "__rest__"}
        for state in ("met", "breached", "running"):
            rest[state] = totals[0][state] - sum(r[state] for r in rows[:TOP])
        rows = [*rows[:TOP], rest]
    ids = [r["customer_key"] for r in rows if isinstance(r["customer_key"], int)]
    names = {
        c.pk: (c.short_name or c.name) if hasattr(c, "short_name") else str(c)
        for c in _of(_model("contracts.Customer").objects.all(), ids)
    }
    labels = [
        _("Others")
        if r["customer_key"] == "__rest__"
        else names.get(r["customer_key"], "") or _("(no customer)")
        for r in rows
    ]
    return _sla_chart("sla_customer", _("Deadlines by customer"), _("Customer"), rows, labels)


def sla_by_month(*, user: User, scope: Scope, period: Period) -> Chart:
    months = period.trend_months()
    rows = _trend_cached(
        "sla_month",
        user,
        scope,
        months,
        lambda: _by_month(_timers(user, scope), "started_at", months, dict(SLA_STATES)),
    )
    chart = _sla_chart(
        "sla_month", _("Deadlines by month"), _("Month"), rows, [_month_label(m) for m in months]
    )
    chart.horizontal = False
    return chart


# -- hotline -----------------------------------------------------------------------------


def _calls(user: User, scope: Scope, period: Period) -> QuerySet:
    from tickets.services.calls import on_duty_engineer  # the roster's rule, not a copy

    qs = (
        _model("tickets.Call")
        .objects.restrict(user)
        .filter(started_at__gte=period.begin_at, started_at__lt=period.end_at)
    )
    if scope.level != COMPANY:
        # A missed call counts for whoever was on duty when it rang.
        qs = qs.annotate(duty=on_duty_engineer()).filter(
            Q(engineer_id__in=scope.people) | Q(engineer__isnull=True, duty__in=scope.people)
        )
    return qs


def _month_index(field: str, months: list[dt.date]) -> Case:
    """Which of ``months`` (local) the row's ``field`` falls in, for rows already within
    them: a comparison with the months' bounds. Grouping by the local month itself
    (``TruncMonth``) converts every row's time to local time — 200,000 calls in a quarter
    spent most of the chart's ~110 ms in that conversion and in sorting the rows on disk
    to group them, as PostgreSQL cannot tell how few months there are."""
    return Case(
        *[
            When(**{f"{field}__lt": _aware(_add_months(month, 1))}, then=Value(i))
            for i, month in enumerate(months[:-1])
        ],
        default=Value(len(months) - 1),
        output_field=IntegerField(),
    )


def hotline(*, user: User, scope: Scope, period: Period) -> list[Chart]:
    by_month = period.days > 62
    answered = Q(answered=True)
    figures = {
        "calls": Count("pk"),
        "answered_calls": Count("pk", filter=answered),
        "avg_rings": Avg("rings", filter=answered),
        "over": Count("pk", filter=answered & Q(rings__gt=RINGS_TARGET)),
    }
    # The few groups are sorted here, not by the database: it does not know how few
    # months or days there are, and sorted all the period's calls to group them in order
    # (on disk in a quarter) where hashing them is enough.
    calls_qs = _calls(user, scope, period)
    if by_month:
        months = period.months()
        rows = list(
            calls_qs.annotate(month=_month_index("started_at", months))
            .values("month")
            .annotate(**figures)
            .order_by()
        )
        rows.sort(key=itemgetter("month"))
        labels = [_month_label(months[r["month"]]) for r in rows]
    else:
        rows = list(
            calls_qs.annotate(day=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
            .values("day")
            .annotate(**figures)
            .order_by()
        )
        rows.sort(key=itemgetter("day"))
        labels = [f"{r['day']:%m-%d}" for r in rows]
    calls = [r["calls"] for r in rows]
    answered_calls = [r["answered_calls"] for r in rows]
    rate = [_pct(a, c) for a, c in zip(answered_calls, calls, strict=True)]
    rings = [round(float(r["avg_rings"]), 2) if r["avg_rings"] is not None else None for r in rows]
    period_word = _("Month") if by_month else _("Day")
    empty = _("No calls in this period.")
    return [
        Chart(
            key="hotline_rate",
            title=_("Hotline connect rate"),
            kind="line",
            category_label=period_word,
            categories=labels,
            series=[
                Series(_("Connect rate"), rate, "running", unit="%"),
                Series(_("Calls"), calls, plot=False, unit=_("items")),
                Series(pgettext("call", "Answered"), answered_calls, plot=False, unit=_("items")),
            ],
            unit="%",
            target=CONNECT_RATE_TARGET,
            target_label=_("Target ≥ 90 %"),
            empty_text=empty,
            note=_("Answered calls ÷ all calls from the phone system."),
        ),
        Chart(
            key="hotline_rings",
            title=_("Rings before answer"),
            kind="bar",
            category_label=period_word,
            categories=labels,
            series=[
                Series(_("Average rings"), rings, "c1"),
                Series(
                    _("Answered after more than 3 rings"),
                    [r["over"] for r in rows],
                    plot=False,
                    unit=_("items"),
                ),
            ],
            target=RINGS_TARGET,
            target_label=_("Target ≤ 3 rings"),
            empty_text=empty,
            note=_("Answered calls only."),
        ),
    ]


# -- tickets -----------------------------------------------------------------------------


def _tickets(user: User, scope: Scope) -> QuerySet:
    return (
        _model("tickets.Ticket")
        .objects.restrict(user)
        .filter(scope.q("assignee_id", "first_contact_owner_id"))
    )


def first_call_resolution(*, user: User, scope: Scope, period: Period) -> Chart:
    """Tickets answered on the first contact: answered, never shelved, no visit sent
    (docs/domain.md §dashboards), by month of receipt."""
    months = period.trend_months()

    def count() -> list[dict[str, int]]:
        # Grouped by month (not one filtered count per month as the other trends): the
        # "no visit sent" test is then one hashed look-up of the visits, not one per month.
        dispatch = _model("fieldservice.Dispatch").objects.filter(ticket_id=OuterRef("pk"))
        first = Q(answered_at__isnull=False, shelve_reason="") & ~Q(with_visit=True)
        found = {
            _month_of(r["month"]): r
            for r in _tickets(user, scope)
            .filter(
                received_at__gte=_aware(months[0]),
                received_at__lt=_aware(_add_months(months[-1], 1)),
            )
            .annotate(
                month=TruncMonth("received_at", tzinfo=timezone.get_current_timezone()),
                with_visit=Exists(dispatch),
            )
            .values("month")
            .annotate(received=Count("pk"), first=Count("pk", filter=first))
            .order_by("month")
        }
        zero = {"received": 0, "first": 0}
        return [{k: found[m][k] for k in zero} if m in found else dict(zero) for m in months]

    rows = _trend_cached("fcr", user, scope, months, count)
    received = [r["received"] for r in rows]
    solved = [r["first"] for r in rows]
    return Chart(
        key="fcr",
        title=_("First-call resolution"),
        kind="line",
        category_label=_("Month"),
        categories=[_month_label(m) for m in months],
        series=[
            Series(
                _("First-call resolution rate"),
                [_pct(s, r) for s, r in zip(solved, received, strict=True)],
                "c1",
                unit="%",
            ),
            Series(_("Tickets received"), received, plot=False, unit=_("items")),
            Series(_("Answered on the first contact"), solved, plot=False, unit=_("items")),
        ],
        unit="%",
        empty_text=_("No tickets received in these months."),
        note=_("Answered without being shelved and without an on-site visit."),
    )


AGE_BUCKETS: list[tuple[str, int | None]] = [
    ("le1", 1),
    ("le3", 3),
    ("le7", 7),
    ("le30", 30),
    ("older", None),
]


def _age_label(key: str) -> str:
    return {
        "le1": _("≤ 1 day"),
        "le3": _("1–3 days"),
        "le7": _("3–7 days"),
        "le30": _("7–30 days"),
        "le90": _("30–90 days"),
        "older30": _("> 30 days"),
        "older90": _("> 90 days"),
        "older": _("> 30 days"),
    }[key]


def _age_counts(field: str, buckets: list[tuple[str, int | None]]) -> dict[str, Count]:
    """One count per age bucket (``field`` older than the previous limit and not older
    than this one), measured from now."""
    now = timezone.now()
    out, previous = {}, None
    for key, days in buckets:
        q = Q()
        if days is not None:
            q &= Q(**{f"{field}__gt": now - dt.timedelta(days=days)})
        if previous is not None:
            q &= Q(**{f"{field}__lte": now - dt.timedelta(days=previous)})
        out[key] = Count("pk", filter=q)
        previous = days
    return out


_AGE_TONES = ["running", "c1", "warning", "c5", "breached"]


def backlog(*, user: User, scope: Scope) -> Chart:
    """Open tickets now, by state and by how long ago they were received."""
    from tickets.choices import TicketState

    rows = {
        r["state"]: r
        # The open states named (not "not closed"): the (state, received_at) index reads
        # the few open tickets instead of a scan of all of them.
        for r in _tickets(user, scope)
        .filter(state__in=[s for s in TicketState if s != TicketState.CLOSED])
        .values("state")
        .annotate(**_age_counts("received_at", AGE_BUCKETS))
        .order_by("state")
    }
    states = [s for s in TicketState if s in rows]
    return Chart(
        key="backlog",
        title=_("Open tickets by state and age"),
        kind="stacked",
        category_label=_("State"),
        categories=[str(s.label) for s in states],
        series=[
            Series(_age_label(key), [rows[s][key] for s in states], tone)
            for (key, _days), tone in zip(AGE_BUCKETS, _AGE_TONES, strict=True)
        ],
        unit=_("items"),
        horizontal=True,
        empty_text=_("No open tickets."),
        note=_("Now, whatever the period; age from the time the ticket was received."),
    )


# -- field service -----------------------------------------------------------------------


def _dispatches(user: User, scope: Scope) -> QuerySet:
    return (
        _model("fieldservice.Dispatch").objects.restrict(user).filter(scope.q("engineer__user_id"))
    )


def dispatch_outcomes(*, user: User, scope: Scope, period: Period) -> Chart:
    from fieldservice.choices import Outcome

    counts = (
        _dispatches(user, scope)
        .filter(completed_at__gte=period.begin_at, completed_at__lt=period.end_at)
        .aggregate(**{o.value: Count("pk", filter=Q(outcome=o.value)) for o in Outcome})
    )
    tones = {"solved": "running", "partially_solved": "warning", "unsolved": "breached"}
    return Chart(
        key="dispatch_outcome",
        title=_("On-site visits by outcome"),
        kind="bar",
        category_label=_("Outcome"),
        categories=[str(o.label) for o in Outcome],
        series=[Series(_("Visits"), [counts[o.value] for o in Outcome], "c1")],
        unit=_("items"),
        horizontal=True,
        empty_text=_("No visits completed in this period."),
        note=_("Visits completed in the period."),
        extra={"tones": [tones[o.value] for o in Outcome]},
    )


def dispatch_punctuality(*, user: User, scope: Scope, period: Period) -> Chart:
    """Arrivals against the first appointment promised to the customer: on time means
    by the appointed time (docs/domain.md §dispatch.schedule), and a reschedule does not
    excuse a missed first promise (§dispatch.appointment)."""
    late_by = ExpressionWrapper(
        F("checked_in_at") - Coalesce("first_appointment_at", "appointment_at"),
        output_field=DurationField(),
    )
    hour = dt.timedelta(hours=1)
    promised = Q(first_appointment_at__isnull=False) | Q(appointment_at__isnull=False)
    counts = (
        _dispatches(user, scope)
        .filter(checked_in_at__gte=period.begin_at, checked_in_at__lt=period.end_at)
        .annotate(late_by=late_by)
        .aggregate(
            on_time=Count("pk", filter=promised & Q(late_by__lte=dt.timedelta(0))),
            late=Count("pk", filter=promised & Q(late_by__gt=dt.timedelta(0), late_by__lte=hour)),
            very_late=Count("pk", filter=promised & Q(late_by__gt=hour)),
            unpromised=Count("pk", filter=~promised),
        )
    )
    keys = [
        ("on_time", _("On time"), "running"),
        ("late", _("Up to 1 hour late"), "warning"),
        ("very_late", _("More than 1 hour late"), "breached"),
        ("unpromised", _("No appointment"), "paused"),
    ]
    arrived = sum(counts[k] for k, _label, _tone in keys[:3])
    return Chart(
        key="dispatch_arrival",
        title=_("Arrival punctuality"),
        kind="bar",
        category_label=_("Arrival"),
        categories=[str(label) for _k, label, _t in keys],
        series=[
            Series(_("Visits"), [counts[k] for k, _l, _t in keys], "c1"),
            Series(
                _("Share"),
                [_pct(counts[k], arrived) if k != "unpromised" else None for k, _l, _t in keys],
                plot=False,
                unit="%",
            ),
        ],
        unit=_("items"),
        horizontal=True,
        empty_text=_("No arrivals in this period."),
        note=_("Arrivals in the period against the first appointment agreed."),
        extra={"tones": [t for _k, _l, t in keys]},
    )


def partner_days(*, user: User, scope: Scope, period: Period) -> Chart:
    """Partner person-days and what they cost, from the monthly statements
    (fieldservice.settlement: the terms in force each month)."""
    from fieldservice.settlement import statements_month

    days: dict[str, Decimal] = {}
    cost: dict[str, Decimal] = {}
    for month in period.months():
        for statement in statements_month(user, year=month.year, month=month.month):
            name = str(statement.partner)
            days[name] = days.get(name, Decimal(0)) + statement.person_days
            cost[name] = cost.get(name, Decimal(0)) + statement.net
    names = sorted(days, key=lambda n: (-days[n], n))
    return Chart(
        key="partners",
        title=_("Partner person-days and cost"),
        kind="bar",
        category_label=_("Partner company"),
        categories=names,
        series=[
            Series(_("Person-days"), [days[n] for n in names], "c1"),
            Series(_("Amount payable"), [cost[n] for n in names], plot=False, unit=_("yuan")),
        ],
        unit=_("days"),
        horizontal=True,
        empty_text=_("No partner visits in this period."),
        note=_("Whole months of the period, as in the monthly statements."),
    )


# -- defects -----------------------------------------------------------------------------

DEFECT_AGES: list[tuple[str, int | None]] = [
    ("le7", 7),
    ("le30", 30),
    ("le90", 90),
    ("older90", None),
]


def defect_aging(*, user: User, scope: Scope) -> Chart:
    from defects.choices import DefectState, Severity

    rows = {
        r["severity"]: r
        for r in _model("defects.Defect")
        .objects.restrict(user)
        .filter(scope.q("assignee_id", "recorded_by_id", "developer_id"))
        .exclude(state__in=[DefectState.CLOSED, DefectState.REJECTED])
        .values("severity")
        .annotate(**_age_counts("reported_at", DEFECT_AGES))
        .order_by("severity")
    }
    severities = list(Severity)
    return Chart(
        key="defect_aging",
        title=_("Open defects by severity and age"),
        kind="stacked",
        category_label=_("Severity"),
        categories=[str(s.label) for s in severities],
        series=[
            Series(
                _("≤ 7 days") if key == "le7" else _age_label(key),
                [rows[s][key] if s in rows else 0 for s in severities],
                tone,
            )
            for (key, _d), tone in zip(
                DEFECT_AGES, ["running", "warning", "c5", "breached"], strict=True
            )
        ],
        unit=_("items"),
        horizontal=True,
        empty_text=_("No open defects."),
        note=_("Now, whatever the period; age from the time the defect was reported."),
    )


# -- revisits and satisfaction -----------------------------------------------------------


def revisit_coverage(*, user: User, scope: Scope, period: Period) -> Chart:
    from contracts.choices import RevisitState

    months = period.trend_months()
    today = timezone.localdate()
    found = {
        _month_of(r["month"]): r
        for r in _model("contracts.Revisit")
        .objects.restrict(user)
        .filter(scope.q("assignee_id"))
        .filter(due_on__gte=months[0], due_on__lt=_add_months(months[-1], 1))
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(
            done=Count("pk", filter=Q(state=RevisitState.DONE)),
            missed=Count(
                "pk",
                filter=Q(state=RevisitState.MISSED)
                | Q(state=RevisitState.SCHEDULED, due_on__lt=today),
            ),
            upcoming=Count("pk", filter=Q(state=RevisitState.SCHEDULED, due_on__gte=today)),
        )
        .order_by("month")
    }
    zero = {"done": 0, "missed": 0, "upcoming": 0}
    rows = [found.get(m, zero) for m in months]
    return Chart(
        key="revisits",
        title=_("Revisit coverage"),
        kind="stacked",
        category_label=_("Month due"),
        categories=[_month_label(m) for m in months],
        series=[
            Series(pgettext("revisit", "Done"), [r["done"] for r in rows], "met"),
            Series(_("Missed or overdue"), [r["missed"] for r in rows], "breached"),
            Series(_("Not yet due"), [r["upcoming"] for r in rows], "running"),
            Series(
                _("Coverage"),
                [_pct(r["done"], r["done"] + r["missed"]) for r in rows],
                plot=False,
                unit="%",
            ),
        ],
        unit=_("items"),
        empty_text=_("No revisits due in these months."),
        note=_("Coverage = done ÷ (done + missed or overdue)."),
    )


def satisfaction_trend(*, user: User, scope: Scope, period: Period) -> Chart:
    """Average score (1–5) of the revisits done and of the survey answers, by month."""
    months = period.trend_months()
    begin, end = _aware(months[0]), _aware(_add_months(months[-1], 1))
    tz = timezone.get_current_timezone()
    revisits: dict[dt.date, Any] = {}
    if _may(user, "contracts.Revisit"):
        revisits = {
            _month_of(r["month"]): r
            for r in _model("contracts.Revisit")
            .objects.restrict(user)
            .filter(scope.q("assignee_id"))
            .filter(done_at__gte=begin, done_at__lt=end, satisfaction__isnull=False)
            .annotate(month=TruncMonth("done_at", tzinfo=tz))
            .values("month")
            .annotate(avg=Avg("satisfaction"), n=Count("pk"))
            .order_by("month")
        }
    surveys: dict[dt.date, Any] = {}
    if _may(user, "core.SurveyAnswer"):
        surveys = {
            _month_of(r["month"]): r
            for r in _model("core.SurveyAnswer")
            .objects.filter(scope.q("link__created_by_id"))
            .filter(answered_at__gte=begin, answered_at__lt=end)
            .annotate(month=TruncMonth("answered_at", tzinfo=tz))
            .values("month")
            .annotate(avg=Avg("score"), n=Count("pk"))
            .order_by("month")
        }

    def avg(found: dict[dt.date, Any], month: dt.date) -> float | None:
        return round(float(found[month]["avg"]), 2) if month in found else None

    def n(found: dict[dt.date, Any], month: dt.date) -> int:
        return found[month]["n"] if month in found else 0

    series = [Series(_("Revisits"), [avg(revisits, m) for m in months], "c1")]
    series.append(Series(_("Surveys"), [avg(surveys, m) for m in months], "c3"))
    series.append(
        Series(
            _("Revisits answered"), [n(revisits, m) for m in months], plot=False, unit=_("items")
        )
    )
    series.append(
        Series(_("Survey answers"), [n(surveys, m) for m in months], plot=False, unit=_("items"))
    )
    return Chart(
        key="satisfaction",
        title=_("Customer satisfaction"),
        kind="line",
        category_label=_("Month"),
        categories=[_month_label(m) for m in months],
        series=series,
        unit=_("points"),
        empty_text=_("No scores in these months."),
        note=_("Average score from 1 (poor) to 5 (excellent)."),
    )


# -- the page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSpec:
    key: str
    section: str
    permission: str  # the model the user must be allowed to read
    build: Callable[..., Chart | list[Chart]]
    uses_period: bool = True
    scopes: tuple[str, ...] = (COMPANY, TEAM, OWN)


def _sections() -> dict[str, str]:
    return {
        "sla": _("Deadlines (SLA)"),
        "hotline": _("Hotline"),
        "field": _("Field service"),
        "quality": _("Defects and customers"),
    }


CHARTS: list[ChartSpec] = [
    ChartSpec("sla_kind", "sla", "core.SlaTimer", sla_by_kind),
    ChartSpec("sla_month", "sla", "core.SlaTimer", sla_by_month),
    ChartSpec("sla_team", "sla", "core.SlaTimer", sla_by_team, scopes=(COMPANY, TEAM)),
    ChartSpec("sla_engineer", "sla", "core.SlaTimer", sla_by_engineer, scopes=(COMPANY, TEAM)),
    ChartSpec("sla_customer", "sla", "core.SlaTimer", sla_by_customer),
    ChartSpec("hotline", "hotline", "tickets.Call", hotline),
    ChartSpec("fcr", "hotline", "tickets.Ticket", first_call_resolution),
    ChartSpec("backlog", "hotline", "tickets.Ticket", backlog, uses_period=False),
    ChartSpec("dispatch_outcome", "field", "fieldservice.Dispatch", dispatch_outcomes),
    ChartSpec("dispatch_arrival", "field", "fieldservice.Dispatch", dispatch_punctuality),
    ChartSpec("partners", "field", "fieldservice.Partner", partner_days, scopes=(COMPANY, TEAM)),
    ChartSpec("defect_aging", "quality", "defects.Defect", defect_aging, uses_period=False),
    ChartSpec("revisits", "quality", "contracts.Revisit", revisit_coverage),
    ChartSpec("satisfaction", "quality", "contracts.Revisit", satisfaction_trend),
]


def dashboard_charts(
    *, user: User, period: Period, scope: Scope | None = None, only: str | None = None
) -> list[tuple[str, list[Chart]]]:
    """The charts ``user`` may see, grouped by section: ``[(section title, charts)]``.
    ``only``: the one chart (or chart group) of that key, for its export."""
    scope = scope or dashboard_scope(user=user)
    sections: dict[str, list[Chart]] = {}
    page = _page.set({})  # what the charts share (``_shared``), for this page only
    try:
        for spec in CHARTS:
            if scope.level not in spec.scopes or not _may(user, spec.permission):
                continue
            if only and spec.key != only and not only.startswith(spec.key + "_"):
                continue
            kwargs: dict[str, Any] = {"user": user, "scope": scope}
            if spec.uses_period:
                kwargs["period"] = period
            built = spec.build(**kwargs)
            charts = built if isinstance(built, list) else [built]
            if only:
                charts = [c for c in charts if c.key == only]
            sections.setdefault(spec.section, []).extend(charts)
    finally:
        _page.reset(page)
    titles = _sections()
    return [(titles[key], charts) for key, charts in sections.items() if charts]


def dashboard_chart(*, user: User, period: Period, key: str) -> Chart | None:
    """One chart by its key (for the table page and the export), or None."""
    for _title, charts in dashboard_charts(user=user, period=period, only=key):
        for chart in charts:
            if chart.key == key:
                return chart
    return None


def chart_keys() -> list[str]:
    keys = [spec.key for spec in CHARTS if spec.key != "hotline"]
    return [*keys, "hotline_rate", "hotline_rings"]
