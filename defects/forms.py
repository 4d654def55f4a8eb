"""Portal forms of defects and requirement requests: recording, one small form per
action, the evaluation and the evaluation report. Forms check formats; the services
check the rules again and their field errors land on these forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from servicedesk.core.choices import Role
from servicedesk.core.forms import DeskFormMixin, YesNoField, date_field, datetime_field, textarea
from servicedesk.core.selectors import users_in_roles

from .choices import Outcome, RejectReason, Severity


def developers():
    """The people a fix or a development is given to: the developer role's members."""
    return users_in_roles(Role.DEVELOPER)


def staff_with(perm: str):
    """Active users holding ``app.codename`` through their role groups."""
    app_label, codename = perm.split(".")
    user_model = get_user_model()
    return (
        user_model.objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app_label,
            )
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


class DefectForm(DeskFormMixin, forms.Form):
    """Recording a defect (docs/domain.md §defect.record: a record the tester can follow)."""

    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    customer_sees = forms.CharField(label=_("What the customer sees"), widget=textarea(3))
    steps = forms.CharField(label=_("Steps to reproduce"), widget=textarea(4))
    product = forms.CharField(label=_("Product"), max_length=100)
    version = forms.CharField(label=_("Version"), max_length=60)
    module = forms.CharField(label=_("Module"), max_length=100)
    site = forms.CharField(label=_("Customer site"), max_length=200)
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.order_by("name"), required=False
    )
    reported_at = datetime_field(_("Reported at"), required=False)
    workaround = forms.CharField(
        label=_("Emergency workaround"), widget=textarea(2), required=False
    )
    tracker_key = forms.CharField(label=_("External tracker key"), max_length=60, required=False)
    tracker_url = forms.URLField(
        label=_("External tracker URL"), max_length=500, required=False, assume_scheme="https"
    )
    dispatch = forms.IntegerField(widget=forms.HiddenInput, required=False)
    ticket = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reported_at"].help_text = _(
            "When the customer reported it; the deadlines count from then. Empty: now."
        )


class ReportForm(DeskFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What was verified and reported"), widget=textarea(3), required=False
    )


class VerifyForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("How it was reproduced"), widget=textarea(3))


class StartFixForm(DeskFormMixin, forms.Form):
    developer = forms.ModelChoiceField(label=_("Developer"), queryset=None, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Developers only (not every holder of the permission: managers, superusers).
        self.fields["developer"].queryset = developers()
        self.fields["developer"].help_text = _("Empty: yourself.")


class FixForm(DeskFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What was changed"),
        widget=textarea(3),
        error_messages={"required": _("What was changed?")},
    )
    version = forms.CharField(label=_("Fixed in version"), max_length=60, required=False)


class ConfirmForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Who confirmed, and what they said"), widget=textarea(2))


class ReasonForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=textarea(2),
        error_messages={"required": _("Why is it reopened?")},
    )


class RejectForm(DeskFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Rejected as"), choices=RejectReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Why (told to the customer)"),
        widget=textarea(2),
        error_messages={"required": _("Explain why (it is told to the customer).")},
    )


class EscalateForm(DeskFormMixin, forms.Form):
    point = forms.CharField(
        label=_("Point of disagreement"),
        widget=textarea(3),
        error_messages={"required": _("What is the point of disagreement?")},
    )


class SeverityForm(DeskFormMixin, forms.Form):
    severity = forms.ChoiceField(
        label=_("New severity"), choices=Severity.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=textarea(2),
        error_messages={"required": _("Why does the severity change?")},
    )


class WorkaroundForm(DeskFormMixin, forms.Form):
    workaround = forms.CharField(label=_("Emergency workaround"), widget=textarea(4))


class PublishForm(DeskFormMixin, forms.Form):
    title = forms.CharField(label=_("Article title"), max_length=200, required=False)


class TrackerForm(DeskFormMixin, forms.Form):
    key = forms.CharField(label=_("External tracker key"), max_length=60, required=False)
    url = forms.URLField(
        label=_("External tracker URL"), max_length=500, required=False, assume_scheme="https"
    )


# -- requirements ------------------------------------------------------------------------


class RequirementForm(DeskFormMixin, forms.Form):
    """Recording a request (docs/domain.md §requirement.record)."""

    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.order_by("name")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=textarea(4))
    intent = forms.CharField(label=_("The customer's real intent and purpose"), widget=textarea(3))
    product = forms.CharField(label=_("Product"), max_length=100)
    module = forms.CharField(label=_("Module"), max_length=100, required=False)
    recorded_at = datetime_field(_("Raised by the customer"), required=False)
    tracker_key = forms.CharField(label=_("External tracker key"), max_length=60, required=False)
    tracker_url = forms.URLField(
        label=_("External tracker URL"), max_length=500, required=False, assume_scheme="https"
    )
    ticket = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _yes_no(label: Any) -> YesNoField:
    return YesNoField(label=label)


class EvaluateForm(DeskFormMixin, forms.Form):
    """docs/domain.md §requirement.evaluation: in scope? urgent? affects operation? effort?"""

    in_scope = _yes_no(_("Within the contract's scope"))
    urgent = _yes_no(_("Urgent"))
    affects_operation = _yes_no(_("Affects normal operation"))
    effort_days = forms.DecimalField(
        label=_("Effort (person-days)"), min_value=0, max_digits=7, decimal_places=1
    )
    # None named: the evaluating user (requirement_evaluate), as the API has always allowed.
    evaluators = forms.ModelMultipleChoiceField(
        label=_("Evaluated by"), queryset=None, required=False
    )
    note = forms.CharField(label=_("Evaluation"), widget=textarea(3), required=False)
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    solution = forms.CharField(label=_("Proposed solution"), widget=textarea(3), required=False)
    workaround = forms.CharField(label=_("Workaround"), widget=textarea(3), required=False)
    trained_people = forms.CharField(
        label=_("Customer staff trained"), max_length=200, required=False
    )
    trained_by = forms.ModelChoiceField(label=_("Trained by"), queryset=None, required=False)
    trained_at = datetime_field(_("Trained"), required=False)
    explanation = forms.CharField(
        label=_("Explanation given to the customer"), widget=textarea(3), required=False
    )

    # Fields that matter only for some decisions: the page shows them when that decision
    # is picked (the service still checks what each decision needs).
    SHOW_WHEN = {
        "solution": "outcome=accepted|quoted",
        "workaround": "outcome=workaround",
        "trained_people": "outcome=workaround",
        "trained_by": "outcome=workaround",
        "trained_at": "outcome=workaround",
        "explanation": "outcome=declined",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evaluators"].queryset = staff_with("defects.evaluate_requirement")
        self.fields["evaluators"].widget.attrs["size"] = 4
        for name, condition in self.SHOW_WHEN.items():
            field, values = condition.split("=")
            self.fields[name].show_when = f"{self.add_prefix(field)}={values}"
        self.fields["trained_by"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )

    def prefill_for(self, user: Any) -> None:
        """The evaluator filling the form is one of the evaluators (and trains, if so)."""
        if user.has_perm("defects.evaluate_requirement"):
            self.initial.setdefault("evaluators", [user.pk])
        self.initial.setdefault("trained_by", user.pk)


class AgreeForm(DeskFormMixin, forms.Form):
    # Empty: the quoted price (the page fills it in; requirement_agree refuses when
    # there is none).
    amount = forms.DecimalField(
        label=_("Agreed price (CNY)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    note = forms.CharField(label=_("Negotiation"), widget=textarea(2), required=False)


class ExplanationForm(DeskFormMixin, forms.Form):
    explanation = forms.CharField(
        label=_("The customer's decision and what they were told"),
        widget=textarea(3),
        error_messages={"required": _("Record the customer's decision and what they were told.")},
    )


class SolutionForm(DeskFormMixin, forms.Form):
    solution = forms.CharField(label=_("Agreed solution"), widget=textarea(5))


class ScheduleForm(DeskFormMixin, forms.Form):
    # Optional here: requirement_schedule refuses a missing date in its own words.
    planned_start = date_field(_("Planned start"), required=False)
    planned_delivery = date_field(_("Planned delivery"), required=False)
    developer = forms.ModelChoiceField(label=_("Developer"), queryset=None, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["developer"].queryset = developers()
        self.fields["developer"].help_text = _("Empty: yourself.")


class DeliverForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("What was delivered (version, where)"), widget=textarea(2))


class CustomerAcceptForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Who accepted it at the customer, and how"), widget=textarea(2))


class EvaluationReportForm(DeskFormMixin, forms.Form):
    period_start = date_field(_("From"))
    period_end = date_field(_("To"))
    note = forms.CharField(label=_("Note"), widget=textarea(2), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The previous calendar month."""
    first = today.replace(day=1)
    end = first - dt.timedelta(days=1)
    return end.replace(day=1), end
