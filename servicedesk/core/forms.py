from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core.text import SIGNATURE_IMAGE_MAX_LENGTH

from .choices import WaitReason
from .exceptions import ApplicationError
from .models import WorkCalendar

# What an <input type="datetime-local"> sends, and what people type into a plain box.
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def textarea(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def datetime_field(label: Any, required: bool = True, **kwargs: Any) -> forms.DateTimeField:
    """A date and time picked on the device (``datetime-local``), read in local time."""
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(format=DATETIME_LOCAL, attrs={"type": "datetime-local"}),
        **kwargs,
    )


def date_field(label: Any, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        **kwargs,
    )


def form_errors_from(exc: ApplicationError, form: forms.Form, aliases: dict | None = None) -> None:
    """Put a service's field errors on the form's fields (the rest on the form itself);
    ``aliases`` maps a service's field name to the form's."""
    aliases = aliases or {}
    placed = False
    for name, errors in exc.extra.items():
        field = aliases.get(name, name)
        for error in errors if isinstance(errors, (list, tuple)) else [errors]:
            form.add_error(field if field in form.fields else None, str(error))
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class DeskFormMixin:
    """Bootstrap classes on every widget, and ``is-invalid`` on fields with errors."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class YesNoField(forms.NullBooleanField):
    """A yes / no question answered with two radio buttons on a page and ``true`` /
    ``false`` in the API (the action layer documents it as a boolean). Unlike Django's
    NullBooleanField, a required one must be answered."""

    widget = forms.RadioSelect

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", True)
        super().__init__(*args, **kwargs)
        # ``choices`` as a ChoiceField has them: the action panel draws a button per choice.
        self.choices = [("yes", _("Yes")), ("no", _("No"))]
        self.widget.choices = self.choices

    def to_python(self, value: Any) -> bool | None:
        if isinstance(value, str) and value.lower() in ("yes", "on"):
            return True
        if isinstance(value, str) and value.lower() == "no":
            return False
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        return {True: "yes", False: "no"}.get(value, value)

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class SlotSelect(forms.Select):
    """A select whose boxes the user may not sign are shown, but disabled."""

    def __init__(self, *args: Any, disabled: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.disabled = disabled or set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class SignatureDrawForm(DeskFormMixin, forms.Form):
    """Sign one box of a printed form (docs/domain.md §signatures.who). Staff sign as themselves:
    the box is chosen, the name is never typed. Only a customer box asks for the signer's name."""

    signer_role = forms.ChoiceField(label=_("Signs as"))
    signer_name = forms.CharField(
        label=_("Customer's name (who signs)"), max_length=100, required=False
    )
    image = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=SIGNATURE_IMAGE_MAX_LENGTH
    )
    file = forms.FileField(label=_("Or upload the signed scan (PDF, PNG, JPEG)"), required=False)

    def __init__(self, *args, rights=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        disabled = {r.slot.role for r in rights if not r.allowed}
        field = self.fields["signer_role"]
        field.choices = [(r.slot.role, r.slot.label) for r in rights]
        field.widget = SlotSelect(disabled=disabled, attrs={"class": "form-select"})
        field.widget.choices = field.choices
        customer_roles = [r.slot.role for r in rights if r.slot.customer and r.allowed]
        if customer_roles:
            self.fields["signer_name"].show_when = "signer_role=" + "|".join(customer_roles)
        else:
            del self.fields["signer_name"]
        self.customer_roles = set(customer_roles)
        self.staff_roles = [r.slot.role for r in rights if not r.slot.customer and r.allowed]
        if not self.is_bound:
            allowed = [r.slot.role for r in rights if r.allowed]
            if self.initial.get("signer_role") not in allowed:
                self.initial["signer_role"] = allowed[0] if allowed else None

    def clean(self):
        data = super().clean()
        if (
            data.get("signer_role") in self.customer_roles
            and not (data.get("signer_name") or "").strip()
        ):
            self.add_error("signer_name", _("Who signed for the customer?"))
        if not data.get("image") and not data.get("file"):
            raise forms.ValidationError(
                _("Draw the signature in the box or upload the signed scan.")
            )
        if data.get("image") and data.get("file"):
            raise forms.ValidationError(_("Give either a drawn signature or a scan, not both."))
        return data


class CustomerWaitForm(DeskFormMixin, forms.Form):
    """Waiting for the customer: the record's promises to the customer pause meanwhile."""

    reason = forms.ChoiceField(
        label=_("Waiting for"), choices=WaitReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What was the customer asked for?"),
        widget=textarea(2),
        help_text=_(
            "The deadlines promised to the customer pause until the customer answers; "
            "internal deadlines keep running."
        ),
    )


class CustomerAnswerForm(DeskFormMixin, forms.Form):
    answer = forms.CharField(label=_("What did the customer answer?"), widget=textarea(2))


class VerifyForm(DeskFormMixin, forms.Form):
    file = forms.FileField(label=_("The PDF to check"))


class CalendarImportForm(DeskFormMixin, forms.Form):
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=WorkCalendar.objects.all())
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One line per date: date,kind,note (kind: holiday or workday)."),
    )


class DashboardPeriodForm(DeskFormMixin, forms.Form):
    """The dashboard's period: a month, the quarter of a month, or a range of days
    (at most a year). Every field is optional: an empty form means this month."""

    PERIODS = [
        ("month", _("Month")),
        ("quarter", _("Quarter")),
        ("range", _("Custom range")),
    ]
    MAX_DAYS = 366

    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("The month, or a month of the quarter."),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_month(self) -> dt.date | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("period") == "range":
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Enter the first day of the range."))
            if not end:
                self.add_error("end", _("Enter the last day of the range."))
            if start and end and end < start:
                self.add_error("end", _("The last day must not be before the first."))
            elif start and end and (end - start).days >= self.MAX_DAYS:
                self.add_error("end", _("A range covers at most one year."))
        return data

    def period_value(self, today: dt.date) -> Any:
        """The chosen period (this month when the form is empty or invalid)."""
        from .selectors_dashboard import period_month, period_quarter, period_range

        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("period") or "month"
        if kind == "range":
            return period_range(data["start"], data["end"])
        day = data.get("month") or today
        return period_quarter(day) if kind == "quarter" else period_month(day)
