"""Rows for the load test beyond the demo company (run inside the site's own database by
tests/load/harness.py, with production settings). Reuses the bench's writers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from fieldservice.models import Engineer
from tests.bench.test_bench_fieldservice import make_world
from tests.bench.test_bench_tickets import (
    analyze,
    make_calls,
    make_customers,
    make_people,
    make_tickets,
)
from tests.load.harness import Size

HOTLINE = "wangjing"
FIELD = "chengang"


def seed(size: Size) -> None:
    import tests.bench.test_bench_tickets as tickets_bench

    tickets_bench.ENGINEERS = size.hotline_engineers
    with transaction.atomic():
        people = make_people()
        make_customers(0, size.customers, people["sales"])
        make_tickets(0, size.tickets, size.open_tickets)
        make_calls(0, size.calls)
        # offset: past make_customers' names (both write 华东精密机械有限公司NNNNN).
        make_world(size.field_engineers, size.dispatches, size.waiting, offset=90_000)
        users = {
            u.username: u.pk for u in get_user_model().objects.filter(username__in=[HOTLINE, FIELD])
        }
        engineer = Engineer.objects.get(user_id=users[FIELD]).pk
        with connection.cursor() as cursor:
            # The hotline engineer's queue: open tickets taken by her and assigned to her.
            cursor.execute(
                """UPDATE tickets_ticket SET assignee_id = %s, first_contact_owner_id = %s
                   WHERE id IN (SELECT id FROM tickets_ticket WHERE state <> 'closed'
                                ORDER BY id DESC LIMIT %s)""",
                [users[HOTLINE], users[HOTLINE], size.queue],
            )
            cursor.execute(
                """UPDATE core_slatimer SET assignee_id = %s WHERE subject_id IN (
                       SELECT id FROM tickets_ticket WHERE assignee_id = %s)""",
                [users[HOTLINE], users[HOTLINE]],
            )
            # The field engineer's week of visits.
            cursor.execute(
                """UPDATE fieldservice_dispatch SET engineer_id = %s
                   WHERE id IN (SELECT id FROM fieldservice_dispatch
                                WHERE engineer_id IS NOT NULL ORDER BY id LIMIT %s)""",
                [engineer, size.visits],
            )
    analyze()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
