"""Portal forms of the reports app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core.forms import DeskFormMixin, textarea

from .models import SalesBriefing, TripReport, WeeklyReport


class WeeklyReportForm(DeskFormMixin, forms.ModelForm):
    class Meta:
        model = WeeklyReport
        fields = ["work_done", "other_work", "problems", "next_week"]
        widgets = {name: textarea(4) for name in fields}


class TripReportForm(DeskFormMixin, forms.ModelForm):
    class Meta:
        model = TripReport
        fields = ["what_happened", "lessons", "suggestions", "customer_situation"]
        widgets = {name: textarea(4) for name in fields}


class BriefingForm(DeskFormMixin, forms.Form):
    """The summary and, per customer, what sales should know."""

    summary = forms.CharField(label=_("Summary for sales"), widget=textarea(3), required=False)

    def __init__(self, *args: Any, briefing: SalesBriefing, **kwargs: Any) -> None:
        self.items = list(briefing.items.select_related("customer"))
        kwargs.setdefault("initial", {}).update(
            {"summary": briefing.summary, **{f"note_{i.pk}": i.notes for i in self.items}}
        )
        super().__init__(*args, **kwargs)
        for item in self.items:
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=item.customer.name, widget=textarea(2), required=False
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def notes(self) -> dict[int, str]:
        return {i.pk: self.cleaned_data.get(f"note_{i.pk}", "") for i in self.items}


class ReturnForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(label=_("What should be reworked"), widget=textarea(2))


class WeekForm(forms.Form):
    """The week a page shows (any day of it; the Monday is taken)."""

    week = forms.DateField(label=_("Week of"), required=False)

    def week_start(self, default: dt.date) -> dt.date:
        day = self.cleaned_data.get("week") if self.is_valid() else None
        day = day or default
        return day - dt.timedelta(days=day.weekday())


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("Give the month as YYYY-MM.")},
    )

    def year_month(self, default: dt.date) -> tuple[int, int]:
        value = self.cleaned_data.get("month") if self.is_valid() else ""
        if value:
            year, month = value.split("-")
            return int(year), int(month)
        return default.year, default.month
