"""The defect board and the defect list API at production size on PostgreSQL (issue 7,
Done when).

100,000 defects (3,000 open, spread over the board's columns and the four severities) of
2,000 customers, with their deadlines (running for open defects, met for closed ones).
Measured through the whole Django stack: the board (all columns, and filtered by
severity, customer, product and overdue) and ``GET /api/v1/defects/``. Each runs in the
same number of queries as with a handful of rows (asserted). Prints ``BENCH
<name>_median_ms``, ``_p95_ms`` and ``_queries`` lines.
"""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client

from contracts.models import Customer
from defects.models import Defect
from servicedesk.core.calendars import default_calendar
from servicedesk.core.choices import Role
from servicedesk.core.roles import sync_role_permissions
from tests.bench.test_bench_tickets import queries_of, timed

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

CUSTOMERS = 2_000
DEFECTS = 100_000
OPEN = 3_000
SMALL = {"defects": 80, "open": 40}
OPEN_STATES = ["recorded", "reported", "verified", "in_fix", "reopened", "fixed", "confirmed"]
SEVERITIES = ["fatal", "serious", "important", "general"]
TARGET = {"fatal": "escalation", "serious": "fix", "important": "resolve", "general": "report"}


def make_people() -> dict:
    sync_role_permissions()
    users = get_user_model().objects
    engineer = users.create_user("bench-df-eng", last_name="王", first_name="工")
    engineer.groups.add(Group.objects.get(name=Role.FIELD_ENGINEER))
    manager = users.create_user("bench-df-tm", last_name="钱", first_name="经理")
    manager.groups.add(Group.objects.get(name=Role.TECH_MANAGER))
    return {"engineer": engineer, "manager": manager}


def make_customers(n: int) -> None:
    Customer.objects.bulk_create(
        Customer(name=f"华东精密机械有限公司{i:05d}", short_name=f"精密{i:05d}") for i in range(n)
    )


def make_defects(start: int, stop: int, open_below: int, people: dict) -> None:
    """Defects ``start``..``stop-1``: those numbered below ``open_below`` open (spread over
    the board's states), the rest closed; one deadline each."""
    defect_type = ContentType.objects.get_for_model(Defect).pk
    calendar = default_calendar().pk
    states = "ARRAY[" + ",".join(f"'{s}'" for s in OPEN_STATES) + "]"
    severities = "ARRAY[" + ",".join(f"'{s}'" for s in SEVERITIES) + "]"
    recorder, assignee = people["engineer"].pk, people["manager"].pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH cs AS (SELECT array_agg(id ORDER BY id) AS ids FROM contracts_customer)
            INSERT INTO defects_defect (
                number, severity, title, steps, customer_sees, product, version, module, site,
                customer_id, reported_at, state, recorded_by_id, assignee_id, workaround,
                tracker_key, tracker_url, report_note, verify_note, fix_note, fixed_version,
                confirm_note, reopen_reason, reject_reason, reject_note, escalation_point,
                closed_at, created_at)
            SELECT
                'BD' || lpad(g::text, 8, '0'),
                ({severities})[1 + g %% 4],
                '凭证保存报错（第' || g || '例）', '填制凭证→保存', '提示科目已停用',
                CASE WHEN g %% 3 = 0 THEN 'T6' ELSE 'U8' END, 'V13.0', '总账', '苏州',
                cs.ids[1 + g %% array_length(cs.ids, 1)],
                now() - make_interval(mins => g * 3),
                CASE WHEN g < %s THEN ({states})[1 + g %% 7] ELSE 'closed' END,
                %s, %s, '', CASE WHEN g %% 10 = 0 THEN 'U8-' || g ELSE '' END, '',
                '', '', '', '', '', '', '', '', '',
                CASE WHEN g < %s THEN NULL ELSE now() - make_interval(mins => g * 3 - 600) END,
                now() - make_interval(mins => g * 3)
            FROM generate_series(%s, %s) AS g, cs
            """,
            [open_below, recorder, assignee, open_below, start, stop - 1],
        )
        cursor.execute(
            """
            INSERT INTO core_slatimer (
                subject_type_id, subject_id, target, policy_id, calendar_id, amount, unit,
                warn_percent, assignee_id, notify, state, started_at, due_at, warn_at,
                next_check_at, paused_at, paused_seconds, warned_at, met_at, breached_at,
                cancelled_at)
            SELECT %s, d.id,
                CASE d.severity WHEN 'fatal' THEN 'escalation' WHEN 'serious' THEN 'fix'
                     WHEN 'important' THEN 'resolve' ELSE 'report' END,
                NULL, %s, 1, 'working_days', 80, d.assignee_id, '[]'::jsonb,
                CASE WHEN d.state = 'closed' THEN 'met'
                     WHEN d.id %% 9 = 0 THEN 'breached' ELSE 'running' END,
                d.reported_at,
                now() + make_interval(mins => (d.id %% 900)::int - 120),
                now() + make_interval(mins => (d.id %% 900)::int - 300),
                CASE WHEN d.state = 'closed' OR d.id %% 9 = 0 THEN NULL
                     ELSE now() + make_interval(mins => (d.id %% 900)::int - 300) END,
                NULL, 0, NULL,
                CASE WHEN d.state = 'closed' THEN d.closed_at END,
                CASE WHEN d.state <> 'closed' AND d.id %% 9 = 0 THEN now() END, NULL
            FROM defects_defect d WHERE d.number >= %s AND d.number < %s
            """,
            [defect_type, calendar, f"BD{start:08d}", f"BD{stop:08d}"],
        )


def analyze() -> None:
    with connection.cursor() as cursor:
        for table in ("contracts_customer", "defects_defect", "core_slatimer"):
            cursor.execute(f"ANALYZE {table}")


def urls(customer_id: int) -> dict[str, str]:
    return {
        "board": "/defects/",
        "board_serious": "/defects/?severity=serious",
        "board_customer": f"/defects/?customer={customer_id}",
        "board_product_overdue": "/defects/?product=T6&overdue=1",
        "defect_list_api": "/api/v1/defects/",
        "defect_list_api_open_serious": "/api/v1/defects/?open=true&severity=serious",
        "defect_list_api_overdue": "/api/v1/defects/?overdue=true",
    }


def test_bench_defect_board_and_list_api() -> None:
    began = time.perf_counter()
    people = make_people()
    client = Client()
    client.force_login(people["manager"])
    make_customers(CUSTOMERS)
    customer_id = Customer.objects.order_by("pk").values_list("pk", flat=True)[7]
    make_defects(1, SMALL["defects"], SMALL["open"], people)
    analyze()
    small = {name: queries_of(client, url) for name, url in urls(customer_id).items()}

    make_defects(SMALL["defects"], DEFECTS + 1, OPEN, people)
    analyze()
    print(f"BENCH defects_setup_seconds: {time.perf_counter() - began:.1f}")
    assert Defect.objects.count() == DEFECTS
    print(f"BENCH defects_open: {Defect.objects.open().count()}")
    for name, url in urls(customer_id).items():
        queries = queries_of(client, url)
        print(f"BENCH {name}_queries: {queries}")
        assert queries == small[name], name
        timed(name, lambda i, url=url: client.get(url, {"page": 1 + i % 3} if "api" in url else {}))
