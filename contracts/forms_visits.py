"""Portal forms for first visits and revisits (validation only; services do the writes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core.forms import DeskFormMixin

from .choices import Department, RevisitFollowUp
from .models import VERIFIABLE_FIELDS
from .selectors_visits import VerificationRow
from .services.visits import PRODUCT_SOFTWARE, VerificationMark


def field_prefix(key: str) -> str:
    """``customer.name`` → ``customer__name`` (dots do not belong in form field names)."""
    return key.replace(".", "__")


class FirstVisitVerifyForm(DeskFormMixin, forms.Form):
    """One mark (checked / corrected) and one correction input per verifiable field.

    Typing a correction without choosing a mark counts as "corrected"; a correction next
    to "checked" is refused, because the agent must say which one is true.
    """

    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args: Any, rows: list[VerificationRow], needs_software: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        marks = [("", _("Not verified")), *VerificationMark.choices]
        for row in rows:
            name = field_prefix(row.key)
            self.fields[f"{name}_mark"] = forms.ChoiceField(
                label=row.label, choices=marks, required=False, widget=forms.RadioSelect
            )
            self.fields[f"{name}_value"] = forms.CharField(
                label=_("Corrected value"), required=False, max_length=300
            )
            self.initial.setdefault(f"{name}_mark", row.mark)
        if needs_software:
            self.fields["product__software_value"] = forms.CharField(
                label=_("Software (not on record yet)"), required=False, max_length=100
            )

    def bound_rows(self) -> list[dict[str, Any]]:
        """Rows for the template: the field's data with its two bound inputs."""
        out = []
        for row in self.rows:
            name = field_prefix(row.key)
            out.append(
                {
                    "row": row,
                    "name": name,
                    "mark": self[f"{name}_mark"],
                    "value": self[f"{name}_value"],
                    "current_mark": self[f"{name}_mark"].value() or "",
                }
            )
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        checks: dict[str, str] = {}
        corrections: dict[str, str] = {}
        for key in VERIFIABLE_FIELDS:
            name = field_prefix(key)
            mark = data.get(f"{name}_mark") or ""
            value = (data.get(f"{name}_value") or "").strip()
            if value and not mark:
                mark = VerificationMark.CORRECTED
            if value and mark == VerificationMark.CHECKED:
                self.add_error(
                    f"{name}_value",
                    _("You entered a correction but marked the field as checked."),
                )
                continue
            if mark:
                checks[key] = mark
            if value:
                corrections[key] = value
        software = (data.get("product__software_value") or "").strip()
        if software:
            corrections[PRODUCT_SOFTWARE] = software
        data["checks"] = checks
        data["corrections"] = corrections
        return data

    def add_service_errors(self, extra: dict[str, list[str]], message: str) -> None:
        """Put a service's field errors next to the inputs they concern."""
        placed = False
        for key, errors in extra.items():
            name = f"{field_prefix(key)}_value"
            if name not in self.fields:
                name = f"{field_prefix(key)}_mark"
            for error in errors:
                self.add_error(name if name in self.fields else None, error)
                placed = True
        if not placed:
            self.add_error(None, message)


class FirstVisitNeedForm(DeskFormMixin, forms.Form):
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    description = forms.CharField(
        label=_("Need"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class RevisitRecordForm(DeskFormMixin, forms.Form):
    contact_name = forms.CharField(label=_("Spoke with"), max_length=60)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label=_("Customer's opinion"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    issue_raised = forms.CharField(
        label=_("Issue raised"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up = forms.ChoiceField(
        label=_("Follow-up"),
        choices=RevisitFollowUp.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("follow_up") and not (data.get("issue_raised") or "").strip():
            self.add_error("issue_raised", _("Describe the issue the follow-up is for."))
        return data

    def add_service_errors(self, extra: dict[str, list[str]], message: str) -> None:
        placed = False
        for key, errors in extra.items():
            for error in errors:
                self.add_error(key if key in self.fields else None, error)
                placed = True
        if not placed:
            self.add_error(None, message)
