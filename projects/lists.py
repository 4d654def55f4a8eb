"""The project list with filters, sorting, saved filters and export (docs/architecture.md
§lists)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, DateField, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.lists import Column, ListSpec, common_labels, list_register

from .choices import ACTIVE_STATES
from .filters import ProjectFilter
from .selectors import projects_for_list, slip_of

#: projects not behind sort after every project that is (ascending: most behind first)
NOT_BEHIND = dt.date(9999, 12, 31)


def _projects(user):
    return (
        projects_for_list(user)
        .select_related("customer", "project_manager", "implementation_manager")
        .annotate(
            behind_order=Case(
                When(
                    state__in=ACTIVE_STATES,
                    behind_since__lt=timezone.localdate(),
                    then=F("behind_since"),
                ),
                default=Value(NOT_BEHIND),
                output_field=DateField(),
            )
        )
    )


def _behind_since(project):
    return project.behind_since if slip_of(project, timezone.localdate()) else None


PROJECTS = ListSpec(
    code="projects",
    title=_("All projects"),
    filterset=ProjectFilter,  # the API's (projects/)
    queryset=_projects,
    permission="projects.view_all_projects",
    labels=common_labels(
        state=_("State"),
        project_manager=_("Project manager"),
        implementation_manager=_("Implementation manager"),
    ),
    url_name="projects:all",
    export_name="projects",
    columns=(
        Column("number", _("Number"), order="number", link=True, classes="text-nowrap"),
        Column("title", _("Title"), order="title"),
        Column("customer", _("Customer"), "customer", order="customer__name"),
        Column("region", _("Region"), "customer.region", order="customer__region"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column(
            "manager", _("Project manager"), "project_manager", order="project_manager__last_name"
        ),
        Column("kickoff", _("Kickoff"), "kickoff_on", order="kickoff_on"),
        Column("behind", _("Behind since"), _behind_since, order="behind_order"),
        Column("applied", _("Applied"), "created_at", order="created_at"),
    ),
    filters=(
        "q",
        "state",
        "project_manager",
        "implementation_manager",
        "customer_name",
        "region",
        "applied_on",
        "behind",
    ),
    default_sort="-applied",
)


def register() -> None:
    list_register(PROJECTS)
