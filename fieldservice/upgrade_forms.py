"""Portal forms of upgrades, restores and partners (docs/domain.md §upgrade, §restore,
§partners). The services check every rule again; their field errors land here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from contracts.widgets import CustomerPicker
from servicedesk.core.forms import DeskFormMixin, datetime_field, textarea

from .choices import BillingMode, CooperationModel
from .forms import EngineerChoiceField
from .models import Engineer
from .models.backups import BackupFrequency, BackupPolicy, RestoreOutcome
from .models.partners import TrainingFeeRate
from .models.support import QuestionRoute
from .models.upgrades import NoticeChannel, NoticeWhen, ProblemPhase


class UpgradeCreateForm(DeskFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        widget=CustomerPicker,
        error_messages={"required": _("Which customer is upgraded?")},
    )
    product = forms.CharField(label=_("Product"), max_length=100)
    from_version = forms.CharField(label=_("From version"), max_length=40, required=False)
    to_version = forms.CharField(label=_("To version"), max_length=40)
    engineer = EngineerChoiceField(
        label=_("Engineer"), queryset=Engineer.objects.none(), required=False
    )
    self_service = forms.BooleanField(
        label=_("The customer upgrades by themselves (guided by the engineer)"), required=False
    )
    content = forms.CharField(label=_("Content of the upgrade"), widget=textarea(3), required=False)
    risks = forms.CharField(label=_("Risks"), widget=textarea(2), required=False)
    contingency_plan = forms.CharField(
        label=_("Contingency plan"), widget=textarea(2), required=False
    )
    planned_start = datetime_field(_("Planned time"), required=False)
    planned_minutes = forms.IntegerField(
        label=_("Planned duration (minutes)"), min_value=15, initial=240, required=False
    )
    in_hours_reason = forms.CharField(
        label=_("Why inside office hours (if it is)"), max_length=300, required=False
    )

    def __init__(self, *args: Any, engineers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if engineers is not None:
            self.fields["engineer"].queryset = engineers


class UpgradePlanForm(DeskFormMixin, forms.Form):
    planned_start = datetime_field(_("Planned time"), required=False)
    planned_minutes = forms.IntegerField(
        label=_("Planned duration (minutes)"), min_value=15, required=False
    )
    in_hours_reason = forms.CharField(
        label=_("Why inside office hours (if it is)"), max_length=300, required=False
    )
    content = forms.CharField(label=_("Content of the upgrade"), widget=textarea(3), required=False)
    risks = forms.CharField(label=_("Risks"), widget=textarea(2), required=False)
    contingency_plan = forms.CharField(
        label=_("Contingency plan"), widget=textarea(2), required=False
    )


class ManualForm(DeskFormMixin, forms.Form):
    manual = forms.FileField(
        label=_("Upgrade manual"),
        error_messages={"required": _("Choose the manual's file.")},
        help_text=_("PDF, Word, text or a ZIP archive, at most 30 MB."),
    )


class RehearseForm(DeskFormMixin, forms.Form):
    rehearsal_environment = forms.CharField(
        label=_("Simulated environment"),
        max_length=200,
        required=False,
        help_text=_("Where it was rehearsed, e.g. a copy of the production account set."),
    )
    rehearsal_passed = forms.BooleanField(label=_("The rehearsal passed"), required=False)
    rehearsal_notes = forms.CharField(label=_("Notes"), widget=textarea(2), required=False)


class BackUpForm(DeskFormMixin, forms.Form):
    backup_programs = forms.BooleanField(label=_("Programs backed up"), required=False)
    backup_database = forms.BooleanField(label=_("Database backed up"), required=False)
    backup_attachments = forms.BooleanField(label=_("Attachments backed up"), required=False)
    backup_location = forms.CharField(
        label=_("Where the backup is stored"), max_length=300, required=False
    )


class NoticeForm(DeskFormMixin, forms.Form):
    when = forms.ChoiceField(label=_("When"), choices=NoticeWhen.choices)
    channel = forms.ChoiceField(label=_("How"), choices=NoticeChannel.choices)
    contact = forms.CharField(label=_("Who was told"), max_length=100)
    content = forms.CharField(label=_("What was said"), widget=textarea(2), required=False)


class ExecuteForm(DeskFormMixin, forms.Form):
    executed_at = datetime_field(_("When it ran"), required=False)
    execution_in_hours_reason = forms.CharField(
        label=_("Why inside office hours (if it is)"), max_length=300, required=False
    )
    execution_notes = forms.CharField(label=_("Notes"), widget=textarea(2), required=False)
    problems = forms.CharField(
        label=_("Problems found during the upgrade"), widget=textarea(2), required=False
    )


class ProblemForm(DeskFormMixin, forms.Form):
    phase = forms.ChoiceField(label=_("When"), choices=ProblemPhase.choices)
    description = forms.CharField(label=_("Problem"), widget=textarea(2))
    resolution = forms.CharField(label=_("What was done"), widget=textarea(2), required=False)


class ReportForm(DeskFormMixin, forms.Form):
    report = forms.CharField(
        label=_("Upgrade report (升级情况说明)"),
        widget=textarea(5),
        required=False,
        help_text=_("Goes to the region lead."),
    )


class ReasonForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=textarea(2),
        error_messages={"required": _("Give the reason.")},
    )


class RestorePlanForm(DeskFormMixin, forms.Form):
    scope = forms.CharField(label=_("Scope of the restore"), widget=textarea(2), required=False)
    expected_minutes = forms.IntegerField(
        label=_("Expected duration (minutes)"), min_value=1, required=False
    )
    impact = forms.CharField(label=_("Impact"), widget=textarea(2), required=False)
    backup_used = forms.CharField(label=_("Backup used"), max_length=300, required=False)


class RestoreOutcomeForm(DeskFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—"), *RestoreOutcome.choices],
        required=False,
    )
    outcome_notes = forms.CharField(label=_("Notes"), widget=textarea(2), required=False)


class RestoreCreateForm(DeskFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        widget=CustomerPicker,
        error_messages={"required": _("Which customer asks for the restore?")},
    )
    policy = forms.ModelChoiceField(
        label=_("Backup policy"), queryset=BackupPolicy.objects.none(), required=False
    )
    requested_by_name = forms.CharField(label=_("Asked by (customer)"), max_length=100)
    reason = forms.CharField(label=_("What happened"), widget=textarea(3))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = BackupPolicy.objects.select_related("customer")


class BackupPolicyForm(DeskFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.all(), widget=CustomerPicker
    )
    system = forms.CharField(label=_("System"), max_length=100)
    what = forms.CharField(label=_("What is backed up"), max_length=300)
    frequency = forms.ChoiceField(label=_("How often"), choices=BackupFrequency.choices)
    at_time = forms.TimeField(
        label=_("At"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    location = forms.CharField(label=_("Where"), max_length=300)
    retention_days = forms.IntegerField(label=_("Kept for (days)"), min_value=1)
    responsible = forms.CharField(
        label=_("Responsible at the customer"), max_length=100, required=False
    )


# -- partners (docs/domain.md §partners) ---------------------------------------------------------


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


class _PartnerEngineers:
    def __init__(self, *args: Any, partner: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name in ("engineer", "successor"):
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is not None and partner is not None:
                field.queryset = Engineer.objects.filter(partner=partner).select_related("user")


class ExamForm(_PartnerEngineers, DeskFormMixin, forms.Form):
    engineer = EngineerChoiceField(label=_("Engineer"), queryset=Engineer.objects.none())
    taken_on = _date(_("Exam date"))
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    score = forms.DecimalField(label=_("Score"), min_value=0, max_value=100, decimal_places=1)
    pass_mark = forms.DecimalField(
        label=_("Pass mark"), min_value=1, max_value=100, decimal_places=1, initial=60
    )
    valid_until = _date(_("Certificate valid until"), required=False)


class EvaluationForm(_PartnerEngineers, DeskFormMixin, forms.Form):
    engineer = EngineerChoiceField(label=_("Engineer"), queryset=Engineer.objects.none())
    period_start = _date(_("Period from"))
    period_end = _date(_("Period until"))
    skill_score = forms.IntegerField(label=_("Skills (1–5)"), min_value=1, max_value=5)
    attitude_score = forms.IntegerField(label=_("Attitude (1–5)"), min_value=1, max_value=5)
    customer_score = forms.IntegerField(
        label=_("Customer feedback (1–5)"), min_value=1, max_value=5
    )
    remarks = forms.CharField(label=_("Remarks"), widget=textarea(2), required=False)
    replacement_requested = forms.BooleanField(
        label=_("Ask the partner for a replacement"), required=False
    )


class HandoverForm(_PartnerEngineers, DeskFormMixin, forms.Form):
    engineer = EngineerChoiceField(label=_("Leaving engineer"), queryset=Engineer.objects.none())
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[("replacement", _("Replacement asked by us")), ("departure", _("Departure"))],
    )
    successor = EngineerChoiceField(
        label=_("Successor"), queryset=Engineer.objects.none(), required=False
    )
    effective_on = _date(_("Effective on"))
    open_work = forms.CharField(
        label=_("Open work handed over"), widget=textarea(3), required=False
    )
    customers = forms.CharField(
        label=_("Customers and their state"), widget=textarea(2), required=False
    )


class PenaltyForm(_PartnerEngineers, DeskFormMixin, forms.Form):
    engineer = EngineerChoiceField(
        label=_("Engineer"), queryset=Engineer.objects.none(), required=False
    )
    occurred_on = _date(_("Incident date"))
    incident = forms.CharField(label=_("Incident"), widget=textarea(2))
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=0, decimal_places=2)


class TrainingForm(DeskFormMixin, forms.Form):
    rate = forms.ModelChoiceField(label=_("Course"), queryset=TrainingFeeRate.objects.all())
    starts_on = _date(_("From"))
    days = forms.IntegerField(label=_("Days"), min_value=1)
    trainees = forms.IntegerField(label=_("Trainees"), min_value=1)

    def __init__(self, *args: Any, partner: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class TermsForm(DeskFormMixin, forms.Form):
    valid_from = _date(_("In force from"))
    cooperation_model = forms.ChoiceField(
        label=_("Cooperation model"), choices=CooperationModel.choices
    )
    billing_mode = forms.ChoiceField(label=_("Billing mode"), choices=BillingMode.choices)
    person_day_rate = forms.DecimalField(
        label=_("Person-day rate (CNY)"), min_value=0, decimal_places=2, required=False
    )
    fee_share_percent = forms.DecimalField(
        label=_("Share of the after-sales fee (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        required=False,
    )
    management_fee = forms.DecimalField(
        label=_("Management fee per engineer and month (CNY)"),
        min_value=0,
        decimal_places=2,
        required=False,
    )
    free_training_days = forms.IntegerField(label=_("Free training days"), min_value=0, initial=5)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, partner: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


# -- on-site support plans (docs/domain.md §support-plan) ------------------------------------------


class SupportPlanForm(DeskFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.all(), widget=CustomerPicker
    )
    engineer = EngineerChoiceField(
        label=_("On-site engineer"), queryset=Engineer.objects.none(), required=False
    )
    back_office = forms.ModelChoiceField(label=_("Back-office contact"), queryset=None)
    scope = forms.CharField(label=_("Scope of the on-site work"), widget=textarea(3))
    content = forms.CharField(label=_("Content agreed with the customer"), widget=textarea(3))
    agreed_with = forms.CharField(label=_("Agreed with (customer)"), max_length=100)
    starts_on = _date(_("From"))
    ends_on = _date(_("Until"), required=False)

    def __init__(self, *args: Any, engineers: Any = None, staff: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if engineers is not None:
            self.fields["engineer"].queryset = engineers
        self.fields["back_office"].queryset = staff
        self.fields["back_office"].label_from_instance = _person


def _person(user: Any) -> str:
    from servicedesk.core.people import display_name

    return display_name(user)


class SupportItemForm(DeskFormMixin, forms.Form):
    what = forms.CharField(label=_("What is done"), max_length=300)
    due_on = _date(_("When"))


class ItemDoneForm(DeskFormMixin, forms.Form):
    done_note = forms.CharField(label=_("How the item went"), max_length=300, required=False)


class QuestionForm(DeskFormMixin, forms.Form):
    asked_by = forms.CharField(label=_("Asked by"), max_length=100)
    question = forms.CharField(label=_("Question"), widget=textarea(2))


class ReplyForm(DeskFormMixin, forms.Form):
    route = forms.ChoiceField(label=_("Answered or routed"), choices=QuestionRoute.choices)
    reply = forms.CharField(label=_("Reply"), widget=textarea(2))
