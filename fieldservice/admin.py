"""Admin of field service: every model with history; dispatches read-only with their
transitions as buttons built from their one declaration (``fieldservice/actions.py``,
docs/architecture.md §action-layer), calling the same services as the portal.

Assigning (with its conflict checks against the board), agreeing the appointment and
completing (with the customer's signature) happen on the portal; the declaration leaves
them out of the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions import DISPATCH_ACTIONS
from .models import (
    Dispatch,
    DispatchReschedule,
    Engineer,
    EngineerLeave,
    Partner,
    SalesLead,
    SparePartUsage,
)
from .services import engineer_save, partner_save


class PartInline(admin.TabularInline):
    model = SparePartUsage
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "part_name",
        "part_number",
        "serial_number",
        "quantity",
        "emergency",
        "approved_by",
        "approved_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class EngineerLeaveInline(admin.TabularInline):
    model = EngineerLeave
    extra = 0


class PartnerAdminForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = [
            "name",
            "short_name",
            "contact_name",
            "phone",
            "region",
            "cooperation_model",
            "billing_mode",
            "person_day_rate",
            "fee_share_percent",
            "active",
            "notes",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        mode = data.get("billing_mode")
        if mode == "person_day" and data.get("person_day_rate") is None:
            self.add_error("person_day_rate", _("Enter the person-day rate."))
        if mode == "fee_share" and data.get("fee_share_percent") is None:
            self.add_error(
                "fee_share_percent", _("Enter the partner's share of the after-sales fee.")
            )
        return data


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    form = PartnerAdminForm
    list_display = [
        "name",
        "region",
        "cooperation_model",
        "billing_mode",
        "person_day_rate",
        "fee_share_percent",
        "active",
    ]
    list_filter = ["billing_mode", "cooperation_model", "active"]
    search_fields = ["name", "short_name", "contact_name"]

    def save_model(self, request, obj, form, change):
        partner_save(partner=obj, by=request.user)


@admin.register(Engineer)
class EngineerAdmin(HistoryAdmin):
    list_display = [
        "__str__",
        "partner",
        "region",
        "skills",
        "certified_on",
        "certification_expires_on",
        "active",
    ]
    list_filter = ["partner", "region", "active"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "skills"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "partner"]
    inlines = [EngineerLeaveInline]

    def save_model(self, request, obj, form, change):
        engineer_save(engineer=obj, by=request.user)


@admin.register(Dispatch)
class DispatchAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    # The transitions' buttons, forms and services: their one declaration.
    action_set = DISPATCH_ACTIONS
    transition_bulk_actions = False
    list_display = [
        "number",
        "customer",
        "kind",
        "state",
        "engineer",
        "appointment_at",
        "outcome",
        "created_at",
    ]
    list_filter = ["state", "kind", "severity", "outcome", "source", "engineer__partner"]
    search_fields = ["number", "customer__name", "site_address", "contact_name"]
    list_select_related = ["customer", "engineer__user"]
    date_hierarchy = "created_at"
    inlines = [PartInline]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Dispatch._meta.fields]


@admin.register(SalesLead)
class SalesLeadAdmin(HistoryAdmin):
    list_display = ["customer", "kind", "description", "sales_manager", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["customer", "sales_manager"]
    readonly_fields = [
        "dispatch",
        "customer",
        "kind",
        "description",
        "sales_manager",
        "recorded_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(SparePartUsage)
class SparePartUsageAdmin(HistoryAdmin):
    list_display = [
        "part_name",
        "kind",
        "dispatch",
        "quantity",
        "emergency",
        "approved_by",
        "recorded_at",
    ]
    list_filter = ["kind", "emergency"]
    list_select_related = ["dispatch", "approved_by"]
    readonly_fields = [f.name for f in SparePartUsage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DispatchReschedule)
class DispatchRescheduleAdmin(HistoryAdmin):
    list_display = ["dispatch", "previous_at", "new_at", "reason", "by", "at"]
    readonly_fields = [
        "dispatch",
        "previous_at",
        "new_at",
        "reason",
        "out_of_hours_reason",
        "customer_informed",
        "by",
        "at",
    ]

    def has_add_permission(self, request):
        return False


# Spare-parts stock and customer training (docs/domain.md §stock, §training).
# Routine inspections (docs/domain.md §inspection), in their own module.
from . import (  # noqa: E402,F401
    admin_inspections,
    admin_stock,
    admin_training,
    admin_upgrades,
)
