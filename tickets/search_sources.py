"""What the hotline contributes to the global search (docs/architecture.md §search)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.search import SearchSource, search_register

from .models import Ticket
from .selectors import articles_list


def _tickets(user):
    return Ticket.objects.restrict(user).select_related("customer")


def _articles(user):
    return articles_list(user=user)


def register() -> None:
    search_register(
        SearchSource(
            key="ticket",
            label=_("Service ticket"),
            icon="headset",
            queryset=_tickets,
            numbers=("number", "caller_phone"),
            texts=("caller_company", "caller_name", "description", "problem"),
            title=lambda t: f"{t.number} {t.customer or t.caller_company}",
            subtitle=lambda t: f"{t.get_state_display()} · {t.description[:60]}",
            date_field="received_at",
            order=10,
        ),
        SearchSource(
            key="article",
            label=_("Knowledge article"),
            icon="journal-text",
            queryset=_articles,
            texts=("title", "symptoms"),
            tokens_field="search_text",
            title=lambda a: a.title,
            subtitle=lambda a: a.symptoms[:60],
            date_field="updated_at",
            order=80,
        ),
    )
