"""Reads of the shared kernel, already shaped and restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import TimerState, timer_target_label
from .durations import duration_text
from .models import CustomerWait, DomainEvent, Notification, Signature, SlaTimer, WorkCalendar
from .next_due import NEXT_DUE_FIELD, keeps_next_due

if TYPE_CHECKING:
    from .types import AnonymousUser, User

# Deadlines a list or board still shows: not met, not cancelled (a late meet keeps its
# breach but is done).
OPEN_TIMER_STATES = [TimerState.RUNNING, TimerState.PAUSED, TimerState.BREACHED]


def users_in_roles(*roles: str) -> QuerySet:
    """Active members of any of ``roles`` (role groups), each once, in a stable order."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(groups__name__in=[str(r) for r in roles], is_active=True)
        .distinct()
        .order_by("pk")
    )


def timers_for(obj: models.Model) -> QuerySet[SlaTimer]:
    """An object's timers, newest first within each target."""
    return SlaTimer.objects.for_subject(obj).select_related("assignee").order_by("started_at", "id")


def timers_attach(objects: list[Any]) -> list[Any]:
    """Give each object ``prefetched_timers`` with one query for the whole page."""
    if not objects:
        return objects
    content_type = ContentType.objects.get_for_model(objects[0])
    by_subject: dict[int, list[SlaTimer]] = {obj.pk: [] for obj in objects}
    for timer in (
        SlaTimer.objects.filter(subject_type=content_type, subject_id__in=list(by_subject))
        .select_related("assignee")
        .order_by("started_at", "id")
    ):
        by_subject[timer.subject_id].append(timer)
    for obj in objects:
        obj.prefetched_timers = by_subject[obj.pk]
    return objects


def timers_attach_open(objects: list[Any]) -> list[Any]:
    """``timers_attach`` for lists and boards: ``all_timers``, the open ones as
    ``prefetched_timers`` and the nearest running one as ``next_timer`` (one query)."""
    timers_attach(objects)
    for obj in objects:
        obj.all_timers = obj.prefetched_timers
        obj.prefetched_timers = [
            t
            for t in obj.all_timers
            if t.state in OPEN_TIMER_STATES and not (t.state == TimerState.BREACHED and t.met_at)
        ]
        running = [t for t in obj.prefetched_timers if t.state == TimerState.RUNNING]
        obj.next_timer = min(running, key=lambda t: t.due_at, default=None)
    return objects


def next_due(model: type[models.Model]) -> Subquery:
    """Annotation: the due time of the row's nearest running timer (NULL when none)."""
    return Subquery(
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(model),
            subject_id=OuterRef("pk"),
            state=TimerState.RUNNING,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


def has_breached_timer(model: type[models.Model]) -> Exists:
    """Filter: the row has a breached timer (``?overdue=`` everywhere)."""
    return Exists(
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(model),
            subject_id=OuterRef("pk"),
            state=TimerState.BREACHED,
        )
    )


@dataclass
class StateColumn:
    """One column of a board by state: its first cards and how many there are in all."""

    state: str
    label: str
    count: int = 0
    items: list[Any] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.items)


def _state_counts(queryset: QuerySet) -> dict[str, int]:
    """Rows per state. COUNT(*), not COUNT(id): PostgreSQL answers it from the
    ``(state, …)`` index alone once autovacuum has marked the pages all-visible (an
    index-only scan, no heap)."""
    return dict(queryset.order_by().values_list("state").annotate(n=Count("*")))


#: running deadlines read, nearest first, to find each column's first cards by deadline
#: without reading every open record's deadline (``columns_by_deadline``)
DEADLINE_CANDIDATES = 2_000


def columns_by_state(
    queryset: QuerySet,
    *,
    states: Sequence[str],
    choices: Any,
    order_by: Iterable[Any],
    per_column: int,
    annotations: dict[str, Any] | None = None,
) -> list[StateColumn]:
    """A board: ``queryset`` by its ``state``, each column's first ``per_column`` rows in
    ``order_by`` (which may use ``annotations``), with their open timers. Four queries
    whatever the number of rows: the counts, the ranking, the cards shown, their timers.

    The ranking reads narrow rows (the key, the state and the sort keys: no joins, no
    wide columns) so that ranking tens of thousands of open rows stays a small in-memory
    sort; only the cards shown are then loaded with what the page draws
    (docs/architecture.md §boards)."""
    counts = _state_counts(queryset)
    place = _ranked(queryset, states, order_by, per_column, annotations)
    return _columns(queryset, states, choices, counts, place)


def _ranked(
    queryset: QuerySet,
    states: Sequence[str],
    order_by: Iterable[Any],
    per_column: int,
    annotations: dict[str, Any] | None,
) -> dict[Any, tuple[str, int]]:
    """Each row's column and place among the first ``per_column`` of ``states``."""
    if not states:
        return {}
    ranked = (
        queryset.order_by()
        .filter(state__in=list(states))
        .annotate(**(annotations or {}))
        .annotate(
            board_rank=Window(RowNumber(), partition_by=[F("state")], order_by=list(order_by))
        )
        .filter(board_rank__lte=per_column)
        .values_list("pk", "state", "board_rank")
    )
    return {pk: (state, rank) for pk, state, rank in ranked}


def _columns(
    queryset: QuerySet,
    states: Sequence[str],
    choices: Any,
    counts: dict[str, int],
    place: dict[Any, tuple[str, int]],
) -> list[StateColumn]:
    columns = {s: StateColumn(s, str(choices(s).label), counts.get(s, 0)) for s in states}
    if not place:
        return list(columns.values())
    cards = sorted(
        queryset.order_by().filter(pk__in=list(place)),
        key=lambda item: place[item.pk][1],
    )
    for item in timers_attach_open(cards):
        columns[place[item.pk][0]].items.append(item)
    return list(columns.values())


def columns_by_deadline(
    queryset: QuerySet,
    *,
    states: Sequence[str],
    choices: Any,
    since: str,
    per_column: int,
    cards: QuerySet | None = None,
) -> list[StateColumn]:
    """``columns_by_state`` ordered by the nearest running deadline (none last), then
    ``since``, then the key — without reading every open row's deadline.

    The ``DEADLINE_CANDIDATES`` nearest running deadlines of the model are read from the
    timers' ``(state, due_at)`` index; a column that finds its first ``per_column`` rows
    among them is complete (any other row's deadline is later, or it has none). Only the
    columns left short — few rows, or rows without deadlines — are ranked in full, and
    those are small. So the board reads a bounded number of rows however many are open
    (docs/architecture.md §boards).

    The candidates are joined to the board's rows and ranked in the database, in one
    statement: only each column's first ``per_column`` keys come back, not thousands of
    candidates to be sent back again as a list of keys. ``cards`` is the queryset the
    cards shown are loaded from (what they draw), if not ``queryset``.

    A model that keeps its nearest deadline on its row (``core.next_due``: the tickets)
    skips all this: each column is a short read of its ``(state, next_due_at, …)`` index
    (``_ranked_by_kept``; docs/architecture.md §boards.kept)."""
    counts = _state_counts(queryset)
    if keeps_next_due(queryset.model):
        place = _ranked_by_kept(queryset, states, since, per_column)
    else:
        place = _ranked_from_deadlines(queryset, states, since, per_column, counts)
    return _columns(queryset if cards is None else cards, states, choices, counts, place)


def _ranked_from_deadlines(
    queryset: QuerySet,
    states: Sequence[str],
    since: str,
    per_column: int,
    counts: dict[str, int],
) -> dict[Any, tuple[str, int]]:
    """The columns from the nearest running deadlines, the short ones ranked in full."""
    place, found = _ranked_by_candidates(queryset, states, since, per_column)
    short = [
        state
        for state in states
        if found.get(state, 0) < per_column and counts.get(state, 0) > found.get(state, 0)
    ]
    if short:
        # Its first rows may lie beyond the candidates, or have no running deadline.
        place = {pk: p for pk, p in place.items() if p[0] not in short}
        order = [F("next_due").asc(nulls_last=True), F(since).asc(), F("pk").asc()]
        model = queryset.model
        place.update(_ranked(queryset, short, order, per_column, {"next_due": next_due(model)}))
    return place


def _ranked_by_kept(
    queryset: QuerySet, states: Sequence[str], since: str, per_column: int
) -> dict[Any, tuple[str, int]]:
    """Each column's first ``per_column`` rows of a model that keeps its nearest deadline
    on its row (``core.next_due``): per state, a read of the ``(state, next_due_at, since,
    key)`` index that stops after ``per_column`` rows — one statement of all the columns
    where the database can order and limit inside a ``UNION ALL``, one each elsewhere."""
    order = [F(NEXT_DUE_FIELD).asc(nulls_last=True), F(since).asc(), F("pk").asc()]
    parts = [
        queryset.order_by(*order)
        .filter(state=state)
        .values_list("pk", "state", NEXT_DUE_FIELD, since)[:per_column]
        for state in states
    ]
    if not parts:
        return {}
    features = connections[queryset.db].features
    if len(parts) > 1 and features.supports_slicing_ordering_in_compound:
        rows = list(parts[0].union(*parts[1:], all=True))
    else:
        rows = [row for part in parts for row in part]
    # The rank within each column, as the index gave it (nearest first, none last).
    rows.sort(key=lambda r: (r[1], r[2] is None, r[2], r[3], r[0]))
    place: dict[Any, tuple[str, int]] = {}
    rank: dict[str, int] = {}
    for pk, state, _due, _since in rows:
        rank[state] = rank.get(state, 0) + 1
        place[pk] = (state, rank[state])
    return place


def _ranked_by_candidates(
    queryset: QuerySet, states: Sequence[str], since: str, per_column: int
) -> tuple[dict[Any, tuple[str, int]], dict[str, int]]:
    """Each row's column and place among the first ``per_column`` of its state, ranked
    by the nearest of the ``DEADLINE_CANDIDATES`` nearest running deadlines, and how many
    rows of each state those candidates found.

    When the candidates fill the limit, a row outside them may share the last due time:
    that time is left out, so a column never ranks a row ahead of one it did not see."""
    if not states:
        return {}, {}
    board = (
        queryset.order_by()
        .filter(state__in=list(states))
        .values(board_pk=F("pk"), board_state=F("state"), board_since=F(since))
    )
    board_sql, board_params = board.query.get_compiler(queryset.db).as_sql()
    timers = connections[queryset.db].ops.quote_name(SlaTimer._meta.db_table)
    # Only the table's quoted name and the board's compiled query (with its parameters
    # kept apart) are put into the text.
    sql = f"""
        WITH candidates AS (
            SELECT subject_id, due_at FROM {timers}
            WHERE subject_type_id = %s AND state = %s
            ORDER BY due_at, id LIMIT %s
        ), edge AS (
            SELECT COUNT(*) = %s AS truncated, MAX(due_at) AS last FROM candidates
        ), nearest AS (
            SELECT c.subject_id, MIN(c.due_at) AS due FROM candidates c, edge
            WHERE NOT edge.truncated OR c.due_at < edge.last
            GROUP BY c.subject_id
        )
        SELECT board_pk, board_state, board_rank, board_found FROM (
            SELECT b.board_pk, b.board_state,
                   ROW_NUMBER() OVER (PARTITION BY b.board_state
                                      ORDER BY n.due, b.board_since, b.board_pk) AS board_rank,
                   COUNT(*) OVER (PARTITION BY b.board_state) AS board_found
            FROM ({board_sql}) b JOIN nearest n ON n.subject_id = b.board_pk
        ) ranked
        WHERE board_rank <= %s"""  # noqa: S608
    content_type = ContentType.objects.get_for_model(queryset.model).pk
    params: list[Any] = [content_type, TimerState.RUNNING.value]
    params += [DEADLINE_CANDIDATES, DEADLINE_CANDIDATES]
    params += [*board_params, per_column]
    place: dict[Any, tuple[str, int]] = {}
    found: dict[str, int] = {}
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        for pk, state, rank, in_state in cursor.fetchall():
            place[pk] = (state, rank)
            found[state] = in_state
    return place, found


@dataclass
class TimelineEntry:
    """One line of a record's timeline (calls, events, notes, deadlines, field changes)."""

    when: dt.datetime
    kind: str  # call, note, event, timer, history
    icon: str
    title: str
    actor: User | None = None
    text: str = ""
    tone: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)


def timeline_timer_entries(
    timers: Iterable[SlaTimer], *, cancelled: bool = False
) -> list[TimelineEntry]:
    """A record's deadlines on its timeline: started (with the due time), met, missed and,
    with ``cancelled``, cancelled."""
    entries = []
    for timer in timers:
        target = timer_target_label(timer.target)
        due = timezone.localtime(timer.due_at).strftime("%m-%d %H:%M")
        paused = ""
        if timer.paused_seconds:
            paused = _("Paused for %(time)s while waiting for the customer; due moved.") % {
                "time": duration_text(timer.paused_seconds)
            }
        if timer.state == TimerState.PAUSED:
            since = timezone.localtime(timer.paused_at).strftime("%m-%d %H:%M")
            paused = " ".join(
                filter(None, [paused, _("Paused since %(since)s.") % {"since": since}])
            )
        entries.append(
            TimelineEntry(
                timer.started_at,
                "timer",
                "stopwatch",
                _("Deadline: %(target)s, due %(due)s") % {"target": target, "due": due},
                text=paused,
            )
        )
        if timer.met_at:
            title = _("Deadline met: %(target)s") % {"target": target}
            entries.append(TimelineEntry(timer.met_at, "timer", "check2", title, tone="success"))
        if timer.breached_at:
            title = _("Deadline missed: %(target)s") % {"target": target}
            entries.append(TimelineEntry(timer.breached_at, "timer", "alarm", title, tone="danger"))
        if cancelled and timer.state == TimerState.CANCELLED and timer.cancelled_at:
            title = _("Deadline cancelled: %(target)s") % {"target": target}
            entries.append(TimelineEntry(timer.cancelled_at, "timer", "x", title))
    return entries


def customer_waits_attach(objects: list[Any]) -> list[Any]:
    """Give each object ``customer_waits`` (oldest first) with one query for the page."""
    if not objects:
        return objects
    content_type = ContentType.objects.get_for_model(objects[0])
    by_subject: dict[int, list[CustomerWait]] = {obj.pk: [] for obj in objects}
    waits = CustomerWait.objects.filter(
        subject_type=content_type, subject_id__in=list(by_subject)
    ).select_related("started_by", "ended_by")
    for wait in waits.order_by("started_at", "id"):
        by_subject[wait.subject_id].append(wait)
    for obj in objects:
        obj.customer_waits = by_subject[obj.pk]
    return objects


def customer_waits_for(obj: models.Model) -> list[CustomerWait]:
    """The record's waits for the customer, oldest first (attached ones when given)."""
    attached = getattr(obj, "customer_waits", None)
    if attached is None:
        attached = customer_waits_attach([obj])[0].customer_waits
    return attached


def customer_wait_open(obj: models.Model) -> CustomerWait | None:
    """The wait in progress, if the record waits for the customer now."""
    return next((w for w in customer_waits_for(obj) if w.is_open), None)


def timeline_wait_entries(waits: Iterable[CustomerWait]) -> list[TimelineEntry]:
    """Each wait for the customer on the record's timeline: asked (what, which deadlines
    were paused) and answered (the answer, how long it waited, how far the deadlines
    moved)."""
    entries = []
    for wait in waits:
        text = wait.note
        if wait.paused_targets:
            names = "、".join(timer_target_label(t) for t in wait.paused_targets)
            text += "\n" + _("Deadlines paused: %(deadlines)s") % {"deadlines": names}
        title = _("Waiting for the customer: %(what)s") % {"what": wait.get_reason_display()}
        entries.append(
            TimelineEntry(
                wait.started_at, "event", "hourglass-split", title, wait.started_by, text, "warning"
            )
        )
        if wait.ended_at is None:
            continue
        waited = _("Waited %(waited)s; the customer's deadlines moved by %(moved)s.") % {
            "waited": duration_text(wait.ended_at - wait.started_at),
            "moved": duration_text(wait.paused_seconds),
        }
        title = _("The customer answered") if wait.answer else _("No longer waiting")
        text = f"{wait.answer}\n{waited}" if wait.answer else waited
        entries.append(
            TimelineEntry(wait.ended_at, "event", "reply", title, wait.ended_by, text, "success")
        )
    return entries


def timers_list(*, user: User) -> QuerySet[SlaTimer]:
    return SlaTimer.objects.restrict(user).select_related("subject_type", "assignee", "policy")


def my_open_timers(*, user: User, limit: int = 20) -> list[SlaTimer]:
    """The user's open deadlines, and those of a role of theirs that no one person has yet
    (e.g. a serious defect's fix, owned by the testers until a developer takes it)."""
    roles = user.groups.values("name")  # a subquery, not one more query
    timers = list(
        SlaTimer.objects.open()
        .filter(models.Q(assignee=user) | models.Q(assignee__isnull=True, owner_role__in=roles))
        .select_related("subject_type")
        .order_by("due_at")[:limit]
    )
    models.prefetch_related_objects(timers, "subject")
    return timers


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.restrict(user).select_related("target_type")


def unread_count(*, user: User | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_version(*, user: User) -> tuple[int, int]:
    """The unread count and the newest unread id: the bell's version (one query)."""
    figures = Notification.objects.filter(recipient=user, read_at__isnull=True).aggregate(
        count=models.Count("id"), newest=models.Max("id")
    )
    return figures["count"], figures["newest"] or 0


def events_for(obj: models.Model) -> QuerySet[DomainEvent]:
    return DomainEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
    ).select_related("actor")


def trail_attach(obj: models.Model, *, history_limit: int = 200) -> models.Model:
    """Read the record's events (oldest first) and its last ``history_limit`` history rows
    with their changes once, as ``prefetched_events`` and ``prefetched_history``, for a
    page that shows both a timeline and the history panel (two queries, not four)."""
    obj.prefetched_events = list(  # type: ignore[attr-defined]
        events_for(obj).order_by("created_at", "id")
    )
    obj.prefetched_history = history_changes(obj, limit=history_limit)  # type: ignore[attr-defined]
    return obj


def signatures_for(obj: models.Model, form: str | None = None) -> QuerySet[Signature]:
    qs = Signature.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk
    ).select_related("recorded_by")
    return qs.filter(form=form) if form else qs


def history_for(obj: Any) -> QuerySet:
    """simple-history rows of ``obj``, newest first, with the acting user."""
    return obj.history.all().select_related("history_user").order_by("-history_date")


def history_changes(obj: models.Model, limit: int = 100) -> list[dict[str, Any]]:
    """Each history row with the fields it changed (who, when, what).

    ``field``/``old``/``new`` are the stored values (the API's); ``label``, ``old_text``
    and ``new_text`` say them in words, and ``title``/``note`` the reason (core.history).
    """
    from . import history
    from .people import display_name

    rows = list(history_for(obj)[: limit + 1])
    out = []
    for i, record in enumerate(rows[:limit]):
        previous = rows[i + 1] if i + 1 < len(rows) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            changes = [
                {
                    "field": c.field,
                    "old": _plain(c.old),
                    "new": _plain(c.new),
                    "raw": (c.old, c.new),
                }
                for c in delta.changes
            ]
        title, note = history.reason_words(
            type(obj), record.history_change_reason or "", record.history_type
        )
        out.append(
            {
                "id": record.history_id,
                "when": record.history_date,
                "user": record.history_user.get_username() if record.history_user else None,
                "actor": record.history_user,
                "user_name": display_name(record.history_user) if record.history_user else "",
                "type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "history_type": record.history_type,
                "reason": record.history_change_reason or "",
                "title": title,
                "note": note,
                "changes": changes,
            }
        )
    history.changes_in_words(type(obj), out)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def calendars_list(*, user: User) -> QuerySet[WorkCalendar]:
    return WorkCalendar.objects.restrict(user).prefetch_related("exceptions")


# -- the work queue (issue 10 §12) --------------------------------------------------------


@dataclass
class WorkItem:
    """A record waiting for the user's action at one step, with its deadline if any."""

    label: Any  # what to do
    record: models.Model
    step: str = ""  # the WaitingStep's key; "" for a deadline of the user's own
    timer: SlaTimer | None = None
    due_at: dt.datetime | None = None

    @property
    def url(self) -> str:
        getter = getattr(self.record, "get_absolute_url", None)
        try:
            return getter() if getter else ""
        except Exception:  # a record whose page is not served here
            return ""

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at <= timezone.now()


WORK_QUEUE_PER_STEP = 50


def _nearest_timers(
    model: type[models.Model], ids: list[int], targets: tuple[str, ...]
) -> dict[int, SlaTimer]:
    """Each record's nearest deadline not yet met among ``targets`` (any with ANY_TIMER)."""
    from .workqueue import ANY_TIMER

    if not ids or not targets:
        return {}
    qs = SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(model),
        subject_id__in=ids,
        state__in=OPEN_TIMER_STATES,
        met_at__isnull=True,
    )
    if targets != ANY_TIMER:
        qs = qs.filter(target__in=targets)
    nearest: dict[int, SlaTimer] = {}
    for timer in qs.order_by("due_at", "id"):
        nearest.setdefault(timer.subject_id, timer)
    return nearest


def work_queue(*, user: User, per_step: int = WORK_QUEUE_PER_STEP) -> list[WorkItem]:
    """Everything waiting for ``user``: the records at every registered step that waits
    for them (approvals, signatures, evaluations, negotiations, write-offs…) and their own
    open deadlines on other records; the most urgent first, undated ones after.

    Two queries per step that applies to the user (records, their deadlines) and two for
    the user's own deadlines.
    """
    from .workqueue import as_due, waiting_steps

    items: list[WorkItem] = []
    seen: set[tuple[int, int]] = set()
    for step in waiting_steps():
        if not step.acts(user):
            continue
        model = step.model_class()
        records = list(step.queryset_for(user).order_by("pk")[:per_step])
        timers = _nearest_timers(model, [r.pk for r in records], step.deadline)
        content_type = ContentType.objects.get_for_model(model).pk
        for record in records:
            timer = timers.get(record.pk)
            due = timer.due_at if timer else as_due(getattr(record, "work_due", None))
            items.append(WorkItem(step.label, record, step.key, timer, due))
            seen.add((content_type, record.pk))
    mine = list(
        SlaTimer.objects.filter(assignee=user, state__in=OPEN_TIMER_STATES, met_at__isnull=True)
        .select_related("subject_type")
        .order_by("due_at", "id")[:per_step]
    )
    models.prefetch_related_objects(mine, "subject")
    for timer in mine:
        if (timer.subject_type_id, timer.subject_id) in seen or timer.subject is None:
            continue
        label = _("Deadline: %(target)s") % {"target": timer_target_label(timer.target)}
        items.append(WorkItem(label, timer.subject, "", timer, timer.due_at))
    far = timezone.now() + dt.timedelta(days=365 * 100)
    items.sort(key=lambda i: (i.due_at is None, i.due_at or far))
    return items


def team_of(user: User) -> list[int]:
    """``user`` and everyone who reports to them, directly or not (StaffProfile.manager)."""
    from .models import StaffProfile

    team, frontier = {user.pk}, {user.pk}
    while frontier:
        below = set(
            StaffProfile.objects.filter(manager_id__in=frontier).values_list("user_id", flat=True)
        )
        frontier = below - team
        team |= frontier
    return sorted(team)


def dashboard_counts(*, user: User) -> dict[str, Any]:
    """The dashboard's figures: the user's own, and their team's when people report to
    them — never the whole company's."""
    team = team_of(user)
    open_timers = SlaTimer.objects.filter(state__in=OPEN_TIMER_STATES, met_at__isnull=True)
    overdue = SlaTimer.objects.filter(state=TimerState.BREACHED, met_at__isnull=True)
    return {
        "is_manager": len(team) > 1,
        "my_deadlines": open_timers.filter(assignee=user).count(),
        "team_running": SlaTimer.objects.filter(
            state=TimerState.RUNNING, assignee_id__in=team
        ).count(),
        "overdue": overdue.filter(assignee_id__in=team).count(),
    }


# -- SLA policies in words (issue 10 §17) ------------------------------------------------


def sla_subjects() -> dict[str, type[models.Model]]:
    """``{policy subject code: model}``: every model whose timers policies name."""
    from django.apps import apps

    subjects = {}
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        code = getattr(model, "sla_subject", None)
        if code is None and hasattr(model, "sla_context"):
            code = model._meta.model_name
        if code:
            subjects[code] = model
    return subjects


def sla_subject_label(code: str) -> str:
    model = sla_subjects().get(code)
    return str(model._meta.verbose_name) if model is not None else code


def sla_notify_choices() -> list[tuple[str, Any]]:
    """Who a policy may tell: the timer's assignee, their manager, or a role."""
    from .choices import Role

    return [
        ("assignee", _("The responsible person")),
        ("assignee_manager", _("The responsible person's manager")),
        *Role.choices,
    ]


def sla_condition_label(subject: str, condition: str) -> str:
    """``severity=fatal`` → ``严重程度：致命`` (the subject's field and choice labels)."""
    from .history import field_label, value_words

    model = sla_subjects().get(subject)
    parts = []
    for part in filter(None, (p.strip() for p in (condition or "").split(","))):
        key, _sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(key)
            except Exception:  # a context key that is not a field (service_level)
                field = None
        if model is not None and field is not None:
            parts.append(f"{field_label(model, key)}：{value_words(field, value)}")
        elif key == "service_level":
            from .choices import ServiceLevel

            label = dict(ServiceLevel.choices).get(value, value)
            parts.append(f"{_('Service level')}：{label}")
        else:
            parts.append(f"{key}：{value}")
    return "，".join(parts)


def numbers_per_customer(
    rows: list[dict[str, Any]], records: QuerySet, order: str, limit: int = 10
) -> list[dict[str, Any]]:
    """Put on each aggregate row (by its ``customer_id``) the first ``limit`` numbers of
    ``records`` in ``order``, read in one query for every customer, not one per customer:
    the report's "which ones" beside its counts (reports app, docs/domain.md §reports)."""
    numbers: dict[Any, list[str]] = {}
    for customer_id, number in records.order_by(order).values_list("customer_id", "number"):
        numbers.setdefault(customer_id, []).append(number)
    for row in rows:
        row["numbers"] = numbers.get(row["customer_id"], [])[:limit]
    return rows
