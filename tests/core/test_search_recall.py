"""Recall of the global search on 50 fixed Chinese queries over the demo company and a
fixed corpus of symptoms (docs/architecture.md §search.recall). Runs on SQLite (the
fallback) and on PostgreSQL (the tokens column and its pg_trgm index); prints
``RECALL …`` lines with the figures.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from servicedesk.core.search import normalise, search, search_sources
from tests.core.search_corpus import QUERIES, SYMPTOMS
from tickets.models import Ticket
from tickets.search import INDEXED_FIELDS

pytestmark = pytest.mark.django_db

#: recall this search must keep (the figure measured is printed)
MIN_RECALL = 0.9


def _add_corpus() -> None:
    demo = Ticket.objects.order_by("pk").first()
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"RXCORPUS-{i:03d}",
            customer=demo.customer,
            caller_name="测试",
            caller_company=demo.caller_company,
            caller_phone="0512-0000000",
            product="用友U8",
            description=text,
            received_at=now,
            first_contact_owner=demo.first_contact_owner,
            assignee=demo.assignee,
        )
        for i, text in enumerate(SYMPTOMS)
    )


def _relevant(words: list[str]) -> set[tuple[str, int]]:
    found = set()
    for source in search_sources():
        fields = INDEXED_FIELDS if source.tokens_field else source.texts
        if not fields:
            continue
        model = source.queryset(get_user_model().objects.get(username="recall-admin")).model
        for row in model.objects.values("pk", *fields):
            text = normalise(" ".join(str(row[f] or "") for f in fields))
            if all(word in text for word in words):
                found.add((source.key, row["pk"]))
    return found


def test_recall_of_fifty_chinese_queries():
    call_command("demo")
    _add_corpus()
    admin = get_user_model().objects.create_superuser("recall-admin", "r@example.com", "pw")
    assert len(QUERIES) == 50
    total_relevant = total_found = 0
    per_query = []
    misses = []
    for query, words in QUERIES.items():
        relevant = _relevant(words)
        assert relevant, f"no record is relevant to {query}: fix the corpus"
        hits = search(admin, query, per_source=1000, limit=100_000)
        found = {(hit.source.key, hit.obj.pk) for hit in hits}
        got = len(relevant & found)
        total_relevant += len(relevant)
        total_found += got
        per_query.append(got / len(relevant))
        if got < len(relevant):
            misses.append(f"{query} {got}/{len(relevant)}")
    micro = total_found / total_relevant
    macro = sum(per_query) / len(per_query)
    print(f"\nRECALL database: {connection.vendor}")
    print(f"RECALL micro: {micro:.3f} ({total_found}/{total_relevant} relevant records found)")
    print(f"RECALL macro: {macro:.3f} (mean over {len(per_query)} queries)")
    print(f"RECALL missed: {'; '.join(misses) or 'none'}")
    assert micro >= MIN_RECALL
    assert macro >= MIN_RECALL
