"""Knowledge-base search for Chinese symptoms written without spaces (issue 5 §3, §6).

Chinese has no spaces between words, so the index is made of character bigrams of every
run of CJK characters (``凭证无法保存`` → 凭证 证无 无法 法保 保存) plus the lower-cased
latin/digit words (``U8``, ``v10``, ``sql``). The same tokens are taken from the query, and
an article scores one point for each distinct query token it contains. The tokens are
stored space-separated in ``KnowledgeArticle.search_text`` (filled by the knowledge
services on every save), so a plain ``icontains`` on `` token `` finds them on SQLite and
PostgreSQL alike, without a database extension.

Searching costs two small queries and one fetch: the document frequency of every query
token (one aggregate), candidates containing one of the rarest tokens present (scored in
Python), then the winning articles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.db.models import Count, Q

from servicedesk.core.search import normalise as normalise
from servicedesk.core.search import text_tokens as tokens

from .choices import ArticleState
from .models import KnowledgeArticle

#: how many of the rarest query tokens select the candidates
PREFILTER_TERMS = 8
#: at most this many candidates are scored in Python
MAX_CANDIDATES = 500
#: the fields of an article that are indexed
INDEXED_FIELDS = ("title", "product", "module", "symptoms", "cause", "solution")


def index_text(parts: Iterable[str]) -> str:
    """What ``KnowledgeArticle.search_text`` stores: `` tok tok … `` (spaces both ends)."""
    found: dict[str, None] = {}
    for part in parts:
        for token in tokens(part):
            found.setdefault(token, None)
    return f" {' '.join(found)} " if found else ""


def article_index_text(article: KnowledgeArticle) -> str:
    return index_text(getattr(article, name) or "" for name in INDEXED_FIELDS)


def _needle(token: str) -> str:
    return f" {token} "


def _min_score(count: int) -> int:
    """How many query tokens an article must share: a couple of common bigrams (提示,
    无法, 连接) is noise in a sentence-long query; a quarter of the query, at most 4."""
    if count <= 3:
        return 1
    return max(2, min(4, math.ceil(count / 4)))


def articles_search(*, text: str, product: str = "", limit: int = 5) -> list[KnowledgeArticle]:
    """Published articles matching ``text`` best first (score, then how often they solved
    calls). ``product`` does not exclude anything: among equal scores, articles of that
    product come first (products are typed freely: "U8", "用友U8")."""
    terms = tokens(text)
    if not terms or limit <= 0:
        return []
    # only published articles are ever suggested (docs/domain.md §hotline.knowledge)
    published = KnowledgeArticle.objects.filter(state=ArticleState.PUBLISHED)
    frequency = published.aggregate(
        **{
            f"t{i}": Count("pk", filter=Q(search_text__icontains=_needle(term)))
            for i, term in enumerate(terms)
        }
    )
    present = sorted(
        (frequency[f"t{i}"], i, term) for i, term in enumerate(terms) if frequency[f"t{i}"]
    )
    if not present:
        return []
    rarest = [term for _df, _i, term in present[:PREFILTER_TERMS]]
    prefilter = Q()
    for term in rarest:
        prefilter |= Q(search_text__icontains=_needle(term))
    candidates = (
        published.filter(prefilter)
        .order_by("-solved_count", "pk")
        .values_list("pk", "search_text", "product", "solved_count")[:MAX_CANDIDATES]
    )
    wanted = normalise(product).strip()
    needles = [_needle(term) for _df, _i, term in present]
    threshold = _min_score(len(terms))
    scored = []
    for pk, search_text, article_product, solved in candidates:
        score = sum(needle in search_text for needle in needles)
        if score < threshold:
            continue
        same_product = bool(wanted) and normalise(article_product).strip() == wanted
        scored.append((-score, not same_product, -solved, pk))
    scored.sort()
    best = [pk for *_key, pk in scored[:limit]]
    articles = KnowledgeArticle.objects.select_related("source_ticket").in_bulk(best)
    result = []
    for key in scored[:limit]:
        article = articles[key[-1]]
        article.search_score = -key[0]
        result.append(article)
    return result
