"""The load test at full size (issue 18 item 8; docs/architecture.md §load): 50 users of
tests/load/locustfile.py (hotline engineers, field engineers, service managers) against
production gunicorn (deploy/systemd/servicedesk-web.service, 4 workers) for 60 s after
they have all logged in, over the demo company plus 20,000 tickets, 50,000 calls and
2,000 dispatches. Prints ``BENCH load_requests_per_s``, ``load_p50_ms``, ``_p95_ms``,
``_p99_ms`` and ``load_errors``; asserts no error and no 5xx.

``LOAD_USERS`` and ``LOAD_SECONDS`` change the size of the run; ``LOAD_PORT`` fixes
gunicorn's port; ``LOAD_WRITES_PER_MINUTE`` adds a user who writes that often (each write
draws every page again: docs/architecture.md §page-cache)."""

from __future__ import annotations

import os

import pytest
from django.db import connections

from tests.conftest import redis_url
from tests.load.harness import BENCH_SIZE, load_run

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
]

USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))


@pytest.mark.timeout(1200)
def test_bench_load_50_users(tmp_path):
    figures = load_run(
        connections["default"].settings_dict, redis_url(), tmp_path, BENCH_SIZE, USERS, 10, SECONDS
    )
    print(f"BENCH load_users {USERS}")
    print(f"BENCH load_writes_per_minute {os.environ.get('LOAD_WRITES_PER_MINUTE', '0')}")
    for line in figures.lines("load"):
        print(line)
    assert figures.failures == 0, figures.by_name
    assert figures.status_5xx == 0
