"""What defects contributes to the global search (docs/architecture.md §search)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.search import SearchSource, search_register

from .models import Defect, Requirement


def _defects(user):
    return Defect.objects.restrict(user).select_related("customer")


def _requirements(user):
    return Requirement.objects.restrict(user).select_related("customer")


def register() -> None:
    search_register(
        SearchSource(
            key="defect",
            label=_("Defect"),
            icon="bug",
            queryset=_defects,
            numbers=("number", "tracker_key"),
            texts=("title", "customer_sees", "product", "module"),
            title=lambda d: f"{d.number} {d.title}",
            subtitle=lambda d: f"{d.get_state_display()} · {d.get_severity_display()}",
            date_field="reported_at",
            order=30,
        ),
        SearchSource(
            key="requirement",
            label=_("Requirement request"),
            icon="lightbulb",
            queryset=_requirements,
            numbers=("number",),
            texts=("title", "description", "product", "module"),
            title=lambda r: f"{r.number} {r.title}",
            subtitle=lambda r: f"{r.get_state_display()} · {r.customer or ''}",
            date_field="recorded_at",
            order=40,
        ),
    )
