"""Admin of defects and requirement requests for managers (docs/architecture.md §layers.admin):
states read-only, each transition a button calling the same service as the portal
and the API, from the declared actions (defects/actions.py, docs/architecture.md
§action-layer). Records are created on the portal or the API (the services number them and
start their deadlines), so adding here is off; the tracker link and the follower list are
the only plain edits."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin as CoreHistoryAdmin

from .actions import DEFECT_ACTIONS, REQUIREMENT_ACTIONS
from .models import Defect, EvaluationReport, Requirement


class HistoryAdmin(CoreHistoryAdmin):
    """Records are created on the portal and the API, never here."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Defect)
class DefectAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    action_set = DEFECT_ACTIONS
    transition_bulk_actions = False
    list_display = [
        "number",
        "title",
        "severity",
        "state",
        "customer",
        "product",
        "assignee",
        "reported_at",
        "tracker_key",
    ]
    list_filter = ["state", "severity", ("assignee", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "title", "tracker_key", "customer__name", "product"]
    list_select_related = ["customer", "assignee"]
    date_hierarchy = "reported_at"
    autocomplete_fields: list[str] = []
    filter_horizontal = ["followers"]
    fields = [
        "number",
        "severity",
        "state",
        "title",
        "customer_sees",
        "steps",
        ("product", "version", "module"),
        "site",
        ("customer", "contract"),
        ("ticket", "dispatch"),
        "reported_at",
        ("recorded_by", "assignee", "developer"),
        "followers",
        "workaround",
        "knowledge_article",
        ("tracker_key", "tracker_url"),
        "report_note",
        "verify_note",
        "fix_note",
        "fixed_version",
        "confirm_note",
        "reopen_reason",
        ("reject_reason", "reject_note"),
        ("escalation_point", "escalated_at"),
        ("reported_to_hq_at", "verified_at", "fixed_at", "confirmed_at", "closed_at"),
    ]
    # Only the tracker link and the followers are edited here.
    readonly_fields = [
        "number",
        "severity",
        "title",
        "customer_sees",
        "steps",
        "product",
        "version",
        "module",
        "site",
        "customer",
        "contract",
        "ticket",
        "dispatch",
        "reported_at",
        "recorded_by",
        "assignee",
        "developer",
        "workaround",
        "knowledge_article",
        "report_note",
        "verify_note",
        "fix_note",
        "fixed_version",
        "confirm_note",
        "reopen_reason",
        "reject_reason",
        "reject_note",
        "escalation_point",
        "escalated_at",
        "reported_to_hq_at",
        "verified_at",
        "fixed_at",
        "confirmed_at",
        "closed_at",
    ]


@admin.register(Requirement)
class RequirementAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    """The evaluation itself is done on the portal page (it has many fields and rules)."""

    action_set = REQUIREMENT_ACTIONS
    transition_bulk_actions = False
    list_display = [
        "number",
        "title",
        "customer",
        "state",
        "outcome",
        "effort_days",
        "quote_amount",
        "recorded_at",
        "tracker_key",
    ]
    list_filter = ["state", "outcome", "urgent", "in_scope"]
    search_fields = ["number", "title", "tracker_key", "customer__name"]
    list_select_related = ["customer"]
    date_hierarchy = "recorded_at"
    exclude = ["evaluators"]
    readonly_fields = [
        f.name
        for f in Requirement._meta.concrete_fields
        if f.name not in ("id", "state", "tracker_key", "tracker_url")
    ]


@admin.register(EvaluationReport)
class EvaluationReportAdmin(HistoryAdmin):
    list_display = ["__str__", "created_by", "created_at"]
    readonly_fields = ["period_start", "period_end", "created_by", "created_at"]
