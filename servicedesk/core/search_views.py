"""The header's search box and the search page (docs/architecture.md §search)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .page_cache import page_cached
from .search import search

#: what the header's drop-down shows while typing; the page shows more
SUGGESTIONS = 10
PAGE_HITS = 60


@page_cached
@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """``/search/?q=…``: every hit the user may see; as you type (htmx) only the first
    few, as the header's drop-down."""
    q = request.GET.get("q", "")[:100].strip()
    if request.headers.get("HX-Request"):
        hits = search(request.user, q, per_source=4, limit=SUGGESTIONS)
        return render(request, "core/partials/search_suggest.html", {"q": q, "hits": hits})
    hits = search(request.user, q, per_source=20, limit=PAGE_HITS)
    return render(request, "core/search.html", {"q": q, "hits": hits})
