"""The defect and requirement lists with filters, sorting, saved filters and export
(docs/architecture.md §lists)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from servicedesk.core.lists import BulkAction, Column, ListSpec, common_labels, list_register

from .actions import DEFECT_ACTIONS
from .choices import Severity
from .filters import DefectFilter, RequirementFilter
from .models import Defect, Requirement


def _defects(user):
    """Restricted, with the severity's rank: the list sorts by seriousness, not by name."""
    rank = Case(
        *[When(severity=v, then=Value(i)) for i, v in enumerate(Severity.values)],
        output_field=IntegerField(),
    )
    return (
        Defect.objects.restrict(user)
        .select_related("customer", "assignee")
        .annotate(severity_rank=rank)
    )


DEFECTS = ListSpec(
    code="defects",
    title=_("Defects"),
    filterset=DefectFilter,
    queryset=_defects,
    permission="defects.view_defect",
    labels=common_labels(product=_("Product")),
    url_name="defects:all",
    export_name="defects",
    columns=(
        Column("number", _("Number"), order="number", link=True, classes="text-nowrap"),
        Column("reported", _("Reported at"), "reported_at", order="reported_at"),
        Column("severity", _("Severity"), "get_severity_display", order="severity_rank"),
        Column("title", _("Title"), order="title"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("customer", _("Customer"), "customer", order="customer__name"),
        Column("product", _("Product"), order="product"),
        Column("assignee", _("Assignee"), "assignee", order="assignee__last_name"),
        Column("closed", _("Closed"), "closed_at", order="closed_at"),
    ),
    filters=(
        "q",
        "state",
        "severity",
        "assignee",
        "customer_name",
        "region",
        "product",
        "reported_on",
        "overdue",
    ),
    default_sort="-reported",
    bulk=(BulkAction("close", DEFECT_ACTIONS),),
)

REQUIREMENTS = ListSpec(
    code="requirements",
    title=_("Requirement requests"),
    filterset=RequirementFilter,
    queryset=lambda user: Requirement.objects.restrict(user).select_related("customer"),
    permission="defects.view_requirement",
    labels=common_labels(),
    url_name="defects:all-requirements",
    export_name="requirements",
    columns=(
        Column("number", _("Number"), order="number", link=True, classes="text-nowrap"),
        Column("recorded", _("Recorded"), "recorded_at", order="recorded_at"),
        Column("title", _("Title"), order="title"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("customer", _("Customer"), "customer", order="customer__name"),
        Column("product", _("Product"), order="product"),
        Column("outcome", _("Decision"), "get_outcome_display", order="outcome"),
        Column("evaluated", _("Evaluated"), "evaluated_at", order="evaluated_at"),
    ),
    filters=("state", "outcome", "customer_name", "region", "recorded_on", "overdue"),
    default_sort="-recorded",
)


def register() -> None:
    list_register(DEFECTS, REQUIREMENTS)
