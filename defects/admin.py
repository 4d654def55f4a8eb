"""Admin of defects and requirement requests for managers (docs/architecture.md §layers.admin):
states read-only, each transition a button calling the same service as the portal
and the API. Records are created on the portal or the API (the services number them and
start their deadlines), so adding here is off; the tracker link and the follower list are
the only plain edits."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin as CoreHistoryAdmin

from . import forms as portal_forms
from .models import Defect, EvaluationReport, Requirement
from .services import (
    defect_change_severity,
    defect_close,
    defect_confirm,
    defect_escalate,
    defect_fix,
    defect_reject,
    defect_reopen,
    defect_report,
    defect_start_fix,
    defect_verify,
    requirement_agree,
    requirement_confirm_solution,
    requirement_customer_accept,
    requirement_deliver,
    requirement_escalate,
    requirement_refuse_quote,
    requirement_schedule,
    requirement_start_development,
    requirement_start_evaluation,
)


class HistoryAdmin(CoreHistoryAdmin):
    """Records are created on the portal and the API, never here."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class FixForm(forms.Form):
    note = forms.CharField(label=_("What was changed"), widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.CharField(label=_("Fixed in version"), required=False)


class RejectForm(forms.Form):
    reason = portal_forms.RejectForm.base_fields["reason"]
    note = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(forms.Form):
    point = forms.CharField(
        label=_("Point of disagreement"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SeverityForm(forms.Form):
    severity = portal_forms.SeverityForm.base_fields["severity"]
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class StartFixForm(forms.Form):
    developer = forms.ModelChoiceField(label=_("Developer"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["developer"].queryset = portal_forms.staff_with("defects.fix_defect")


@admin.register(Defect)
class DefectAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    transition_services = {
        "report": (defect_report, OptionalNoteForm),
        "verify": (defect_verify, NoteForm),
        "start_fix": (defect_start_fix, StartFixForm),
        "fix": (defect_fix, FixForm),
        "confirm": (defect_confirm, NoteForm),
        "reopen": (defect_reopen, ReasonForm),
        "close": (defect_close, None),
        "reject": (defect_reject, RejectForm),
        "escalate": (defect_escalate, EscalateForm),
        "change_severity": (defect_change_severity, SeverityForm),
    }
    transition_labels = {
        "report": _("Report…"),
        "verify": _("Verify…"),
        "start_fix": _("Start fixing…"),
        "fix": _("Fixed…"),
        "confirm": _("Customer confirms…"),
        "reopen": _("Reopen…"),
        "close": _("Close"),
        "reject": _("Reject…"),
        "escalate": _("Escalate to the region lead…"),
        "change_severity": _("Change severity…"),
    }
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


class AgreeForm(forms.Form):
    amount = forms.DecimalField(label=_("Agreed price (CNY)"), min_value=0, decimal_places=2)
    note = forms.CharField(label=_("Negotiation"), required=False)


class ExplanationForm(forms.Form):
    explanation = forms.CharField(
        label=_("The customer's decision and what they were told"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScheduleForm(forms.Form):
    planned_start = forms.DateField(label=_("Planned start"))
    planned_delivery = forms.DateField(label=_("Planned delivery"))
    developer = forms.ModelChoiceField(label=_("Developer"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["developer"].queryset = portal_forms.staff_with("defects.develop_requirement")


@admin.register(Requirement)
class RequirementAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    """The evaluation itself is done on the portal page (it has many fields and rules)."""

    transition_services = {
        "start_evaluation": (requirement_start_evaluation, None),
        "agree": (requirement_agree, AgreeForm),
        "refuse_quote": (requirement_refuse_quote, ExplanationForm),
        "confirm_solution": (requirement_confirm_solution, None),
        "schedule": (requirement_schedule, ScheduleForm),
        "start_development": (requirement_start_development, None),
        "deliver": (requirement_deliver, NoteForm),
        "customer_accept": (requirement_customer_accept, NoteForm),
        "escalate": (requirement_escalate, EscalateForm),
    }
    transition_labels = {
        "start_evaluation": _("Start evaluating"),
        "agree": _("Customer agrees…"),
        "refuse_quote": _("Customer refuses…"),
        "confirm_solution": _("Confirm the solution"),
        "schedule": _("Schedule…"),
        "start_development": _("Start development"),
        "deliver": _("Delivered…"),
        "customer_accept": _("Customer accepts…"),
        "escalate": _("Escalate to the region lead…"),
    }
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
