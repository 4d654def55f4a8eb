"""The monthly partner statement at production size on PostgreSQL (issue 15, Done when):
50 partners × 2,000 visits each in the month (100,000 visits by 200 engineers, with
penalties and trainings) in the same number of queries as 2 partners with a handful of
visits (asserted), through the statement page, the selector and the Excel export.

Prints ``BENCH <name>_median_ms``, ``_p95_ms`` and ``_queries`` lines.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Customer
from fieldservice.models import Dispatch, Engineer, Partner
from fieldservice.models.partners import (
    PartnerPenalty,
    PartnerTerms,
    PartnerTraining,
    TrainingFeeRate,
)
from fieldservice.settlement import statements_month, statements_xlsx
from servicedesk.core.choices import Role
from servicedesk.core.roles import sync_role_permissions

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

PARTNERS = 50
VISITS_PER_PARTNER = 2_000
ENGINEERS_PER_PARTNER = 4
RUNS = 5
YEAR, MONTH = 2026, 10


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


def make_partners(partners: int, visits: int, offset: int) -> None:
    users = get_user_model().objects
    group = Group.objects.get(name=Role.FIELD_ENGINEER)
    customer = Customer.objects.create(name=f"华东精密机械有限公司{offset}", short_name="精密")
    rate = TrainingFeeRate.objects.get_or_create(course="U8 财务", defaults={"price_per_day": 400})[
        0
    ]
    rows = []
    for p in range(partners):
        share = p % 2 == 1
        partner = Partner.objects.create(
            name=f"苏州信达信息技术有限公司{offset + p:04d}",
            billing_mode="fee_share" if share else "person_day",
            person_day_rate=None if share else Decimal(800),
            fee_share_percent=Decimal(30) if share else None,
            cooperation_model="we_manage" if p % 3 == 0 else "self_managed",
        )
        PartnerTerms.objects.create(
            partner=partner,
            valid_from=dt.date(2026, 1, 1),
            cooperation_model=partner.cooperation_model,
            billing_mode=partner.billing_mode,
            person_day_rate=partner.person_day_rate,
            fee_share_percent=partner.fee_share_percent,
            management_fee=Decimal(500),
        )
        made = users.bulk_create(
            get_user_model()(
                username=f"bench-pe{offset + p:04d}-{i}", last_name="陈", first_name=f"{i}"
            )
            for i in range(ENGINEERS_PER_PARTNER)
        )
        made = list(users.filter(username__startswith=f"bench-pe{offset + p:04d}-"))
        group.user_set.add(*made)
        engineers = Engineer.objects.bulk_create(
            Engineer(user=u, partner=partner, certified_on=dt.date(2025, 1, 1)) for u in made
        )
        admin = users.first()
        PartnerPenalty.objects.bulk_create(
            PartnerPenalty(
                partner=partner,
                engineer=engineers[0],
                occurred_on=dt.date(YEAR, MONTH, 1 + k),
                incident="未按约上门",
                amount=Decimal(100),
                recorded_by=admin,
            )
            for k in range(3)
        )
        PartnerTraining.objects.create(
            partner=partner,
            rate=rate,
            starts_on=dt.date(YEAR, MONTH, 9),
            days=2,
            trainees=2,
            free_days=0,
            fee=Decimal(1600),
            recorded_by=admin,
        )
        for v in range(visits):
            done = timezone.make_aware(dt.datetime(YEAR, MONTH, 1 + v % 28, 10 + v % 8, 0))
            rows.append(
                Dispatch(
                    number=f"BST{offset + p:04d}{v:06d}",
                    customer=customer,
                    site_address="苏州工业园区星湖街 328 号",
                    contact_name="李会计",
                    contact_phone="13912345678",
                    problem="月结报表",
                    state="written_off",
                    engineer=engineers[v % ENGINEERS_PER_PARTNER],
                    completed_at=done,
                    on_site_minutes=240 * (1 + v % 3),
                    person_days=Decimal("0.5") * (1 + v % 3),
                    service_fee=Decimal(300 + v % 7 * 50),
                )
            )
    Dispatch.objects.bulk_create(rows, batch_size=5_000)


def _statement_page(client: Client) -> tuple[int, int]:
    url = f"/partners/statements/?year={YEAR}&month={MONTH}"
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode().count('data-testid="statement-row"')


def test_statement_50_partners_2000_visits_each():
    sync_role_permissions()
    manager = get_user_model().objects.create_user("bench-manager", last_name="郑", first_name="伟")
    manager.groups.add(Group.objects.get(name=Role.SERVICE_MANAGER))
    client = Client()
    client.force_login(manager)

    make_partners(2, 10, offset=9_000)
    few_queries, few_rows = _statement_page(client)
    start = time.perf_counter()
    make_partners(PARTNERS - 2, VISITS_PER_PARTNER, offset=0)
    print(f"\nBENCH settlement_setup_s {time.perf_counter() - start:.1f}")
    assert Dispatch.objects.count() >= (PARTNERS - 2) * VISITS_PER_PARTNER
    many_queries, many_rows = _statement_page(client)
    assert (few_rows, many_rows) == (2, PARTNERS)
    assert many_queries == few_queries

    with CaptureQueriesContext(connection) as ctx:
        statements = statements_month(manager, year=YEAR, month=MONTH)
    assert len(statements) == PARTNERS
    assert sum(s.visits for s in statements) == (PARTNERS - 2) * VISITS_PER_PARTNER + 20
    selector_queries = len(ctx.captured_queries)

    median, p95 = _measure(lambda: statements_month(manager, year=YEAR, month=MONTH), RUNS)
    _report("settlement_selector_50x2000", median, p95, selector_queries)
    median, p95 = _measure(
        lambda: client.get(f"/partners/statements/?year={YEAR}&month={MONTH}"), RUNS
    )
    _report("settlement_page_50x2000", median, p95, many_queries)
    median, p95 = _measure(lambda: statements_xlsx(statements, year=YEAR, month=MONTH), RUNS)
    _report("settlement_xlsx_50x2000", median, p95)
