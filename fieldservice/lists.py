"""The dispatch list with filters, sorting, saved filters and export (docs/architecture.md
§lists)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.core.lists import BulkAction, Column, ListSpec, common_labels, list_register

from .actions import DISPATCH_ACTIONS
from .filters import DispatchFilter
from .models import Dispatch


def _dispatches(user):
    return Dispatch.objects.restrict(user).select_related("customer", "engineer__user")


DISPATCHES = ListSpec(
    code="dispatches",
    title=_("Dispatches"),
    filterset=DispatchFilter,
    queryset=_dispatches,
    permission="fieldservice.view_dispatch",
    labels=common_labels(open=pgettext_lazy("dispatches not yet closed", "Open")),
    url_name="fieldservice:all",
    export_name="dispatches",
    columns=(
        Column("number", _("Number"), order="number", link=True, classes="text-nowrap"),
        Column("created", _("Requested"), "created_at", order="created_at"),
        Column("customer", _("Customer"), "customer", order="customer__name"),
        Column("kind", _("Kind"), "get_kind_display", order="kind"),
        Column("severity", _("Severity"), "get_severity_display", order="severity"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("engineer", _("Engineer"), "engineer", order="engineer__user__last_name"),
        Column("appointment", _("Appointment"), "appointment_at", order="appointment_at"),
        Column("outcome", _("Outcome"), "get_outcome_display", order="outcome"),
        Column("region", _("Region"), "customer.region", order="customer__region"),
    ),
    filters=(
        "q",
        "state",
        "open",
        "kind",
        "severity",
        "outcome",
        "engineer",
        "customer_name",
        "region",
        "created_on",
        "overdue",
    ),
    default_sort="-created",
    create_url="fieldservice:create",
    create_label=_("New dispatch"),
    create_permission="fieldservice.add_dispatch",
    bulk=(BulkAction("verify", DISPATCH_ACTIONS), BulkAction("archive", DISPATCH_ACTIONS)),
)


def register() -> None:
    list_register(DISPATCHES)
