"""The API under schemathesis (issue 18 §1, docs/api.md §fuzzing): every operation of
``/api/schema/`` called with generated cases, as a superuser and as a field engineer; no
server error and no response that differs from the schema.

Bounded for CI (a fixed seed, ``CI_EXAMPLES`` cases per operation and generation mode);
``tests/bench/test_bench_api_fuzz.py`` runs the same with many more cases. Needs
PostgreSQL: SQLite stores numbers, NUL and offsets PostgreSQL refuses, so it would hide
the errors this test exists for.
"""

from __future__ import annotations

import pytest

from servicedesk.core.choices import Role

from .fuzzing import fuzz, load_schema

CI_EXAMPLES = 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_api_answers_every_fuzzed_case_without_a_server_error(client, make_user):
    from rest_framework.authtoken.models import Token

    admin = make_user(is_superuser=True, is_staff=True)
    engineer = make_user(Role.FIELD_ENGINEER)
    client.force_login(admin)
    schema = load_schema(client)
    report = fuzz(schema, token=Token.objects.create(user=admin).key, max_examples=CI_EXAMPLES)
    fuzz(
        schema,
        token=Token.objects.create(user=engineer).key,
        max_examples=CI_EXAMPLES,
        modes=("positive",),
        # What a field engineer may write is refused before the input is read (403): the
        # reads are where his scope could leak or break.
        methods=("GET",),
        report=report,
    )
    print(report.summary())
    assert report.cases > len(report.per_operation)
    assert not report.server_errors, report.summary()
    assert not report.violations, report.summary()
