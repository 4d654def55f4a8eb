"""Customer and contract pages at scale (the issue's ``make bench`` item), on PostgreSQL.

10,000 customers and 50,000 contracts (a fifth of them with service periods and scope),
then, as a logged-in sales manager through the Django test client: the customer list
(plain, searched, sorted by last day of service), the archive of a customer with five
contracts, the entitlement check as a service call and as the htmx endpoint. Each keeps
a fixed number of queries (asserted) and reports its median latency over RUNS requests:

    BENCH <name>_median_ms: X
    BENCH <name>_queries: N
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.entitlement import entitlement_check
from contracts.models import (
    Contact,
    Contract,
    Customer,
    InstalledProduct,
    Revisit,
    ServicePeriod,
    ServiceScopeItem,
)
from servicedesk.core.choices import Role

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

CUSTOMERS = 10_000
CONTRACTS_PER_CUSTOMER = 5
WITH_PERIODS_EVERY = 5  # one contract in five has periods and scope
RUNS = 30
REGIONS = ["华东", "华南", "华北", "西南", "苏南", "浙北"]
STATES = ["in_service", "expired", "in_service", "signed", "terminated"]

# Queries per request, whatever the data size (as measured on 2026-12-07; each list is
# what the code reads, none of them grows with the data: tests/contracts pins that).
# Every request: the session and the user with their permissions (2: the permissions are
# joined into the user's query, docs/architecture.md §boards). Full pages add the layout's
# unread count and role names (2); htmx fragments skip the layout.
# the declared list (docs/architecture.md §lists): the session, the user, the count, the
# page, saved filters, the bell, the menu's groups, the sales managers of the filter
LIST_QUERIES = 8
SEARCH_QUERIES = 4  # the table alone: the session, the user, the count, the page
# 2 + the customer, contacts, products, assets, contracts, periods, scope, documents (8),
# the first-visit scope check and first visits (2), one query per section other apps
# add to the archive (docs/architecture.md §apps.registries; 10: tickets, on-site services,
# service reports, routine inspections, trainings, upgrades, backup policies, goods
# inspections, defects, requirements), revisits (1), the layout (2) and the entitlement
# widget (3). Was 21 before those ten sections existed, with two permission queries and
# the charge rates read by every entitlement check.
ARCHIVE_QUERIES = 28
# contracts with their periods and scope (3) and the quota's usage count; the charge
# rates only for a charged request (docs/architecture.md §boards), not this one
ENTITLEMENT_QUERIES = 4
ENDPOINT_QUERIES = 7  # fragment: 2 + the customer + the check


def median_ms(call: Callable[[], object], runs: int = RUNS) -> float:
    call()  # warm caches (content types, permissions, templates)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def queries_of(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx)


def report(name: str, ms: float, queries: int) -> None:
    print(f"BENCH {name}_median_ms: {ms:.1f}")
    print(f"BENCH {name}_queries: {queries}")


def make_data(sales) -> Customer:
    today = timezone.localdate()
    customers = Customer.objects.bulk_create(
        (
            Customer(
                name=f"华东第{i:05d}号精密制造有限公司",
                short_name=f"精密{i:05d}",
                region=REGIONS[i % len(REGIONS)],
                category="ABC"[i % 3],
                industry="制造",
                phone=f"0512-{60000000 + i}",
                sales_manager=sales if i % 10 == 0 else None,
            )
            for i in range(CUSTOMERS)
        ),
        batch_size=2000,
    )
    Contact.objects.bulk_create(
        (
            Contact(customer=c, name="联系人", mobile=f"139{i:08d}", is_primary=True)
            for i, c in enumerate(customers)
        ),
        batch_size=5000,
    )
    InstalledProduct.objects.bulk_create(
        (
            InstalledProduct(customer=c, software="ERP", licence_number=f"DG-{i:06d}")
            for i, c in enumerate(customers)
        ),
        batch_size=5000,
    )
    contracts = Contract.objects.bulk_create(
        (
            Contract(
                number=f"HT-{n:06d}",
                customer=c,
                sales_manager=sales,
                signed_on=today - dt.timedelta(days=365 * k + 30),
                amount=Decimal("50000"),
                state=STATES[k],
            )
            for i, c in enumerate(customers)
            for k in range(CONTRACTS_PER_CUSTOMER)
            for n in [i * CONTRACTS_PER_CUSTOMER + k]
        ),
        batch_size=5000,
    )
    chosen = [c for n, c in enumerate(contracts) if n % WITH_PERIODS_EVERY == 0]
    ServicePeriod.objects.bulk_create(
        (
            ServicePeriod(
                contract=c,
                kind="free",
                starts_on=c.signed_on,
                ends_on=c.signed_on + dt.timedelta(days=364),
            )
            for c in chosen
        ),
        batch_size=5000,
    )
    ServiceScopeItem.objects.bulk_create(
        (
            ServiceScopeItem(contract=c, service_type=t, quota=q)
            for c in chosen
            for t, q in (("repair", 4), ("phone_support", None))
        ),
        batch_size=5000,
    )
    # The archive's customer: five contracts, each with a period, scope and revisits.
    target = customers[0]
    own = [c for c in contracts if c.customer_id == target.pk]
    ServicePeriod.objects.bulk_create(
        ServicePeriod(
            contract=c,
            kind="free",
            starts_on=c.signed_on,
            ends_on=c.signed_on + dt.timedelta(days=364),
        )
        for c in own[1:]
    )
    ServiceScopeItem.objects.bulk_create(
        ServiceScopeItem(contract=c, service_type="repair") for c in own[1:]
    )
    Revisit.objects.bulk_create(
        Revisit(customer=target, contract=c, due_on=c.signed_on + dt.timedelta(days=60 * m))
        for c in own
        for m in range(1, 4)
    )
    with connection.cursor() as cursor:
        for table in (
            "contracts_customer",
            "contracts_contract",
            "contracts_serviceperiod",
            "contracts_servicescopeitem",
            "contracts_contact",
            "contracts_installedproduct",
        ):
            cursor.execute(f"ANALYZE {table}")
    return target


def test_bench_customer_pages_and_entitlement(client, make_user):
    sales = make_user(Role.SALES_MANAGER, username="bench-sales")
    target = make_data(sales)
    assert Customer.objects.count() == CUSTOMERS
    assert Contract.objects.count() == CUSTOMERS * CONTRACTS_PER_CUSTOMER
    client.force_login(sales)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "list-table"}

    def get(url, **extra):
        def call():
            response = client.get(url, **extra)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    cases = [
        ("customer_list", get("/customers/list/"), LIST_QUERIES),
        ("customer_list_page_10", get("/customers/list/?page=10"), LIST_QUERIES),
        ("customer_list_by_service_until", get("/customers/list/?sort=-until"), LIST_QUERIES),
        ("customer_search_htmx", get("/customers/list/?search=00042", **htmx), SEARCH_QUERIES),
        (
            "customer_search_dongle_htmx",
            get("/customers/list/?search=DG-004242", **htmx),
            SEARCH_QUERIES,
        ),
        ("customer_archive", get(f"/customers/{target.pk}/"), ARCHIVE_QUERIES),
        (
            "entitlement_check",
            lambda: entitlement_check(customer=target.pk, service_type="repair"),
            ENTITLEMENT_QUERIES,
        ),
        (
            "entitlement_endpoint",
            get(f"/entitlement/?customer={target.pk}&service_type=repair"),
            ENDPOINT_QUERIES,
        ),
    ]
    failures = []
    for name, call, expected in cases:
        ms = median_ms(call)
        queries = queries_of(call)
        report(name, ms, queries)
        if queries != expected:
            failures.append(f"{name}: {queries} queries, expected {expected}")
    page = client.get(f"/customers/{target.pk}/").content.decode()
    assert page.count('data-testid="contract-card"') == CONTRACTS_PER_CUSTOMER
    listed = client.get("/customers/list/").content.decode()
    assert listed.count('data-testid="list-row"') == 50
    assert not failures, failures
