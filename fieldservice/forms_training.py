"""Forms of customer training (docs/domain.md §training): planning, and the inputs of
its declared actions (fieldservice/actions_training.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from contracts.widgets import CustomerPicker
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.text import SIGNATURE_IMAGE_MAX_LENGTH

from .models import Engineer
from .models.training import TrainingAttendee

_DATE = forms.DateInput(attrs={"type": "date"})
_SCORES = [(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")]


class TrainingPlanForm(DeskFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), label=_("Customer"), widget=CustomerPicker()
    )
    title = forms.CharField(label=_("Training subject"), max_length=200)
    trainer = forms.ModelChoiceField(
        queryset=Engineer.objects.filter(active=True).select_related("user"), label=_("Trainer")
    )
    location = forms.CharField(label=_("Place"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=_DATE)
    ends_on = forms.DateField(label=_("Until (inclusive)"), widget=_DATE)
    expected_attendees = forms.IntegerField(
        label=_("Expected attendees"), min_value=1, max_value=500, initial=10
    )
    plan = forms.CharField(
        label=_("Plan (goals and content)"), widget=forms.Textarea(attrs={"rows": 4})
    )
    timetable = forms.CharField(
        label=_("Timetable"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One line per slot, e.g. “12-10 09:00–10:30 系统概述”."),
    )


class SendPlanForm(DeskFormMixin, forms.Form):
    sent_to = forms.CharField(
        label=_("Sent to"),
        max_length=200,
        help_text=_("Who received the plan and timetable, and how (e-mail, fax, by hand)."),
    )


class TrainingCompleteForm(DeskFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("How the training went"), widget=forms.Textarea(attrs={"rows": 3})
    )
    suggestions = forms.CharField(
        label=_("Suggestions and the customer's situation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class TrainingCancelForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why cancelled"), max_length=300)


class AttendeeForm(DeskFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    department = forms.CharField(label=_("Department"), max_length=100, required=False)
    position = forms.CharField(label=_("Position"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class _SessionForm(DeskFormMixin, forms.Form):
    def __init__(self, *args: Any, session: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attendees = (
            TrainingAttendee.objects.filter(session=session).order_by("id")
            if session is not None
            else TrainingAttendee.objects.none()
        )
        for name in ("attendee", "present"):
            if name in self.fields:
                self.fields[name].queryset = attendees  # type: ignore[attr-defined]


def _score(label: Any) -> forms.IntegerField:
    """A score from 1 to 5, picked as one of five buttons."""
    field = forms.IntegerField(
        label=label, min_value=1, max_value=5, widget=forms.RadioSelect(choices=_SCORES)
    )
    # The action form draws a radio group's buttons from the field's choices.
    field.choices = _SCORES  # type: ignore[attr-defined]
    return field


class FeedbackForm(_SessionForm):
    attendee = forms.ModelChoiceField(
        queryset=TrainingAttendee.objects.none(), label=_("Attendee"), required=False
    )
    score_content = _score(_("Content of the training"))
    score_trainer = _score(_("The trainer"))
    score_materials = _score(_("Materials"))
    score_organisation = _score(_("Organisation (place, time, equipment)"))
    comments = forms.CharField(
        label=_("Comments and wishes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SheetForm(_SessionForm):
    scan = forms.FileField(
        label=_("Scanned sign-in sheet"), help_text=_("PDF, PNG or JPEG of the signed sheet.")
    )
    present = forms.ModelMultipleChoiceField(
        queryset=TrainingAttendee.objects.none(),
        label=_("Signed the sheet"),
        widget=forms.CheckboxSelectMultiple,
    )


class SignInForm(DeskFormMixin, forms.Form):
    """The tablet: one attendee signs in the box."""

    attendee = forms.IntegerField(widget=forms.HiddenInput)
    image = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=SIGNATURE_IMAGE_MAX_LENGTH
    )
