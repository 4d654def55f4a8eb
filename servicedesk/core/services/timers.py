"""The one service API for SLA timers (docs/architecture.md §timers).

Workflow services start, pause, resume, meet and cancel timers here; they never compute
deadlines themselves. Due and warning instants are stored in the timer row, and the
periodic sweep (``sla_sweep``) turns them into warnings and breaches.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import worktime
from ..calendars import (
    STAMP_FIELDS,
    calendar_by_pk,
    calendar_chosen,
    calendar_for_service_level,
    calendar_spec,
    calendars_stamp,
    deadline,
    default_calendar,
)
from ..choices import CalendarBasis, TimerState, TimeUnit, timer_target_label
from ..exceptions import ApplicationError
from ..models import Escalation, Notification, SlaPolicy, SlaTimer, WorkCalendar
from ..models.sla import subject_customer_field, subject_customer_id
from ..next_due import kept_subject_types, next_due_repair, skip_locked_subjects
from .history import history_reason

if TYPE_CHECKING:
    from ..types import User

WALL_CLOCK_UNITS = {TimeUnit.MINUTES, TimeUnit.HOURS}


def sla_subject_name(obj: models.Model) -> str:
    return str(getattr(obj, "sla_subject", obj._meta.model_name))


def sla_context(obj: models.Model) -> dict[str, str]:
    """Attributes policies may condition on (``severity``, ``service_level``, …)."""
    getter = getattr(obj, "sla_context", None)
    return {k: str(v) for k, v in (getter() if getter else {}).items()}


def policy_find(*, subject: str, target: str, context: dict[str, str]) -> SlaPolicy | None:
    """The active policy whose condition matches, the most specific one first. It carries
    the calendars' stamp (``calendars_stamp``), so its calendar is found without a query
    while no calendar changed (``_calendar_for``)."""
    best: tuple[int, SlaPolicy] | None = None
    policies = SlaPolicy.objects.filter(subject=subject, target=target, active=True)
    for policy in policies.annotate(**calendars_stamp()):
        items = policy.condition_items()
        matches = all(context.get(k) == v for k, v in items.items())
        if matches and (best is None or len(items) > best[0]):
            best = (len(items), policy)
    return best[1] if best else None


def _calendar_for(policy: SlaPolicy | None, context: dict[str, str]) -> WorkCalendar:
    """The policy's own calendar, else its basis: internal steps on the office calendar
    (nobody is due at 00:00 on a day off), promises on the contract's service level.
    Taken from the process's cache while the calendars' stamp read with the policy is
    unchanged (docs/architecture.md §boards)."""
    # The same context that chose the policy (the subject's, overridden by the caller's).
    level = context.get("service_level")
    pk = policy.calendar_id if policy is not None else None
    if pk is not None:
        key: tuple = ("pk", pk)
        load = lambda: calendar_by_pk(pk)  # noqa: E731
    elif policy is not None and policy.calendar_basis == CalendarBasis.OFFICE:
        key, load = ("office",), default_calendar
    else:
        key, load = ("level", level), lambda: calendar_for_service_level(level)
    if policy is None or not hasattr(policy, STAMP_FIELDS[0]):  # no stamp read with it
        if policy is not None and policy.calendar is not None:
            return policy.calendar
        return load()
    stamp = tuple(getattr(policy, name) for name in STAMP_FIELDS)
    calendar = calendar_chosen(key, stamp, load)
    if pk is not None:
        policy.calendar = calendar  # the timer row and its history name it: no query
    return calendar


def _warn_instant(
    calendar: WorkCalendar,
    unit: str,
    start: dt.datetime,
    due: dt.datetime,
    percent: int,
    spec: worktime.CalendarSpec | None = None,
) -> dt.datetime:
    if unit in WALL_CLOCK_UNITS or calendar.always_open:
        return start + (due - start) * percent / 100
    spec = spec or calendar_spec(calendar)
    allowed = worktime.working_time_between(spec, start, due)
    if allowed <= dt.timedelta(0):
        return due
    minutes = allowed.total_seconds() * percent / 100 / 60
    return min(worktime.add_working_minutes(spec, start, minutes), due)


def timer_start(
    *,
    subject: models.Model,
    target: str,
    started_at: dt.datetime | None = None,
    assignee: User | None = None,
    context: dict[str, str] | None = None,
    amount: Decimal | int | None = None,
    unit: str | None = None,
    due_at: dt.datetime | None = None,
    owner_role: str = "",
    new_subject: bool = False,
) -> SlaTimer | None:
    """Start the ``target`` timer of ``subject`` from its policy (or an explicit amount).

    Returns ``None`` when no active policy applies. Starting a target that is already
    open returns the open timer unchanged, so callers may retry safely. ``due_at`` gives a
    fixed deadline (an appointment time) instead of the policy's amount. ``owner_role``
    names the role that must act while no one person (``assignee``) is responsible.
    ``new_subject``: the subject was created in this transaction, so it has no timer and
    nobody else can start one (no look-up, no savepoint).
    """
    started_at = started_at or timezone.now()
    ctx = {**sla_context(subject), **(context or {})}
    policy = policy_find(subject=sla_subject_name(subject), target=target, context=ctx)
    if amount is None:
        if policy is None:
            return None
        amount, unit = policy.amount, policy.unit
    if unit is None or unit not in TimeUnit.values:
        raise ApplicationError(_("Unknown time unit %(unit)s.") % {"unit": unit})
    existing = None if new_subject else _open_timer(subject, target)
    if existing is not None:
        return existing
    calendar = _calendar_for(policy, ctx)
    # The calendar's rules are read once (one query) for the deadline and the warning.
    spec = calendar_spec(calendar)
    due = due_at if due_at is not None else deadline(calendar, started_at, amount, unit, spec=spec)
    if due < started_at:
        raise ApplicationError(_("A deadline cannot be before its start."))
    percent = policy.warn_percent if policy else 80
    warn = _warn_instant(calendar, unit, started_at, due, percent, spec)
    timer = SlaTimer(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        target=target,
        policy=policy,
        calendar=calendar,
        amount=Decimal(str(amount)),
        unit=unit,
        warn_percent=percent,
        assignee=assignee,
        owner_role=owner_role if assignee is None else "",
        notify=list(policy.notify) if policy else ["assignee"],
        state=TimerState.RUNNING,
        started_at=started_at,
        due_at=due,
        warn_at=warn,
        next_check_at=warn if warn < due else due,
        subject_customer_id=subject_customer_id(subject),
    )
    return _save_started(subject, timer, new_subject=new_subject)


def _save_started(
    subject: models.Model, timer: SlaTimer, *, new_subject: bool = False
) -> SlaTimer | None:
    """Save a new timer; the one started concurrently by another request wins."""
    history_reason(timer, "start")
    if new_subject:
        timer.save()
    else:
        try:
            with transaction.atomic():
                timer.save()
        except IntegrityError:
            # Started concurrently by another request: the open timer is the answer.
            return _open_timer(subject, timer.target)
    if timer.due_at == timer.started_at:
        _immediate_started(timer)
    if timer_is_promise(timer):
        _pause_while_waiting(subject, timer)
    return timer


def timer_is_promise(timer: SlaTimer) -> bool:
    """A promise to the customer (paused while waiting for the customer), not an internal
    step: the policy's calendar basis says which (docs/domain.md §deadlines.calendar)."""
    return timer.policy is not None and timer.policy.calendar_basis == CalendarBasis.SERVICE_LEVEL


def _pause_while_waiting(subject: models.Model, timer: SlaTimer) -> None:
    """A promise started while the record waits for the customer starts paused."""
    from ..models import CustomerWait

    wait = CustomerWait.objects.for_subject(subject).open().select_for_update().first()
    if wait is None:
        return
    at = max(timer.started_at, wait.started_at)
    paused = timer_pause(subject=subject, target=timer.target, at=at, reason=WAIT_PAUSE_REASON)
    if paused is not None and paused.state == TimerState.PAUSED:
        timer.refresh_from_db()
        if timer.target not in wait.paused_targets:
            wait.paused_targets = [*wait.paused_targets, timer.target]
            history_reason(wait, "deadline paused")
            wait.save(update_fields=["paused_targets"])


WAIT_PAUSE_REASON = "pause: waiting for the customer"
WAIT_RESUME_REASON = "resume: the customer answered"


# --- "immediately": a 0-minute target met in the action that started it --------------
#
# docs/domain.md §deadlines.immediate: a target due at the instant it starts ("immediately", e.g.
# telling the region lead of a fatal defect) that is met in the same action is met, not breached by
# the microseconds the action took. The action is the outermost transaction (under a
# test's wrapping transaction: the outermost savepoint opened by the code under test).


def _action_token() -> str | None:
    if not connection.in_atomic_block:
        return None
    blocks = connection.atomic_blocks
    offset = len(blocks) - len(connection.savepoint_ids)  # 1: the outermost has none
    for index, block in enumerate(blocks):
        if getattr(block, "_from_testcase", False):
            continue
        if index - offset >= 0:
            return connection.savepoint_ids[index - offset]
        token = getattr(connection, "_sla_action_token", None)
        if token is None:
            token = uuid.uuid4().hex
            cast(Any, connection)._sla_action_token = token
            transaction.on_commit(lambda: setattr(connection, "_sla_action_token", None))
        return token
    return None


def _immediate_started(timer: SlaTimer) -> None:
    token = _action_token()
    if token is None:
        return
    started: set[int]
    current, started = getattr(connection, "_sla_immediate", (None, set()))
    if current != token:
        started = set()
    started.add(timer.pk)
    cast(Any, connection)._sla_immediate = (token, started)


def _immediate_in_this_action(timer: SlaTimer) -> bool:
    if timer.due_at != timer.started_at:
        return False
    token, started = getattr(connection, "_sla_immediate", (None, set()))
    return token is not None and token == _action_token() and timer.pk in started


def _open_timer(subject: models.Model, target: str, *, lock: bool = False) -> SlaTimer | None:
    qs = SlaTimer.objects.for_subject(subject).open().filter(target=target)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


#: Reasons after which the deadline's warning and breach notifications are done.
DONE_REASONS = {"meet", "met late", "cancel"}


def _save(timer: SlaTimer, reason: str, fields: Iterable[str]) -> SlaTimer:
    history_reason(timer, reason)
    timer.save(update_fields=list(fields))
    if reason in DONE_REASONS:
        from .notifications import notifications_close_for_timer

        notifications_close_for_timer(timer_id=timer.pk)
    return timer


@transaction.atomic
def timer_pause(
    *, subject: models.Model, target: str, at: dt.datetime | None = None, reason: str = "pause"
) -> SlaTimer | None:
    timer = _open_timer(subject, target, lock=True)
    if timer is None or timer.state != TimerState.RUNNING:
        return timer
    at = at or timezone.now()
    if at > timer.due_at:
        # Already late: a pause cannot move the breach; the sweep records it.
        return timer
    timer.state = TimerState.PAUSED
    timer.paused_at = at
    timer.next_check_at = None
    return _save(timer, reason, ["state", "paused_at", "next_check_at"])


@transaction.atomic
def timer_resume(
    *, subject: models.Model, target: str, at: dt.datetime | None = None, reason: str = "resume"
) -> SlaTimer | None:
    """Resume a paused timer: the working time it was paused is added to its deadline."""
    timer = _open_timer(subject, target, lock=True)
    if timer is None or timer.state != TimerState.PAUSED:
        return timer
    at = at or timezone.now()
    paused_at = timer.paused_at or at  # a paused timer always has it
    if timer.unit in WALL_CLOCK_UNITS or timer.calendar.always_open:
        paused = max(at - paused_at, dt.timedelta(0))
        timer.due_at += paused
        timer.warn_at += paused
    else:
        spec = calendar_spec(timer.calendar)
        paused = max(worktime.working_time_between(spec, paused_at, at), dt.timedelta(0))
        if paused:
            timer.due_at = worktime.add_working_time(spec, timer.due_at, paused)
            timer.warn_at = worktime.add_working_time(spec, timer.warn_at, paused)
    timer.paused_seconds += int(paused.total_seconds())
    timer.paused_at = None
    timer.state = TimerState.RUNNING
    timer.next_check_at = timer.due_at if timer.warned_at else min(timer.warn_at, timer.due_at)
    return _save(
        timer,
        reason,
        ["state", "paused_at", "paused_seconds", "due_at", "warn_at", "next_check_at"],
    )


@transaction.atomic
def timer_meet(
    *, subject: models.Model, target: str, at: dt.datetime | None = None
) -> SlaTimer | None:
    """Record that the target was reached. A breached timer keeps its breach and gets met_at."""
    at = at or timezone.now()
    timer = _open_timer(subject, target, lock=True)
    if timer is None:
        timer = (
            SlaTimer.objects.for_subject(subject)
            .select_for_update()
            .filter(target=target, state=TimerState.BREACHED, met_at__isnull=True)
            .order_by("-started_at")
            .first()
        )
        if timer is None:
            return None
        timer.met_at = at
        return _save(timer, "met late", ["met_at"])
    if (
        timer.state == TimerState.RUNNING
        and at > timer.due_at
        and not _immediate_in_this_action(timer)
    ):
        # Met after the due time but before the sweep noticed: it is still a breach, with
        # its escalation and notifications, exactly as the sweep would have written them.
        _process_batch([timer], at, SweepResult())
        timer.refresh_from_db()
        timer.met_at = at
        return _save(timer, "met late", ["met_at"])
    else:
        timer.state = TimerState.MET
    timer.met_at = at
    timer.paused_at = None
    timer.next_check_at = None
    return _save(timer, "meet", ["state", "met_at", "breached_at", "paused_at", "next_check_at"])


@transaction.atomic
def timer_cancel(
    *, subject: models.Model, target: str, at: dt.datetime | None = None
) -> SlaTimer | None:
    timer = _open_timer(subject, target, lock=True)
    if timer is None:
        return None
    timer.state = TimerState.CANCELLED
    timer.cancelled_at = at or timezone.now()
    timer.next_check_at = None
    return _save(timer, "cancel", ["state", "cancelled_at", "next_check_at"])


@transaction.atomic
def timer_assign(
    *, subject: models.Model, target: str, assignee: User | None = None, owner_role: str = ""
) -> SlaTimer | None:
    """Make a person (or, while there is none, a role) responsible for the ``target``
    deadline: the open one, or a missed one not met yet (someone must still act)."""
    timer = _open_timer(subject, target, lock=True) or (
        SlaTimer.objects.for_subject(subject)
        .select_for_update()
        .filter(target=target, state=TimerState.BREACHED, met_at__isnull=True)
        .order_by("-started_at")
        .first()
    )
    owner_role = owner_role if assignee is None else ""
    assignee_id = assignee.pk if assignee is not None else None
    if timer is None or (timer.assignee_id, timer.owner_role) == (assignee_id, owner_role):
        return timer
    timer.assignee = assignee
    timer.owner_role = owner_role
    return _save(timer, "assign", ["assignee", "owner_role"])


def timers_cancel_all(*, subject: models.Model, at: dt.datetime | None = None) -> int:
    """Cancel every open timer of ``subject`` (e.g. when a workflow is terminated)."""
    targets = SlaTimer.objects.for_subject(subject).open().values_list("target", flat=True)
    return sum(timer_cancel(subject=subject, target=t, at=at) is not None for t in list(targets))


# --- the sweep ---------------------------------------------------------------------


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    notifications: int = 0
    batches: int = 0
    timer_ids: list[int] = field(default_factory=list)


def _recipients(timer: SlaTimer, role_members: dict[str, list[User]]) -> list[User]:
    people: dict[int, User] = {}
    for who in timer.notify or ["assignee"]:
        for user in _recipients_named(timer, who, role_members):
            people[user.pk] = user
    # Staff following the subject (e.g. a defect) are told too, whatever the policy names.
    followers = getattr(timer.subject, "sla_followers", None)
    for user in followers() if followers else []:
        people[user.pk] = user
    return [p for p in people.values() if p.is_active]


def _recipients_named(timer: SlaTimer, who: str, role_members: dict[str, list[User]]) -> list[User]:
    """Whom one entry of a policy's ``notify`` names: the assignee (or, while there is
    none, the members of the owning role), the assignee's manager, or a role's members."""
    if who == "assignee":
        if timer.assignee is not None:
            return [timer.assignee]
        return role_members.get(timer.owner_role, []) if timer.owner_role else []
    if who == "assignee_manager":
        profile = getattr(timer.assignee, "profile", None) if timer.assignee_id else None
        if profile is not None and profile.manager is not None:
            return [profile.manager]
        return []
    return role_members.get(who, [])


def _role_members(timers: list[SlaTimer]) -> dict[str, list[User]]:
    roles = {
        w for t in timers for w in (t.notify or []) if w not in ("assignee", "assignee_manager")
    }
    roles |= {t.owner_role for t in timers if t.owner_role and not t.assignee_id}
    members: dict[str, list[User]] = defaultdict(list)
    if roles:
        user_model = get_user_model()
        for user in user_model.objects.filter(groups__name__in=roles, is_active=True).annotate(
            role=models.F("groups__name")
        ):
            members[user.role].append(user)
    return members


def sla_sweep(*, now: dt.datetime | None = None, batch_size: int = 1000) -> SweepResult:
    """Mark warnings and breaches of running timers whose check time has come.

    Each batch is one transaction that locks its rows with SKIP LOCKED, so concurrent
    sweeps share the work without processing a timer twice; the unique constraints on
    escalations and notification keys make a repeated run a no-op.
    """
    now = now or timezone.now()
    result = SweepResult()
    missed: dict[int, set[int]] = defaultdict(set)
    while True:
        with transaction.atomic():
            timers = list(
                SlaTimer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(state=TimerState.RUNNING, next_check_at__lte=now)
                .select_related("assignee__profile__manager", "subject_type")
                .order_by("next_check_at", "id")[:batch_size]
            )
            if timers:
                result.batches += 1
                with skip_locked_subjects():
                    _process_batch(timers, now, result)
        kept = kept_subject_types() if timers else {}
        for timer in timers:
            if timer.state == TimerState.BREACHED and timer.subject_type_id in kept:
                missed[timer.subject_type_id].add(timer.subject_id)
        if len(timers) < batch_size:
            break
    if missed:
        # The records whose nearest deadline the batches' triggers skipped (locked by a
        # user's action at that moment) are set right now, waiting for their locks.
        with transaction.atomic():
            next_due_repair(missed)
    return result


def _process_batch(timers: list[SlaTimer], now: dt.datetime, result: SweepResult) -> None:
    models.prefetch_related_objects(timers, "subject")
    role_members = _role_members(timers)
    escalations: list[tuple] = []
    notifications: list[tuple] = []
    breached: list[int] = []
    warned: list[int] = []
    for timer in timers:
        if timer.due_at <= now:
            kind = Escalation.Kind.BREACH
            timer.state = TimerState.BREACHED
            timer.breached_at = timer.due_at
            timer.next_check_at = None
            breached.append(timer.pk)
            result.breached += 1
        else:
            kind = Escalation.Kind.WARNING
            timer.warned_at = timer.warn_at
            timer.next_check_at = timer.due_at
            warned.append(timer.pk)
            result.warned += 1
        result.timer_ids.append(timer.pk)
        people = _recipients(timer, role_members)
        escalations.append((timer.pk, kind, [p.get_username() for p in people]))
        notifications.extend(_notification_rows(timer, kind, people))
    # Every row of a kind gets the same change: one set-based UPDATE per kind. (bulk_update's
    # CASE WHEN per row and field took 14 s of 10,000 breaches, these 0.3 s: tests/bench.)
    if breached:
        SlaTimer.objects.filter(pk__in=breached).update(
            state=TimerState.BREACHED, breached_at=models.F("due_at"), next_check_at=None
        )
    if warned:
        SlaTimer.objects.filter(pk__in=warned).update(
            warned_at=models.F("warn_at"), next_check_at=models.F("due_at")
        )
    if connection.vendor == "postgresql":
        # Set-based writes: 10,000 breaches bring ~60,000 rows (history, escalations,
        # notifications); building them as model instances dominated the sweep's time.
        recorded = timezone.now()  # history and outbox rows are stamped when written
        _history_from_rows([t.pk for t in timers], recorded)
        _insert_unnest(
            Notification,
            NOTIFICATION_COLUMNS,
            notifications,
            recorded,
            extra={"email_attempts": 0, "email_last_error": "", "email_claim": ""},
        )
        _insert_unnest(Escalation, ESCALATION_COLUMNS, escalations, recorded)
    else:
        SlaTimer.history.bulk_history_create(timers, update=True, default_change_reason="sla sweep")
        names = [name for name, _type in NOTIFICATION_COLUMNS]
        Notification.objects.bulk_create(
            [Notification(**dict(zip(names, row, strict=True))) for row in notifications],
            ignore_conflicts=True,
        )
        Escalation.objects.bulk_create(
            [Escalation(timer_id=t, kind=k, recipients=r) for t, k, r in escalations],
            ignore_conflicts=True,
        )
    result.notifications += len(notifications)
    if notifications:
        from .notifications import _kick_delivery

        transaction.on_commit(_kick_delivery)


def _history_from_rows(ids: list[int], now: dt.datetime) -> None:
    """One history row per timer, copied by the database from the updated rows."""
    history = SlaTimer.history.model
    columns = [cast(str, f.column) for f in SlaTimer._meta.concrete_fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(history._meta.db_table)} "  # noqa: S608
        f"({quoted}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {quoted}, %s, %s, '~', NULL "
        f"FROM {connection.ops.quote_name(SlaTimer._meta.db_table)} WHERE id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, "sla sweep", ids])


NOTIFICATION_COLUMNS = [
    ("recipient_id", "bigint"),
    ("kind", "text"),
    ("title", "text"),
    ("body", "text"),
    ("url", "text"),
    ("target_type_id", "integer"),
    ("target_id", "bigint"),
    ("dedupe_key", "text"),
    ("email_state", "text"),
]
ESCALATION_COLUMNS = [("timer_id", "bigint"), ("kind", "text"), ("recipients", "jsonb")]


def _insert_unnest(
    model: type[models.Model],
    columns: list[tuple[str, str]],
    rows: list[tuple],
    created_at: dt.datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """INSERT … SELECT FROM unnest(arrays): one statement, no model instances built.

    Conflicts with the once-only constraints are skipped, as with ignore_conflicts.
    """
    if not rows:
        return
    extra = extra or {}
    arrays = []
    for index, (_name, sql_type) in enumerate(columns):
        values = [row[index] for row in rows]
        if sql_type == "jsonb":
            values = [json.dumps(v, ensure_ascii=False) for v in values]
        arrays.append(values)
    names = "".join(f", {name}" for name, _type in columns)[2:]
    unnest = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in columns)
    fixed = ", ".join(["%s"] * (1 + len(extra)))
    extra_names = "".join(f", {name}" for name in extra)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
        f"({names}, created_at{extra_names}) "
        f"SELECT u.*, {fixed} FROM unnest({unnest}) AS u ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [created_at, *extra.values(), *arrays])


def _notification_rows(timer: SlaTimer, kind: str, people: list[User]) -> list[tuple]:
    """Outbox rows as tuples in NOTIFICATION_COLUMNS order."""
    from ..choices import EmailState

    subject = timer.subject
    label = str(subject) if subject is not None else f"#{timer.subject_id}"
    local_due = timezone.localtime(timer.due_at)
    target = timer_target_label(timer.target)  # the deadline's name, never its code
    if kind == Escalation.Kind.BREACH:
        title = _("Overdue: %(target)s of %(subject)s") % {"target": target, "subject": label}
    else:
        title = _("Due soon: %(target)s of %(subject)s") % {"target": target, "subject": label}
    body = _("Due at %(due)s.") % {"due": f"{local_due:%Y-%m-%d %H:%M}"}
    url = (
        subject.get_absolute_url()
        if subject is not None and hasattr(subject, "get_absolute_url")
        else ""
    )
    key = f"sla:{timer.pk}:{kind}"
    return [
        (
            person.pk,
            f"sla_{kind}",
            title[:200],
            body,
            url,
            timer.subject_type_id,
            timer.subject_id,
            key,
            EmailState.PENDING.value if person.email else EmailState.SKIPPED.value,
        )
        for person in people
    ]


# -- the customer copied onto the timers ---------------------------------------------------

_CUSTOMER_SEEN = "_sla_customer_seen"


def _customer_seen(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """post_init: remember the customer the record was loaded with (not when deferred)."""
    column = subject_customer_field(sender)
    if column and column in instance.__dict__:
        instance.__dict__[_CUSTOMER_SEEN] = instance.__dict__[column]


def _customer_follow(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """post_save: a record given another customer moves its timers along, so the charts
    count its deadlines for the customer it has now (docs/architecture.md §dashboards).
    Costs a query only when the customer changed."""
    column = subject_customer_field(sender)
    if not column or created:
        return
    if update_fields is not None and not {"customer", column} & set(update_fields):
        return
    now = instance.__dict__.get(column)
    if instance.__dict__.get(_CUSTOMER_SEEN, _MISSING) == now:
        return
    SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(sender), subject_id=instance.pk
    ).exclude(subject_customer_id=now).update(subject_customer_id=now)
    instance.__dict__[_CUSTOMER_SEEN] = now


_MISSING = object()


def timers_follow_customers() -> None:
    """Connect the two handlers above to every kind of record with deadlines and a
    customer (called once from CoreConfig.ready)."""
    from django.db.models.signals import post_init, post_save

    from ..models.sla import timer_subject_models

    for model in timer_subject_models():
        if subject_customer_field(model) is None:
            continue
        label = model._meta.label_lower
        post_init.connect(_customer_seen, sender=model, dispatch_uid=f"sla_customer_seen.{label}")
        post_save.connect(
            _customer_follow, sender=model, dispatch_uid=f"sla_customer_follow.{label}"
        )
