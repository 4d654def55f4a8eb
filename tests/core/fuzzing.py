"""Fuzzing the API with schemathesis (docs/api.md §fuzzing).

The schema is the one ``/api/schema/`` serves; every operation in it is called in-process
(WSGI, no network) with cases generated from it, once with a superuser's token and once
with a field engineer's (a low-privilege role). Every response is checked: no server
error, and the status, content type and body as the schema documents them. Failures are
collected, not raised one by one, so a run reports all of them at once.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

VERBOSE = bool(os.environ.get("FUZZ_VERBOSE"))

# The checks every response must pass (schemathesis' own names).
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclass
class FuzzReport:
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    not_negatable: list[str] = field(default_factory=list)
    per_operation: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"{self.cases} cases over {len(self.per_operation)} operations in "
            f"{self.seconds:.1f} s: {len(self.server_errors)} server errors, "
            f"{len(self.violations)} schema violations"
        ]
        lines += [f"  5xx  {line}" for line in sorted(set(self.server_errors))[:40]]
        lines += [f"  bad  {line}" for line in sorted(set(self.violations))[:60]]
        return "\n".join(lines)


def load_schema(client) -> Any:
    """The schema as ``/api/schema/`` serves it to a logged-in user, for schemathesis."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.status_code
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = get_wsgi_application()
    return schema


def fuzz(
    schema: Any,
    *,
    token: str,
    max_examples: int,
    seed: int = 18,
    skip: tuple[str, ...] = (),
    only: tuple[str, ...] = (),
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE"),
    modes: tuple[str, ...] = ("positive", "negative"),
    report: FuzzReport | None = None,
) -> FuzzReport:
    """Call every operation of ``schema`` with at most ``max_examples`` generated cases
    per generation mode; return what failed."""
    from django.core import signals
    from django.db import close_old_connections
    from schemathesis import checks as st_checks
    from schemathesis.openapi import checks as openapi_checks

    report = report or FuzzReport()
    started = time.monotonic()
    chosen = [
        getattr(st_checks, name, None) or getattr(openapi_checks, name) for name in CHECK_NAMES
    ]
    headers = {"Authorization": f"Token {token}", "Accept-Language": "zh-hans"}
    # The WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's test client disconnects the same receiver.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            if any(part in operation.label for part in skip):
                continue
            if only and not any(part in operation.label for part in only):
                continue
            if operation.method.upper() not in methods:
                continue
            for mode in modes:
                _fuzz_operation(operation, mode, report, headers, chosen, max_examples, seed)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    report.seconds += time.monotonic() - started
    return report


def _fuzz_operation(operation, mode, report, headers, chosen, max_examples, seed) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation import GenerationMode

    label = operation.label

    @hypothesis_seed(seed)
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
    def run(case) -> None:
        report.cases += 1
        report.per_operation[label] += 1
        response = case.call(headers=headers)
        if response.status_code >= 500:
            report.server_errors.append(f"{label} {response.status_code}")
            if VERBOSE:
                print("FUZZ 5xx", label, case.path_parameters, case.query, repr(case.body)[:300])
            return
        try:
            case.validate_response(response, checks=chosen, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis: a FailureGroup
            lines = [line for line in str(exc).strip().splitlines() if line.strip()]
            kind = (lines[0] if lines else "?")[:160]
            report.violations.append(f"{label} {response.status_code}: {kind}")
            if VERBOSE:
                print("FUZZ bad", label, response.status_code, str(exc)[:600].replace("\n", " | "))

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (an operation without parameters or body): no case.
        report.not_negatable.append(label)
