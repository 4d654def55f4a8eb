"""Admin of the spare-parts stock (docs/domain.md §stock): the catalogue and the
warehouses are kept here (through their services); stock levels and the movement ledger
are read-only (they change only through the stock services); loans and faulty parts show
their declared actions as buttons (fieldservice/actions_stock.py)."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions_stock import LOAN_ACTIONS, REPAIR_ACTIONS
from .models.stock import FaultyPart, Part, PartLoan, StockLevel, StockMovement, Warehouse
from .services.stock import part_save, warehouse_save


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Part)
class PartAdmin(HistoryAdmin):
    list_display = ["part_number", "name", "active"]
    list_filter = ["active"]
    search_fields = ["part_number", "name"]

    def save_model(self, request, obj, form, change):
        part_save(part=obj, by=request.user)


@admin.register(Warehouse)
class WarehouseAdmin(HistoryAdmin):
    list_display = ["name", "kind", "engineer", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["engineer__user"]
    autocomplete_fields = ["engineer"]

    def save_model(self, request, obj, form, change):
        warehouse_save(warehouse=obj, by=request.user)


@admin.register(StockLevel)
class StockLevelAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["part", "warehouse", "quantity", "min_quantity"]
    list_filter = ["warehouse"]
    list_select_related = ["part", "warehouse"]
    search_fields = ["part__part_number", "part__name"]


@admin.register(StockMovement)
class StockMovementAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["at", "kind", "part", "quantity", "from_warehouse", "to_warehouse", "by"]
    list_filter = ["kind"]
    list_select_related = ["part", "from_warehouse", "to_warehouse", "by"]
    search_fields = ["part__part_number", "part__name"]
    date_hierarchy = "at"


@admin.register(PartLoan)
class PartLoanAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = LOAN_ACTIONS
    transition_bulk_actions = False
    list_display = ["number", "part", "customer", "state", "emergency", "requested_at"]
    list_filter = ["state", "emergency", "purpose"]
    list_select_related = ["part", "customer"]
    search_fields = ["number", "part__part_number", "customer__name"]


@admin.register(FaultyPart)
class FaultyPartAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = REPAIR_ACTIONS
    transition_bulk_actions = False
    list_display = ["tag_number", "part", "serial_number", "customer", "state", "tagged_at"]
    list_filter = ["state"]
    list_select_related = ["part", "customer"]
    search_fields = ["tag_number", "serial_number", "part__part_number"]
