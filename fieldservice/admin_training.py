"""Admin of customer training (docs/domain.md §training): sessions read-only with their
declared actions as buttons (fieldservice/actions_training.py); attendees and feedback
inline, read-only (they change through the training page's actions)."""

from __future__ import annotations

from django.contrib import admin

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin

from .actions_training import TRAINING_ACTIONS
from .models.training import TrainingAttendee, TrainingFeedback, TrainingSession


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class AttendeeInline(_ReadOnlyInline):
    model = TrainingAttendee
    fields = [
        "name",
        "department",
        "position",
        "signed_in_at",
        "sign_in_method",
        "certificate_number",
    ]


class FeedbackInline(_ReadOnlyInline):
    model = TrainingFeedback
    fields = [
        "attendee",
        "score_content",
        "score_trainer",
        "score_materials",
        "score_organisation",
        "comments",
    ]


@admin.register(TrainingSession)
class TrainingSessionAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    action_set = TRAINING_ACTIONS
    transition_bulk_actions = False
    list_display = ["number", "title", "customer", "trainer", "starts_on", "state"]
    list_filter = ["state"]
    list_select_related = ["customer", "trainer__user"]
    search_fields = ["number", "title", "customer__name"]
    date_hierarchy = "starts_on"
    inlines = [AttendeeInline, FeedbackInline]

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
