"""Primary keys reserved before the insert, for records whose number is made of their key
(``RX20260916-00042``): saving the row once, with its number, instead of inserting a
placeholder and updating it (one query and one history row less per record)."""

from __future__ import annotations

from django.db import connection, models


def key_reserve(model: type[models.Model]) -> int:
    """The next key of ``model``'s table, never handed out twice. PostgreSQL: the
    identity's sequence (``nextval`` is outside transactions, so two requests never get
    the same). SQLite: one above the highest ever given (its ``sqlite_sequence``) — the
    caller is inside the write transaction, which SQLite runs one at a time."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, column])
            return int(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = %s "  # noqa: S608 - the table's own name
            f'UNION ALL SELECT MAX("{column}") FROM "{table}")',
            [table],
        )
        return int(cursor.fetchone()[0] or 0) + 1
