"""What projects contributes to the global search (docs/architecture.md §search)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.search import SearchSource, search_register

from .models import Project


def register() -> None:
    search_register(
        SearchSource(
            key="project",
            label=_("Project"),
            icon="diagram-3",
            queryset=lambda user: Project.objects.restrict(user).select_related("customer"),
            numbers=("number",),
            texts=("title", "description"),
            title=lambda p: f"{p.number} {p.title}",
            subtitle=lambda p: f"{p.get_state_display()} · {p.customer}",
            date_field="created_at",
            order=45,
        )
    )
