"""Admin of issue 15's models: upgrades and restores read-only with their declared actions
as buttons (fieldservice/actions_upgrades.py, docs/architecture.md §layers.admin); the
partner records with history; the training-fee table editable."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions_upgrades import RESTORE_ACTIONS, UPGRADE_ACTIONS
from .models.backups import BackupPolicy, RestoreRequest
from .models.partners import (
    CertificationExam,
    EngineerEvaluation,
    EngineerHandover,
    PartnerPenalty,
    PartnerTerms,
    PartnerTraining,
    TrainingFeeRate,
)
from .models.upgrades import Upgrade, UpgradeNotice, UpgradeProblem


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class UpgradeProblemInline(_ReadOnly, admin.TabularInline):
    model = UpgradeProblem
    extra = 0
    can_delete = False


class UpgradeNoticeInline(_ReadOnly, admin.TabularInline):
    model = UpgradeNotice
    extra = 0
    can_delete = False


@admin.register(Upgrade)
class UpgradeAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = UPGRADE_ACTIONS
    transition_bulk_actions = False
    list_display = ["number", "customer", "product", "to_version", "state", "planned_start"]
    list_filter = ["state", "self_service"]
    search_fields = ["number", "customer__name", "product"]
    list_select_related = ["customer"]
    inlines = [UpgradeNoticeInline, UpgradeProblemInline]


@admin.register(RestoreRequest)
class RestoreRequestAdmin(FSMTransitionAdminMixin, _ReadOnly, HistoryAdmin):
    action_set = RESTORE_ACTIONS
    transition_bulk_actions = False
    list_display = ["number", "customer", "state", "region_lead_told_at", "outcome", "created_at"]
    list_filter = ["state", "outcome"]
    search_fields = ["number", "customer__name"]
    list_select_related = ["customer"]


@admin.register(BackupPolicy)
class BackupPolicyAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["customer", "system", "frequency", "location", "retention_days", "active"]
    list_filter = ["frequency", "active"]
    search_fields = ["customer__name", "system"]


@admin.register(PartnerTerms)
class PartnerTermsAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["partner", "valid_from", "cooperation_model", "billing_mode", "management_fee"]
    list_filter = ["billing_mode", "cooperation_model"]


@admin.register(CertificationExam)
class CertificationExamAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["engineer", "taken_on", "score", "pass_mark", "passed"]
    list_filter = ["passed"]


@admin.register(EngineerEvaluation)
class EngineerEvaluationAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["engineer", "period_start", "period_end", "replacement_requested"]
    list_filter = ["replacement_requested"]


@admin.register(EngineerHandover)
class EngineerHandoverAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["engineer", "successor", "reason", "effective_on"]


@admin.register(PartnerPenalty)
class PartnerPenaltyAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["partner", "occurred_on", "amount", "engineer"]
    list_filter = ["partner"]


@admin.register(PartnerTraining)
class PartnerTrainingAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["partner", "rate", "starts_on", "days", "trainees", "free_days", "fee"]


@admin.register(TrainingFeeRate)
class TrainingFeeRateAdmin(HistoryAdmin):
    list_display = ["course", "price_per_day"]


from .models.support import CustomerQuestion, SupportPlan, SupportPlanItem  # noqa: E402


class SupportPlanItemInline(_ReadOnly, admin.TabularInline):
    model = SupportPlanItem
    extra = 0
    can_delete = False


class CustomerQuestionInline(_ReadOnly, admin.TabularInline):
    model = CustomerQuestion
    extra = 0
    can_delete = False


@admin.register(SupportPlan)
class SupportPlanAdmin(_ReadOnly, HistoryAdmin):
    list_display = ["customer", "engineer", "back_office", "starts_on", "ends_on"]
    search_fields = ["customer__name"]
    inlines = [SupportPlanItemInline, CustomerQuestionInline]
