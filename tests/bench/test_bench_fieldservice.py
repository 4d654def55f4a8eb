"""Field service at production size on PostgreSQL (issue 6, Done when).

- The dispatch board for 200 engineers × 7 days with 5,000 dispatches (plus 300 requests
  waiting in the side list and a week of leave) renders in the same number of queries as
  with a handful of rows (asserted), through the whole Django stack; 30 engineers a page
  (docs/architecture.md §boards), every card on one of the pages.
- The customer service report PDF, per page (target under 200 ms, asserted).

Prints ``BENCH <name>_median_ms``, ``_p95_ms`` and ``_queries`` lines.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Customer
from fieldservice.models import Dispatch, Engineer, EngineerLeave, Partner
from servicedesk.core.choices import Role
from servicedesk.core.roles import sync_role_permissions

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

ENGINEERS = 200
DISPATCHES = 5_000
WAITING = 300
DAYS = 7
REQUESTS = 10
PDF_RUNS = 15
PDF_PAGE_MS = 200.0
STATES = ["assigned", "confirmed", "scheduled", "on_site", "completed"]


def _measure(run: Callable[[], object], n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def _report(name: str, median: float, p95: float, queries: int | None = None) -> None:
    print(f"\nBENCH {name}_median_ms {median:.1f}")
    print(f"BENCH {name}_p95_ms {p95:.1f}")
    if queries is not None:
        print(f"BENCH {name}_queries {queries}")


def make_world(engineers: int, dispatches: int, waiting: int, offset: int = 0) -> None:
    users = get_user_model().objects
    group = Group.objects.get(name=Role.FIELD_ENGINEER)
    partner = Partner.objects.first() or Partner.objects.create(
        name="苏州信达信息技术有限公司", billing_mode="person_day", person_day_rate="800"
    )
    made = users.bulk_create(
        get_user_model()(username=f"bench-fe{offset + i:04d}", last_name="陈", first_name=f"{i}")
        for i in range(engineers)
    )
    made = list(users.filter(username__startswith="bench-fe").order_by("pk"))[-engineers:]
    group.user_set.add(*made)
    people = Engineer.objects.bulk_create(
        Engineer(
            user=u,
            partner=partner if i % 4 == 0 else None,
            region=["华东", "苏南", "苏北", "浙江"][i % 4],
            skills="U8, T+",
            certified_on=dt.date(2025, 1, 1),
        )
        for i, u in enumerate(made)
    )
    EngineerLeave.objects.bulk_create(
        EngineerLeave(
            engineer=e,
            starts_on=timezone.localdate() + dt.timedelta(days=i % DAYS),
            ends_on=timezone.localdate() + dt.timedelta(days=i % DAYS + 1),
        )
        for i, e in enumerate(people[::10])
    )
    customers = Customer.objects.bulk_create(
        Customer(name=f"华东精密机械有限公司{offset + i:05d}", short_name=f"精密{offset + i:05d}")
        for i in range(max(1, engineers))
    )
    begin = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 0)))
    rows = []
    for i in range(dispatches):
        engineer = people[i % len(people)]
        start = begin + dt.timedelta(days=(i // len(people)) % DAYS, hours=(i % 4) * 2)
        state = STATES[i % len(STATES)]
        rows.append(
            Dispatch(
                number=f"BPG{offset + i:07d}",
                customer=customers[i % len(customers)],
                site_address="苏州工业园区星湖街 328 号",
                contact_name="李会计",
                contact_phone="13912345678",
                problem="凭证打印时程序退出",
                state=state,
                engineer=engineer,
                planned_start=start,
                appointment_at=start if state in ("scheduled", "on_site", "completed") else None,
            )
        )
    for i in range(waiting):
        rows.append(
            Dispatch(
                number=f"BRQ{offset + i:07d}",
                customer=customers[i % len(customers)],
                site_address="苏州",
                contact_name="李会计",
                contact_phone="13912345678",
                problem="待派工",
                state="verified" if i % 2 else "requested",
            )
        )
    Dispatch.objects.bulk_create(rows, batch_size=2_000)


def _board(client: Client) -> tuple[int, int]:
    """The first page's queries, and the cards of every page (30 engineers a page)."""
    client.get("/dispatches/board/")  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/dispatches/board/")
    assert response.status_code == 200
    cards = 0
    for page in range(1, Engineer.objects.count() // 30 + 2):
        html = client.get("/dispatches/board/", {"page": page}).content.decode()
        cards += html.count('data-testid="board-card"')
    return len(ctx.captured_queries), cards


def test_board_200_engineers_7_days_5000_dispatches():
    sync_role_permissions()
    manager = get_user_model().objects.create_user("bench-manager", last_name="郑", first_name="伟")
    manager.groups.add(Group.objects.get(name=Role.SERVICE_MANAGER))
    client = Client()
    client.force_login(manager)

    make_world(5, 20, 5)
    few_queries, few_cards = _board(client)
    make_world(ENGINEERS - 5, DISPATCHES - 20, WAITING - 5, offset=10_000)
    assert Engineer.objects.count() == ENGINEERS
    assert Dispatch.objects.count() == DISPATCHES + WAITING
    many_queries, many_cards = _board(client)
    assert many_cards > few_cards and many_cards >= DISPATCHES * 0.9
    assert many_queries == few_queries

    median, p95 = _measure(lambda: client.get("/dispatches/board/"), REQUESTS)
    _report("fieldservice_board_200x7_5000", median, p95, many_queries)


def test_service_report_pdf_per_page(make_user):
    from fieldservice.choices import DispatchState
    from fieldservice.services import part_add
    from servicedesk.core import printforms
    from tests.fieldservice.factories import REPORT, advance, make_engineer, new_dispatch

    manager = make_user(Role.SERVICE_MANAGER, username="bench-zhengwei")
    engineer = make_engineer(make_user, username="bench-chengang")
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    for i in range(6):
        part_add(d, by=engineer.user, part_name=f"内存条 {i}", serial_number=f"SN-{i:04d}")
    from fieldservice.services import dispatch_complete
    from tests.fieldservice.factories import signature_png

    d = dispatch_complete(
        d, by=engineer.user, signature_image=signature_png(), signer_name="李会计", **REPORT
    )
    spec = printforms.form_get(Dispatch, "service_report")
    pdf = printforms.render(spec, d)
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages >= 1
    median, p95 = _measure(lambda: printforms.render(spec, Dispatch.objects.get(pk=d.pk)), PDF_RUNS)
    per_page = median / pages
    print(f"\nBENCH fieldservice_service_report_pages {pages}")
    _report("fieldservice_service_report_pdf_per_page", per_page, p95 / pages)
    assert per_page < PDF_PAGE_MS
