"""Run calls at once in threads, for the concurrency tests on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections

from servicedesk.core.exceptions import TransitionConflict


def race(*calls: Callable[[threading.Barrier], object]) -> list[str]:
    """Each call gets a barrier to wait on once it has loaded what it acts on, so all act
    together; returns "ok" or "conflict" (a ``TransitionConflict``) per call, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(index: int, call: Callable[[threading.Barrier], object]) -> None:
        try:
            call(barrier)
            outcomes[index] = "ok"
        except TransitionConflict:
            outcomes[index] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
