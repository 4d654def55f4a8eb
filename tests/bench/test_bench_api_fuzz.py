"""The API under schemathesis at length (issue 18 §1; the bounded run is
tests/core/test_api_fuzz.py): ``BENCH_FUZZ_EXAMPLES`` cases (default 25) per operation and
generation mode, as a superuser and as a field engineer, on PostgreSQL. Prints
``BENCH api_fuzz_cases``, ``_server_errors`` and ``_violations``."""

from __future__ import annotations

import os

import pytest

from servicedesk.core.choices import Role
from tests.core.fuzzing import fuzz, load_schema

pytestmark = [pytest.mark.bench, pytest.mark.postgres]


@pytest.mark.django_db
def test_bench_api_fuzz(client, make_user):
    from rest_framework.authtoken.models import Token

    examples = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "25"))
    admin = make_user(is_superuser=True, is_staff=True)
    engineer = make_user(Role.FIELD_ENGINEER)
    client.force_login(admin)
    schema = load_schema(client)
    report = fuzz(schema, token=Token.objects.create(user=admin).key, max_examples=examples)
    fuzz(
        schema,
        token=Token.objects.create(user=engineer).key,
        max_examples=examples,
        report=report,
    )
    print(report.summary())
    print(f"BENCH api_fuzz_cases {report.cases}")
    print(f"BENCH api_fuzz_server_errors {len(report.server_errors)}")
    print(f"BENCH api_fuzz_violations {len(report.violations)}")
    assert not report.server_errors, report.summary()
    assert not report.violations, report.summary()
