"""Every e-mail exactly once at volume (issue 18, docs/architecture.md §email): 17,000
e-mails, two real workers on a Redis of the test's own, one worker killed with SIGKILL
and Redis down for 45 s mid-burst (the scenario of tests/core/test_email_exactly_once.py,
at the size the issue measured 513 duplicates at):

    BENCH email_faults_messages: N
    BENCH email_faults_duplicate_arrivals: D
    BENCH email_faults_total_s: S
"""

from __future__ import annotations

import os

import pytest

from tests.core.test_email_exactly_once import run_burst
from tests.faults import services_missing

_MISSING = services_missing()
pytestmark = [
    pytest.mark.skipif(bool(_MISSING), reason=_MISSING),
    pytest.mark.postgres,
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
]


def test_17000_emails_through_a_worker_kill_and_a_45s_redis_outage(tmp_path):
    figures = run_burst(
        tmp_path,
        messages=int(os.environ.get("EMAIL_FAULT_MESSAGES", 17_000)),
        delay_s=0.0,
        outage_s=float(os.environ.get("EMAIL_FAULT_OUTAGE_S", 45)),
        wait_s=900,
    )
    print(f"BENCH email_faults_messages: {figures['messages']}")
    print(f"BENCH email_faults_duplicate_arrivals: {figures['duplicate_arrivals']}")
    print(f"BENCH email_faults_total_s: {figures['seconds']}")
