"""The ticket keeps its nearest running deadline (``next_due_at``), set by triggers on the
timers' table (servicedesk/core/next_due.py; docs/architecture.md §boards.kept)."""

from django.db import migrations, models

from servicedesk.core.next_due import repair_sql, triggers_create_sql, triggers_drop_sql

TICKET = ("tickets", "ticket", "tickets_ticket")


def triggers_create(apps, schema_editor):
    conn = schema_editor.connection
    for statement in triggers_create_sql(conn, *TICKET):
        schema_editor.execute(statement, params=None)
    # The open tickets' values as they are now; the triggers keep them from here on.
    with conn.cursor() as cursor:
        cursor.execute(repair_sql(conn, *TICKET))


def triggers_drop(apps, schema_editor):
    for statement in triggers_drop_sql(schema_editor.connection, *TICKET[:2]):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0015_sla_timer_customer"),
        ("tickets", "0013_open_ticket_person_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="next_due_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="next deadline"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("state", "closed"), _negated=True),
                fields=["state", "next_due_at", "received_at", "id"],
                name="ticket_board_next_due",
            ),
        ),
        migrations.RunPython(triggers_create, triggers_drop, elidable=False),
    ]
