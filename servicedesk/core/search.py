"""Global search: one box in the header finds records of every app (docs/architecture.md
§search).

Each app registers its ``SearchSource``s in ``AppConfig.ready`` (``search_register``), so
core imports no app (docs/architecture.md §apps.registries). A source names:

- ``numbers``: identifier columns (record numbers, phones, dongle and serial numbers)
  matched exactly, by prefix and inside (``RX2026`` finds ``RX20260916-00042``);
- ``texts``: the words columns (names, titles, symptoms) matched by Chinese bigrams and
  latin words, so 凭证过账 finds "月末凭证无法过账" although the four characters are not
  adjacent there.

Ranking: an exact identifier first, then a prefix, then inside an identifier, then words
by how many of the query's tokens a record holds (at least ``min_tokens`` of them), the
newest first among equals. Every source's queryset is restricted to what the user may see
(``restrict(user)``, docs/architecture.md §scoping.restrict).

On PostgreSQL the words are matched in a stored column ``search_tokens`` computed by the
database from the texts (``sd_search_tokens``) and indexed with a pg_trgm GIN index; the
identifiers have pg_trgm GIN indexes too (``servicedesk/core/pgsearch.py``). On SQLite the
same tokens are looked for with ``LIKE`` in the texts themselves (a full scan, fine for a
small office database).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL

# CJK unified ideographs (with extension A and the compatibility block): the same ranges
# as the database function sd_search_tokens (servicedesk/core/pgsearch.py).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RE = re.compile(rf"[{_CJK}]")
_IDENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{1,39}$")
_HAS_DIGIT = re.compile(r"\d")

#: tokens of a query that are looked for at most (a pasted paragraph is cut)
MAX_TOKENS = 12
#: per source, at most this many of the newest records holding a token are ranked
CANDIDATES = 200
#: the column PostgreSQL keeps the tokens in (not a model field: the database fills it)
TOKENS_COLUMN = "search_tokens"

RANK_EXACT, RANK_PREFIX, RANK_INSIDE, RANK_WORDS = 0, 1, 2, 3


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str) -> list[str]:
    """Distinct tokens in order: CJK runs give their bigrams (a lone character itself),
    latin and digit runs are one token each. The database function gives the same. A
    query keeps its first ``MAX_TOKENS``."""
    return text_tokens(text)[:MAX_TOKENS]


def text_tokens(text: str) -> list[str]:
    """All the distinct tokens of ``text`` (what an index stores: the knowledge base's
    ``search_text`` too)."""
    seen: dict[str, None] = {}
    for run in _TOKEN_RE.findall(normalise(text)):
        if _CJK_RE.match(run):
            if len(run) == 1:
                seen.setdefault(run, None)
            for i in range(len(run) - 1):
                seen.setdefault(run[i : i + 2], None)
        else:
            seen.setdefault(run, None)
    return list(seen)


def min_tokens(count: int) -> int:
    """How many of the query's tokens a record must hold: all of one or two; of more, half
    (rounded up). A query made of words of two or more characters, each found somewhere in
    the record, always reaches it: 凭证过账 has three bigrams (凭证 证过 过账) and "月末凭证
    无法过账" holds two; w words of L characters give L-1 bigrams, of which the record
    holds at least L-w >= (L-1)/2 (docs/architecture.md §search.rank)."""
    if count <= 2:
        return count
    return math.ceil(count / 2)


def looks_like_identifier(q: str) -> bool:
    """A number, phone, dongle or serial number: latin letters, digits and dashes with at
    least one digit."""
    return bool(_IDENT_RE.match(q)) and bool(_HAS_DIGIT.search(q))


@dataclass(frozen=True)
class SearchSource:
    """What one model contributes to the global search."""

    key: str
    label: Any  # lazy translation: the kind of record shown on each hit
    icon: str
    queryset: Callable[[Any], QuerySet]  # user -> restricted queryset
    numbers: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    title: Callable[[Any], str] = str
    subtitle: Callable[[Any], str] = lambda obj: ""
    date_field: str = ""
    order: int = 100
    #: an existing column already holding the tokens on every database (the knowledge
    #: base's ``search_text``); else PostgreSQL's generated ``search_tokens``
    tokens_field: str = ""
    url: Callable[[Any], str] = field(default=lambda obj: obj.get_absolute_url())


@dataclass
class Hit:
    source: SearchSource
    obj: Any
    rank: int
    score: int = 0

    @property
    def title(self) -> str:
        return self.source.title(self.obj)

    @property
    def subtitle(self) -> str:
        return self.source.subtitle(self.obj)

    @property
    def url(self) -> str:
        return self.source.url(self.obj)

    @property
    def label(self) -> Any:
        return self.source.label

    @property
    def icon(self) -> str:
        return self.source.icon

    def sort_key(self) -> tuple:
        when = getattr(self.obj, self.source.date_field, None) if self.source.date_field else None
        stamp = when.timestamp() if hasattr(when, "timestamp") else 0.0
        return (self.rank, -self.score, self.source.order, -stamp, self.obj.pk)


_sources: dict[str, SearchSource] = {}


def search_register(*sources: SearchSource) -> None:
    """Called in an app's ``AppConfig.ready``; registering a key again replaces it."""
    for source in sources:
        _sources[source.key] = source


def search_sources() -> list[SearchSource]:
    return sorted(_sources.values(), key=lambda s: s.order)


# -- identifiers ----------------------------------------------------------------------------


def _identifier_hits(source: SearchSource, qs: QuerySet, q: str, limit: int) -> list[Hit]:
    """Exact, prefix and inside matches of the identifier columns; the pg_trgm indexes
    on ``UPPER(column)`` serve ``icontains`` (docs/architecture.md §search.indexes)."""
    if not source.numbers or not looks_like_identifier(q):
        return []
    exact, prefix, inside = Q(), Q(), Q()
    for name in source.numbers:
        exact |= Q(**{f"{name}__iexact": q})
        prefix |= Q(**{f"{name}__istartswith": q})
        inside |= Q(**{f"{name}__icontains": q})
    rank = Case(
        When(exact, then=Value(RANK_EXACT)),
        When(prefix, then=Value(RANK_PREFIX)),
        default=Value(RANK_INSIDE),
        output_field=IntegerField(),
    )
    order = [f"-{source.date_field}"] if source.date_field else []
    rows = qs.filter(inside).annotate(search_rank=rank).order_by("search_rank", *order, "-pk")
    return [Hit(source, obj, obj.search_rank) for obj in rows[:limit]]


# -- words ------------------------------------------------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _with_tokens(source: SearchSource, qs: QuerySet) -> tuple[QuerySet, str]:
    """The queryset and the lookup path of the tokens column, or ``""`` on SQLite (the
    texts themselves are searched)."""
    if source.tokens_field:
        return qs, source.tokens_field
    if _postgres():
        table = qs.model._meta.db_table
        # The table and column names come from the model, never from input.
        column = RawSQL(f'"{table}"."{TOKENS_COLUMN}"', (), output_field=TextField())  # noqa: S611
        return qs.annotate(_search_tokens=column), "_search_tokens"
    return qs, ""


def _token_condition(source: SearchSource, column: str, term: str) -> Q:
    if column:
        return Q(**{f"{column}__contains": f" {term} "})
    condition = Q()
    for name in source.texts:
        condition |= Q(**{f"{name}__icontains": term})
    return condition


def _word_hits(source: SearchSource, qs: QuerySet, terms: list[str], limit: int) -> list[Hit]:
    if not terms or not (source.texts or source.tokens_field):
        return []
    order = [f"-{source.date_field}"] if source.date_field else []
    qs, column = _with_tokens(source, qs)
    conditions = [_token_condition(source, column, term) for term in terms]
    any_token = Q()
    for condition in conditions:
        any_token |= condition
    score = sum(
        (Case(When(c, then=Value(1)), default=Value(0)) for c in conditions),
        start=Value(0),
    )
    need = min_tokens(len(terms))
    # The newest CANDIDATES records the user may see holding enough tokens (through the
    # trigram index, or backwards along the date index when they are common), then ranked
    # by how many tokens they hold: the cost does not grow with the table
    # (docs/architecture.md §search.rank).
    # Fetched as a list: PostgreSQL would run `pk IN (subquery … LIMIT)` once per row.
    # The candidates come newest first with their scores: the best ``limit`` are chosen
    # here (a stable sort keeps the newest first among equals), and only those rows are
    # then loaded, by key (the tokens are not matched a second time).
    candidates = list(
        qs.filter(any_token)
        .annotate(search_score=score)
        .filter(search_score__gte=need)
        .order_by(*order, "-pk")
        .values_list("pk", "search_score")[:CANDIDATES]
    )
    if not candidates:
        return []
    best = sorted(candidates, key=lambda row: -row[1])[:limit]
    scores = dict(best)
    place = {pk: i for i, (pk, _score) in enumerate(best)}
    rows = sorted(
        _shape_like(qs, qs.model.objects.all()).filter(pk__in=list(scores)),
        key=lambda obj: place[obj.pk],
    )
    return [Hit(source, obj, RANK_WORDS, scores[obj.pk]) for obj in rows]


def _shape_like(original: QuerySet, rows: QuerySet) -> QuerySet:
    """Carry the source's ``select_related`` over to the ranked rows."""
    related = original.query.select_related
    if related is True:
        return rows.select_related()
    if isinstance(related, dict):
        return rows.select_related(*_paths(related))
    return rows


def _paths(tree: dict, prefix: str = "") -> Iterable[str]:
    for name, sub in tree.items():
        path = f"{prefix}{name}"
        if sub:
            yield from _paths(sub, f"{path}__")
        else:
            yield path


# -- the search ---------------------------------------------------------------------------


def search(
    user: Any, q: str, *, per_source: int = 5, limit: int = 20, kinds: Iterable[str] = ()
) -> list[Hit]:
    """Hits for ``q`` across every registered source the user may read, best first."""
    q = unicodedata.normalize("NFKC", q or "").strip()
    if not q:
        return []
    terms = [] if looks_like_identifier(q) and not _CJK_RE.search(q) else tokens(q)
    wanted = set(kinds)
    hits: list[Hit] = []
    for source in search_sources():
        if wanted and source.key not in wanted:
            continue
        qs = source.queryset(user)
        found = _identifier_hits(source, qs, q, per_source)
        seen = {hit.obj.pk for hit in found}
        if len(found) < per_source:
            for hit in _word_hits(source, qs, terms, per_source):
                if hit.obj.pk not in seen:
                    found.append(hit)
                    seen.add(hit.obj.pk)
        hits.extend(found[:per_source])
    hits.sort(key=Hit.sort_key)
    return hits[:limit]
