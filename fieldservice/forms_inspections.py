"""Forms of routine inspections (docs/domain.md §inspection)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from servicedesk.core.forms import DeskFormMixin

from .models import Engineer
from .models.inspections import InspectionSchedule, ItemResult


class FinishForm(DeskFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary and recommendations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ItemForm(DeskFormMixin, forms.Form):
    """One checklist line, saved on its own (the draft that survives a reload)."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(ItemResult.OK, ItemResult.OK.label), (ItemResult.ISSUE, ItemResult.ISSUE.label)],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(label=_("Photo"), required=False)


class RaiseForm(DeskFormMixin, forms.Form):
    to = forms.ChoiceField(
        label=_("Open"),
        choices=[("ticket", _("a hotline ticket")), ("dispatch", _("a follow-up dispatch"))],
    )


class ScheduleForm(DeskFormMixin, forms.ModelForm):
    """Plan a contract's routine inspections."""

    fixed_days = forms.CharField(
        label=_("fixed days (month-day)"),
        required=False,
        help_text=_("Days of each year as MM-DD, e.g. 03-15, 09-15."),
    )

    class Meta:
        model = InspectionSchedule
        fields = [
            "contract",
            "starts_on",
            "frequency_months",
            "fixed_days",
            "equipment",
            "includes_software",
            "engineer",
            "backup_engineer",
            "lead_days",
            "notes",
            "active",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "equipment": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = Contract.objects.filter(
            state__in=["signed", "in_service"]
        ).select_related("customer")
        engineers = Engineer.objects.filter(active=True).select_related("user")
        self.fields["engineer"].queryset = engineers
        self.fields["backup_engineer"].queryset = engineers
        if self.instance.pk and self.instance.fixed_days:
            self.initial["fixed_days"] = ", ".join(self.instance.fixed_days)

    def clean_fixed_days(self) -> str:
        return self.cleaned_data.get("fixed_days") or ""

    def _post_clean(self) -> None:  # the service validates and saves (docs/architecture.md §layers)
        pass


# -- installations (docs/domain.md §installation) ----------------------------------------


class AssetForm(DeskFormMixin, forms.Form):
    product = forms.CharField(label=_("product"), max_length=100, required=False)
    model = forms.CharField(label=_("model"), max_length=100)
    part_number = forms.CharField(label=_("part number"), max_length=60, required=False)
    serial_number = forms.CharField(label=_("serial number"), max_length=80)
    location = forms.CharField(label=_("location"), max_length=100, required=False)
    warranty_end = forms.DateField(
        label=_("warranty end"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    licence = forms.CharField(label=_("licence"), max_length=100, required=False)


class DayForm(DeskFormMixin, forms.Form):
    day = forms.DateField(
        label=_("day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    work_done = forms.CharField(label=_("work done"), widget=forms.Textarea(attrs={"rows": 3}))
    issues = forms.CharField(
        label=_("issues"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("plan for the next day"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    hours = forms.DecimalField(label=_("hours"), max_digits=4, decimal_places=1, initial=8)


class AcceptForm(DeskFormMixin, forms.Form):
    note = forms.CharField(
        label=_("acceptance note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
