"""What field service contributes to the global search (docs/architecture.md §search)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.search import SearchSource, search_register

from .models import Dispatch


def _dispatches(user):
    return Dispatch.objects.restrict(user).select_related("customer")


def register() -> None:
    search_register(
        SearchSource(
            key="dispatch",
            label=_("Dispatch"),
            icon="truck",
            queryset=_dispatches,
            numbers=("number", "contact_phone"),
            texts=("problem", "site_address", "contact_name"),
            title=lambda d: f"{d.number} {d.customer}",
            subtitle=lambda d: f"{d.get_state_display()} · {d.problem[:60]}",
            date_field="created_at",
            order=20,
        )
    )
