"""A record's nearest running deadline, kept on its own row by the database.

A board or a queue ranks open records by their nearest running deadline. Read from the
timers, that is one index probe per open record — 30,000 at 200,000 tickets — and every
page grew with the table. A model that keeps the value on its row (``next_due_at``,
indexed with the state) is ranked by a short index read per column instead
(docs/architecture.md §boards.kept).

The value is kept by **triggers on the timers' table**, not by our Python: every writer
of timers — the timer services, the sweep's set-based UPDATE, the benchmarks'
``INSERT … SELECT``, a factory in a test, an operator in ``psql`` — moves it in the same
statement, and creating a ticket costs no extra query. ``save()`` never writes it
(``KeptNextDueMixin``): an instance loaded before its timers changed would write back a
stale value.

Locks. A service locks its ticket, then its timers; the sweep locks timers, then (through
the trigger) would lock their tickets: two transactions could wait for each other. In the
sweep (``skip_locked_subjects``) the trigger skips tickets another transaction holds;
``next_due_repair`` then mends what they skipped, after each sweep (the records of the
deadlines it missed, waiting for their locks) and every night (every record).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper

from .choices import TimerState

#: the kept column's field name on every model that keeps it
NEXT_DUE_FIELD = "next_due_at"
#: the session setting that makes the triggers skip locked subjects (the sweep)
SKIP_LOCKED_SETTING = "servicedesk.next_due_skip_locked"
TIMERS_TABLE = "core_slatimer"


def keeps_next_due(model: type[models.Model]) -> bool:
    return any(f.name == NEXT_DUE_FIELD for f in model._meta.concrete_fields)


class KeptNextDueMixin:
    """For a model that keeps its next deadline: ``save()`` leaves the column alone (the
    triggers own it), whatever the instance holds."""

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):  # type: ignore[no-untyped-def]
        values = [v for v in values if v[0].name != NEXT_DUE_FIELD]
        return super()._do_update(  # type: ignore[misc]
            base_qs, using, pk_val, values, update_fields, forced_update
        )


def _names(app_label: str, model: str) -> dict[str, str]:
    base = f"{app_label}_{model}_next_due"
    return {
        "function": base,
        "insert": f"{base}_ins",
        "update": f"{base}_upd",
        "delete": f"{base}_del",
    }


def _nearest(conn: BaseDatabaseWrapper, kind: str, subject: str) -> str:
    """SQL: the nearest running due time of the subject ``subject`` of type ``kind``."""
    q = conn.ops.quote_name
    return (
        f"(SELECT MIN(s.due_at) FROM {q(TIMERS_TABLE)} s WHERE s.subject_type_id = {kind} "
        f"AND s.subject_id = {subject} AND s.state = '{TimerState.RUNNING.value}')"
    )


def _distinct(conn: BaseDatabaseWrapper) -> str:
    """Null-safe "differs" (SQLite's ``IS NOT``; ``IS DISTINCT FROM`` only since 3.39)."""
    return "IS DISTINCT FROM" if conn.vendor == "postgresql" else "IS NOT"


def _content_type(app_label: str, model: str) -> str:
    return (
        f"(SELECT id FROM django_content_type WHERE app_label = '{app_label}' "
        f"AND model = '{model}')"
    )


def triggers_create_sql(
    conn: BaseDatabaseWrapper, app_label: str, model: str, table: str
) -> list[str]:
    """The statements that make the database keep ``table.next_due_at``. Only our own
    identifiers and constants are put into the text."""
    names = _names(app_label, model)
    q = conn.ops.quote_name
    if conn.vendor == "postgresql":
        # (a variable named apart from every column: the tickets have a "kind")
        nearest = _nearest(conn, "v_subject_type", "t.id")
        changed = "SELECT c.subject_id FROM changed c WHERE c.subject_type_id = v_subject_type"
        body = f"""
            CREATE OR REPLACE FUNCTION {names["function"]}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE v_subject_type integer;
            BEGIN
                v_subject_type := {_content_type(app_label, model)};
                IF v_subject_type IS NULL THEN RETURN NULL; END IF;
                IF current_setting('{SKIP_LOCKED_SETTING}', true) = 'on' THEN
                    UPDATE {q(table)} t SET {NEXT_DUE_FIELD} = {nearest}
                    WHERE t.id IN (
                        SELECT l.id FROM {q(table)} l WHERE l.id IN ({changed})
                        FOR UPDATE SKIP LOCKED)
                    AND t.{NEXT_DUE_FIELD} IS DISTINCT FROM {nearest};
                ELSE
                    UPDATE {q(table)} t SET {NEXT_DUE_FIELD} = {nearest}
                    WHERE t.id IN ({changed})
                    AND t.{NEXT_DUE_FIELD} IS DISTINCT FROM {nearest};
                END IF;
                RETURN NULL;
            END $$"""
        statements = [body]
        for event, transition in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
            statements.append(
                f"CREATE TRIGGER {names[event]} AFTER {event.upper()} ON {q(TIMERS_TABLE)} "
                f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {names['function']}()"
            )
        return statements
    # SQLite: a trigger per row; no locks to skip.
    kind = _content_type(app_label, model)
    statements = []
    for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
        on = (
            "UPDATE OF state, due_at, subject_type_id, subject_id"
            if event == "update"
            else event.upper()
        )
        running = TimerState.RUNNING.value
        was_running = (
            f"(NEW.state = '{running}' OR OLD.state = '{running}')"
            if event == "update"
            else f"{row}.state = '{running}'"
        )
        statements.append(
            f"CREATE TRIGGER {names[event]} AFTER {on} ON {q(TIMERS_TABLE)} "
            f"WHEN {was_running} AND {row}.subject_type_id = {kind} BEGIN "
            f"UPDATE {q(table)} SET {NEXT_DUE_FIELD} = "
            f"{_nearest(conn, f'{row}.subject_type_id', f'{row}.subject_id')} "
            f"WHERE id = {row}.subject_id; END"
        )
    return statements


def triggers_drop_sql(conn: BaseDatabaseWrapper, app_label: str, model: str) -> list[str]:
    names = _names(app_label, model)
    q = conn.ops.quote_name
    statements = [f"DROP TRIGGER IF EXISTS {names[e]}" for e in ("insert", "update", "delete")]
    if conn.vendor == "postgresql":
        statements = [f"{s} ON {q(TIMERS_TABLE)}" for s in statements]
        statements.append(f"DROP FUNCTION IF EXISTS {names['function']}()")
    return statements


def repair_sql(
    conn: BaseDatabaseWrapper, app_label: str, model: str, table: str, *, ids: int = 0
) -> str:
    """One UPDATE that sets the wrong kept values right: among the ``ids`` records whose
    keys are its parameters, or (``ids=0``) among all records with a value or a running
    deadline. Only the wrong ones are written, and so locked."""
    q = conn.ops.quote_name
    kind = _content_type(app_label, model)
    if ids:
        scope = f"l.id IN ({', '.join(['%s'] * ids)})"
    else:
        scope = (
            f"(l.{NEXT_DUE_FIELD} IS NOT NULL OR l.id IN (SELECT subject_id FROM "
            f"{q(TIMERS_TABLE)} WHERE subject_type_id = {kind} "
            f"AND state = '{TimerState.RUNNING.value}'))"
        )
    return (
        f"UPDATE {q(table)} SET {NEXT_DUE_FIELD} = {_nearest(conn, kind, q(table) + '.id')} "
        f"WHERE id IN (SELECT l.id FROM {q(table)} l WHERE {scope} "
        f"AND l.{NEXT_DUE_FIELD} {_distinct(conn)} {_nearest(conn, kind, 'l.id')})"
    )


def kept_subject_types() -> dict[int, type[models.Model]]:
    """The models that keep their next deadline, by content type (cached by Django after
    the first look-up)."""
    from django.apps import apps

    return {
        ContentType.objects.get_for_model(m).pk: m for m in apps.get_models() if keeps_next_due(m)
    }


REPAIR_BATCH = 500


def next_due_repair(subjects: dict[int, set[int]] | None = None) -> int:
    """Set right the kept deadlines that are wrong, and say how many were: of
    ``subjects`` (content type → keys: the records of the deadlines the sweep just
    missed, whose triggers may have skipped them), or of every record (every night).
    Runs outside the sweep's batches, holding no timer: it may wait for a record's lock."""
    mended = 0
    with connection.cursor() as cursor:
        for content_type, model in kept_subject_types().items():
            meta = model._meta
            names = (meta.app_label, meta.model_name or "", meta.db_table)
            if subjects is None:
                cursor.execute(repair_sql(connection, *names))
                mended += max(cursor.rowcount, 0)
                continue
            keys = sorted(subjects.get(content_type, ()))
            for start in range(0, len(keys), REPAIR_BATCH):
                batch = keys[start : start + REPAIR_BATCH]
                cursor.execute(repair_sql(connection, *names, ids=len(batch)), batch)
                mended += max(cursor.rowcount, 0)
    return mended


@contextmanager
def skip_locked_subjects() -> Iterator[None]:
    """Inside the current transaction, the triggers skip records another transaction has
    locked (the sweep: see the module's docstring)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [SKIP_LOCKED_SETTING])
    yield
    # Not in a ``finally``: after an error the transaction (or savepoint) is rolled back,
    # and the setting with it; a statement here would only fail in the aborted transaction.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [SKIP_LOCKED_SETTING])
