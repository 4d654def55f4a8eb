"""Admin of routine inspections: schedules (saved through their service), inspections
read-only with their declared actions as buttons (docs/architecture.md §action-layer)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions_inspections import INSPECTION_ACTIONS
from .models.inspections import Inspection, InspectionItem, InspectionSchedule
from .services.inspections import inspection_schedule_save


@admin.register(InspectionSchedule)
class InspectionScheduleAdmin(HistoryAdmin):
    list_display = ["contract", "starts_on", "frequency_months", "engineer", "active"]
    list_filter = ["active"]
    search_fields = ["contract__number", "contract__customer__name"]
    autocomplete_fields = ["contract"]
    raw_id_fields = ["engineer", "backup_engineer"]
    exclude = ["created_by", "created_at"]

    def save_model(self, request: Any, obj: InspectionSchedule, form: Any, change: bool) -> None:
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("created_by", "created_at")}
        saved = inspection_schedule_save(by=request.user, schedule=obj if change else None, **data)
        obj.pk = saved.pk


class ItemInline(admin.TabularInline):
    model = InspectionItem
    extra = 0
    can_delete = False
    fields = ["section", "label", "result", "note", "photo", "ticket", "follow_up"]
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    action_set = INSPECTION_ACTIONS
    transition_bulk_actions = False
    list_display = ["due_on", "customer", "dispatch", "state"]
    list_filter = ["state"]
    search_fields = ["customer__name", "dispatch__number"]
    date_hierarchy = "due_on"
    inlines = [ItemInline]
    readonly_fields = [
        "schedule",
        "due_on",
        "dispatch",
        "contract",
        "customer",
        "equipment",
        "state",
        "summary",
        "checked_at",
        "customer_signature",
        "signed_at",
        "created_at",
    ]

    def has_add_permission(self, request: Any) -> bool:
        return False


# -- installations (docs/domain.md §installation) ----------------------------------------

from .actions_inspections import INSTALLATION_ACTIONS  # noqa: E402
from .models.installations import Installation, InstallationDay  # noqa: E402


class DayInline(admin.TabularInline):
    model = InstallationDay
    extra = 0
    can_delete = False
    fields = ["day", "hours", "work_done", "issues", "next_steps", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Installation)
class InstallationAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    action_set = INSTALLATION_ACTIONS
    transition_bulk_actions = False
    list_display = ["dispatch", "customer", "state", "accepted_at"]
    list_filter = ["state"]
    search_fields = ["customer__name", "dispatch__number"]
    inlines = [DayInline]
    readonly_fields = [
        "dispatch",
        "customer",
        "contract",
        "state",
        "acceptance_note",
        "acceptance_signature",
        "accepted_at",
        "created_by",
        "created_at",
    ]

    def has_add_permission(self, request: Any) -> bool:
        return False


# -- goods inspection (docs/domain.md §goods-inspection) ---------------------------------

from .models.goods import GoodsInspection  # noqa: E402


@admin.register(GoodsInspection)
class GoodsInspectionAdmin(HistoryAdmin):
    """Read-only: recorded on the visit's page through its service."""

    list_display = ["dispatch", "customer", "delivery_on", "passed", "recorded_at"]
    list_filter = ["passed", "box_sealed"]
    search_fields = ["customer__name", "dispatch__number"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
