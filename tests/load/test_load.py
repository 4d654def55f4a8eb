"""The load test, bounded (issue 18 item 8; docs/architecture.md §load): the three kinds
of user of tests/load/locustfile.py, 10 of them for 10 s, against production gunicorn
(4 workers, deploy/systemd/servicedesk-web.service) over a copy of the test database with
the demo company and a few thousand tickets. Every request answers, none with a 5xx, and
most are served from the page cache: no latency is asserted here (CI machines are slow and
shared); ``make bench`` runs 50 users (tests/bench/test_bench_load.py)."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.conftest import redis_url
from tests.load.harness import CI_SIZE, load_run

# transaction=True: the database must be idle (it is copied) and nothing is rolled back.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROLE_REQUESTS = {
    "hotline engineer": ["queue", "intake form", "intake lookup", "search as you type"],
    "field engineer": ["my visits", "visit"],
    "service manager": ["ticket board", "dispatch board", "ticket list", "dispatch list"],
}
USERS = 10
SECONDS = 10


@pytest.mark.timeout(300)
def test_three_roles_under_load(tmp_path):
    figures = load_run(
        connections["default"].settings_dict, redis_url(), tmp_path, CI_SIZE, USERS, 10, SECONDS
    )
    for line in figures.lines("load_ci"):
        print(line)
    assert figures.requests > 0
    assert figures.failures == 0, figures.by_name
    assert figures.status_5xx == 0
    # Every kind of user did its work (any of the requests only that kind sends).
    for role, names in ROLE_REQUESTS.items():
        assert sum(int(figures.by_name.get(n, {}).get("Request Count", 0)) for n in names), role
    # Pages people reload are drawn once per state of the data and minute, not per request
    # (docs/architecture.md §page-cache): nothing is written while they read.
    assert figures.page_cache_hits > figures.page_cache_misses > 0, (
        figures.page_cache_hits,
        figures.page_cache_misses,
    )
