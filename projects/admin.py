"""Admin of implementation projects: every model with history; workflow records read-only
with their declared actions as buttons (projects/actions.py, docs/architecture.md
§action-layer), calling the same services as the portal and the API."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions import HANDOVER_ACTIONS, LOG_ACTIONS, PLAN_ACTIONS, PROJECT_ACTIONS, STAGE_ACTIONS
from .models import (
    AcceptanceEvaluation,
    Credential,
    CredentialReveal,
    DailyLog,
    DataImportTask,
    HandoverBook,
    HandoverVersion,
    ImportTemplateHandover,
    Incident,
    PlanRevision,
    Project,
    ProjectDocument,
    Stage,
    SurveyIssue,
)


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in self.model._meta.fields]
        fields += [f.name for f in self.model._meta.many_to_many]
        return fields


class StageInline(_ReadOnly, admin.TabularInline):
    model = Stage
    extra = 0
    can_delete = False
    fields = ["order", "name", "planned_start", "planned_end", "actual_end", "state"]
    show_change_link = True


class IncidentInline(_ReadOnly, admin.TabularInline):
    model = Incident
    extra = 0
    can_delete = False
    fields = ["occurred_at", "description", "state", "resolution"]


@admin.register(Project)
class ProjectAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = PROJECT_ACTIONS
    transition_bulk_actions = False
    list_display = ["number", "title", "customer", "state", "project_manager", "created_at"]
    list_filter = ["state", "source"]
    search_fields = ["number", "title", "customer__name"]
    list_select_related = ["customer", "project_manager"]
    date_hierarchy = "created_at"
    inlines = [StageInline, IncidentInline]


@admin.register(PlanRevision)
class PlanRevisionAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = PLAN_ACTIONS
    transition_bulk_actions = False
    list_display = ["project", "number", "state", "reviewed_at", "signed_at"]
    list_filter = ["state"]
    search_fields = ["project__number"]


@admin.register(Stage)
class StageAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = STAGE_ACTIONS
    transition_bulk_actions = False
    list_display = ["project", "order", "name", "planned_end", "actual_end", "state"]
    list_filter = ["state"]
    search_fields = ["project__number", "name"]


@admin.register(DailyLog)
class DailyLogAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = LOG_ACTIONS
    transition_bulk_actions = False
    list_display = ["project", "day", "consultant", "hours", "state"]
    list_filter = ["state"]
    search_fields = ["project__number"]
    date_hierarchy = "day"


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["project", "kind", "title", "uploaded_at", "reviewed_at"]
    list_filter = ["kind"]


@admin.register(AcceptanceEvaluation)
class AcceptanceEvaluationAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["project", "outcome", "evaluated_at"]


@admin.register(Incident)
class IncidentAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["project", "occurred_at", "state"]
    list_filter = ["state"]


@admin.register(DataImportTask)
class DataImportTaskAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["project", "free", "state", "created_at"]
    list_filter = ["state", "free"]


class CredentialInline(_ReadOnly, admin.TabularInline):
    """Never the secret: the account only (docs/architecture.md §credentials)."""

    model = Credential
    extra = 0
    can_delete = False
    fields = ["system", "username", "note", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(HandoverBook)
class HandoverBookAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["customer", "project", "created_at"]
    inlines = [CredentialInline]


@admin.register(HandoverVersion)
class HandoverVersionAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = HANDOVER_ACTIONS
    transition_bulk_actions = False
    list_display = ["book", "number", "giver", "receiver", "state", "created_at"]
    list_filter = ["state"]


@admin.register(CredentialReveal)
class CredentialRevealAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["credential", "user", "at", "ip_address"]


@admin.register(SurveyIssue)
class SurveyIssueAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["project", "state", "decided_by", "created_at"]
    list_filter = ["state"]


@admin.register(ImportTemplateHandover)
class ImportTemplateHandoverAdmin(_ReadOnly, HistoryAdmin):
    """Recorded from the project's action (docs/domain.md §project.import-template)."""

    list_display = ["project", "contact", "handed_by", "handed_at"]
    list_select_related = ["project", "contact", "handed_by"]
    search_fields = ["project__number", "contact__name"]
