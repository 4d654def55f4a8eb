"""Boards that refresh themselves (docs/architecture.md §live-boards).

A board page polls its partial every ``LIVE_POLL_SECONDS`` with ``If-None-Match``; the
partial's ETag is a *version* of what the board shows, computed before anything is
rendered: the newest history row of each model the board draws (every change goes
through simple-history, a deletion too, so ``MAX(history_id)`` moves with every change;
it is an index-only look-up on the primary key whatever the table's size), plus who asks,
what they filter, the language, the day and a time bucket. An unchanged board answers
304 with an empty body after that one query.

The time bucket (``LIVE_REFRESH_SECONDS``) bounds what the version cannot see: a
transaction that commits after a younger one (its history id is lower than the maximum
already seen), set-based updates that write no history, names of customers and people,
and the colour a deadline takes as its warning time passes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language


def history_version(history_models: Iterable[type[models.Model]]) -> tuple[int, ...]:
    """The newest ``history_id`` of each history model, in one query."""
    tables = [m._meta.db_table for m in history_models]
    if not tables:
        return ()
    quote = connection.ops.quote_name
    # Table names come from model meta, never from a request.
    select = ", ".join(f"(SELECT MAX(history_id) FROM {quote(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        row = cursor.fetchone()
    return tuple(int(v or 0) for v in row)


def history_models_of(*tracked: type[models.Model]) -> list[type[models.Model]]:
    """The simple-history models of ``tracked`` (each has ``history = HistoricalRecords()``)."""
    return [m.history.model for m in tracked]  # type: ignore[attr-defined]


def _clock() -> float:
    return time.time()


def refresh_bucket() -> int:
    seconds = max(int(getattr(settings, "LIVE_REFRESH_SECONDS", 300)), 1)
    return int(_clock() // seconds)


def live_etag(request: HttpRequest, name: str, *parts: Any) -> str:
    """A weak ETag naming one state of a board as ``request.user`` sees it."""
    user = getattr(request, "user", None)
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    key = repr(
        (
            name,
            getattr(user, "pk", None),
            query,
            get_language(),
            timezone.localdate().isoformat(),
            refresh_bucket(),
            parts,
        )
    )
    return 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'


def etag_matches(request: HttpRequest, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    if not wanted:
        return False
    if wanted.strip() == "*":
        return True
    strip = [e.removeprefix("W/") for e in parse_etags(wanted)]
    return etag.removeprefix("W/") in strip


def live_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    """The partial is always revalidated and never shared between users."""
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def not_modified(etag: str) -> HttpResponse:
    return live_headers(HttpResponse(status=304), etag)  # type: ignore[return-value]


def live_render(
    request: HttpRequest, template: str, context: Callable[[], dict[str, Any]], etag: str
) -> HttpResponseBase:
    """304 when the client has this version; else the partial, built only then."""
    from django.shortcuts import render

    if etag_matches(request, etag):
        return not_modified(etag)
    return live_headers(render(request, template, context()), etag)


def live_partial(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For partials fetched by live.js: an expired session answers 401 (the page reloads
    and shows the login form) instead of redirecting the fetch to the login page, whose
    HTML would otherwise be swapped into the board."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return HttpResponse(status=401)
        return view(request, *args, **kwargs)

    return wrapper


def poll_settings() -> dict[str, int]:
    """Milliseconds handed to live.js through data attributes (no inline script)."""
    return {
        "live_poll_ms": int(float(getattr(settings, "LIVE_POLL_SECONDS", 20)) * 1000),
        "notification_poll_ms": int(
            float(getattr(settings, "NOTIFICATION_POLL_SECONDS", 60)) * 1000
        ),
    }
