"""Pages drawn once per state of the data (docs/architecture.md §page-cache).

The pages people keep open and reload — the hotline queue, a ticket, the boards and their
live answers, the declared lists, the header's search, the intake's customer look-up, the
ticket and dispatch API lists — are read far more often than anything they show changes.
A view marked with :func:`page_cached` (or an API view set with ``page_cache = True``) is
drawn once per

- **data version**: a counter in the shared cache that every committed write moves. Each
  database connection runs :func:`watch_writes` over its statements; a transaction that
  wrote moves the counter once, after it commits (a rolled-back one does not); a write
  outside a transaction moves it at once. It sees what signals miss — ``QuerySet.update``,
  ``bulk_create``, raw SQL, the Celery workers' sweeps — because it reads the SQL itself.
  Writes that change no page are not counted: sessions, login throttling, a user's
  ``last_login``.
- **time bucket** of ``PAGE_CACHE_SECONDS`` (60): deadlines' countdowns and colours, "today",
  and anything written outside the application (``psql``, a restore) are never older than
  that (each page's minute starts at a second of its own, so they are not all drawn again
  at once);
- **user, language, time zone, path with its query, and the request headers that change
  the answer** (``Accept``, htmx's ``HX-*``).

The data version is read *before* the view reads anything, so a write that commits while
a page is drawn moves the counter past the version it is stored under: it is never served
again. A drawn page is stored only when it is a plain 200 that set no cookie, showed no
pending message and wrote nothing itself.

Each form's CSRF token is per browser (its cookie): it is stored as a placeholder and the
asking browser's own token is put in when the page is served. A stored answer with an ETag
(the live boards) answers 304 when the browser already has it, as the view itself does.

On only where the cache is shared by every process (``PAGE_CACHE``, on when ``CACHE_URL``
is set): a per-process cache would not see the workers' writes. A cache error draws the
page as if there were no cache.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import timezone
from django.utils.translation import get_language

from .live import etag_matches

logger = logging.getLogger(__name__)

VERSION_KEY = "page-cache:data-version"
CSRF_PLACEHOLDER = b"@@page-cache-csrf-token@@"
# Answers bigger than this are drawn each time (an export is not a page people reload).
MAX_BYTES = 2_000_000

# Writes that change no page: sessions, django-axes' login attempts, and the history row a
# login's ``last_login`` leaves (any real change of a user also updates ``auth_user``, which
# counts).
IGNORED_TABLES = frozenset(
    {
        "django_session",
        "core_historicaluser",
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
        "axes_accessattemptexpiration",
    }
)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(\w+)',
    re.IGNORECASE,
)
# ``update_last_login`` on each login: ``user.save(update_fields=["last_login"])``.
_LAST_LOGIN = re.compile(r'^\s*UPDATE\s+"?auth_user"?\s+SET\s+"?last_login"?\s*=\s*\S+\s+WHERE')
_MASKED_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")

_state = threading.local()
F = TypeVar("F", bound=Callable[..., Any])


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE", False))


def page_cached(view: F) -> F:
    """Marks a view whose GET answers the page cache may keep (see the module's rules:
    the view must write nothing and depend on nothing but the user, the request's path,
    query, language and headers named there, the data and the time)."""
    view.page_cache = True  # type: ignore[attr-defined]
    return view


# -- the data version ----------------------------------------------------------------------


def _fresh_version() -> int:
    # A counter lost with the cache starts above any value it can have reached: the time in
    # milliseconds (fewer than one committed write per millisecond).
    return int(time.time() * 1000)


def data_version() -> int | None:
    """The current data version, or None when the cache cannot be reached."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _fresh_version(), timeout=None)
            version = cache.get(VERSION_KEY)
        return int(version) if version is not None else None
    except Exception:
        logger.warning("page cache: the data version cannot be read", exc_info=True)
        return None


def data_changed() -> None:
    """Moves the data version: every page stored so far is drawn again."""
    if not enabled():
        return
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # no counter yet, or it was evicted
            cache.add(VERSION_KEY, _fresh_version(), timeout=None)
            cache.incr(VERSION_KEY)
    except Exception:
        # Pages stored under the old version live at most PAGE_CACHE_SECONDS.
        logger.warning("page cache: the data version cannot be moved", exc_info=True)


def changes_pages(sql: str) -> bool:
    """Whether the statement ``sql`` writes something a page may show."""
    match = _WRITE.match(sql)
    if not match:
        return False
    if match.group(1).lower() in IGNORED_TABLES:
        return False
    return not _LAST_LOGIN.match(sql)


def watch_writes(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    """A database execute wrapper (installed on every connection, apps.py): a statement
    that writes what a page may show moves the data version after its transaction
    commits."""
    if not enabled() or not isinstance(sql, str) or not changes_pages(sql):
        return execute(sql, params, many, context)
    _state.wrote = True
    connection = context["connection"]
    if connection.in_atomic_block:
        if not any(entry[1] is data_changed for entry in connection.run_on_commit):
            transaction.on_commit(data_changed, using=connection.alias)
        return execute(sql, params, many, context)
    try:
        return execute(sql, params, many, context)
    finally:
        data_changed()


def install_write_watch(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: every connection of every process watches its writes."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


# -- the middleware ------------------------------------------------------------------------


def _bucket_seconds() -> int:
    return max(int(getattr(settings, "PAGE_CACHE_SECONDS", 60)), 1)


def _cacheable_view(view_func: Any) -> bool:
    return bool(
        getattr(view_func, "page_cache", False)
        or getattr(getattr(view_func, "cls", None), "page_cache", False)
    )


def _pending_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def page_key(request: HttpRequest, version: int) -> str:
    headers = sorted(
        (name.lower(), value)
        for name, value in request.headers.items()
        if name.lower().startswith("hx-") or name.lower() == "accept"
    )
    parts = repr(
        (
            request.get_full_path(),
            get_language(),
            timezone.get_current_timezone_name(),
            headers,
        )
    )
    digest = hashlib.sha256(f"{request.user.pk}:{parts}".encode()).hexdigest()[:32]
    # Each page's minute starts at a moment of its own, so the pages are not all drawn
    # again in the same second (every queue, ticket and board at 09:00:00).
    seconds = _bucket_seconds()
    bucket = int((time.time() + int(digest[:8], 16) % seconds) // seconds)
    return f"page:{version}:{bucket}:{request.user.pk}:{digest}"


def _with_placeholder(content: bytes, request: HttpRequest) -> bytes:
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return content
    tokens = {
        m.group(0)
        for m in _MASKED_TOKEN.finditer(content)
        if _unmask_cipher_token(m.group(0).decode()) == secret
    }
    for token in tokens:
        content = content.replace(token, CSRF_PLACEHOLDER)
    return content


def _served(stored: dict[str, Any], request: HttpRequest) -> HttpResponseBase:
    headers = dict(stored["headers"])
    etag = headers.get("ETag")
    if etag and etag_matches(request, etag):
        response = HttpResponse(status=304)
        for name in ("ETag", "Cache-Control", "Vary"):
            if name in headers:
                response[name] = headers[name]
        return response
    content = stored["content"]
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content, status=stored["status"])
    for name, value in stored["headers"]:
        response[name] = value
    return response


class PageCacheMiddleware:
    """Serves and stores the answers of views marked :func:`page_cached` (the last
    middleware: everything above it — sessions, language, CSRF, the user — has run, and
    their headers are added to a served answer as to a drawn one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.process_response(request, self.get_response(request))

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not (enabled() and request.method == "GET" and _cacheable_view(view_func)):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or "Authorization" in request.headers:
            return None
        if _pending_messages(request):
            return None  # drawn, so the messages are shown and used up
        version = data_version()
        if version is None:
            return None
        key = page_key(request, version)
        try:
            stored = cache.get(key)
        except Exception:
            logger.warning("page cache: a page cannot be read", exc_info=True)
            return None
        if stored is not None:
            response = _served(stored, request)
            response["X-Page-Cache"] = "hit"
            return response
        request._page_cache_key = key  # type: ignore[attr-defined]
        _state.wrote = False
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        key = getattr(request, "_page_cache_key", None)
        if key is None:
            return response
        response["X-Page-Cache"] = "miss"
        if self._storable(request, response):
            stored = {
                "status": response.status_code,
                "content": _with_placeholder(response.content, request),  # type: ignore[attr-defined]
                "headers": [(k, v) for k, v in response.items() if k.lower() != "x-page-cache"],
            }
            try:
                cache.set(key, stored, timeout=_bucket_seconds())
            except Exception:
                logger.warning("page cache: a page cannot be stored", exc_info=True)
        return response

    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if getattr(_state, "wrote", False):
            return False
        storage = getattr(request, "_messages", None)
        if storage is not None and getattr(storage, "_queued_messages", None):
            return False
        return len(response.content) <= MAX_BYTES  # type: ignore[attr-defined]
