"""Admin of the reports app: read-only records with their declared actions as buttons
(servicedesk/reports/actions.py, docs/architecture.md §action-layer)."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions import BRIEFING_ACTIONS, TRIP_ACTIONS, WEEKLY_ACTIONS
from .models import BriefingItem, SalesBriefing, TripReport, WeeklyReport, WeeklyReportLine


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = WeeklyReportLine
    extra = 0
    can_delete = False
    readonly_fields = ["source", "customer", "project", "items", "hours", "detail"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WeeklyReport)
class WeeklyReportAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = WEEKLY_ACTIONS
    transition_bulk_actions = False
    list_display = ["author", "week_start", "state", "tickets_closed", "visits", "hours"]
    list_filter = ["state"]
    date_hierarchy = "week_start"
    inlines = [LineInline]


@admin.register(WeeklyReportLine)
class WeeklyReportLineAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["report", "source", "customer", "project", "items", "hours"]
    list_filter = ["source"]


@admin.register(TripReport)
class TripReportAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = TRIP_ACTIONS
    transition_bulk_actions = False
    list_display = ["dispatch", "author", "customer", "visited_on", "state"]
    list_filter = ["state"]


@admin.register(SalesBriefing)
class SalesBriefingAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = BRIEFING_ACTIONS
    transition_bulk_actions = False
    list_display = ["author", "week_start", "state", "sent_at"]
    list_filter = ["state"]


@admin.register(BriefingItem)
class BriefingItemAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["briefing", "customer", "visits", "solved"]
