"""Forms of the spare-parts stock pages and actions (docs/domain.md §stock).

A part is typed by its part number (a company stocks thousands: no drop-down of every
part); a visit by its dispatch number; a customer with the customer picker.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from contracts.widgets import CustomerPicker
from servicedesk.core.forms import DeskFormMixin

from .models import Dispatch
from .models.stock import LoanPurpose, Part, Warehouse

_TEST_HELP = _("How the part was tested and the result: nothing enters stock untested.")


class PartNumberField(forms.CharField):
    """A part typed by its part number (PN), cleaned to the ``Part``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Part number (PN)"))
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        part = Part.objects.filter(part_number__iexact=text.strip()).first()
        if part is None:
            raise forms.ValidationError(_("No part with this part number."))
        return part


class DispatchNumberField(forms.CharField):
    """A visit typed by its dispatch number (PG…), optional."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Dispatch number"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("For a visit: the part becomes a line of its report."))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        dispatch = Dispatch.objects.filter(number__iexact=text).select_related("customer").first()
        if dispatch is None:
            raise forms.ValidationError(_("No dispatch with this number."))
        return dispatch


def _warehouses(label: Any = None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(active=True).order_by("kind", "name"),
        label=label or _("Warehouse"),
    )


def _quantity() -> forms.IntegerField:
    return forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10000, initial=1)


def _test_record() -> forms.CharField:
    return forms.CharField(
        label=_("Test record"), widget=forms.Textarea(attrs={"rows": 2}), help_text=_TEST_HELP
    )


def _note() -> forms.CharField:
    return forms.CharField(label=_("Note"), max_length=300, required=False)


class ReceiveForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    warehouse = _warehouses()
    quantity = _quantity()
    test_record = _test_record()
    note = _note()


class IssueForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    warehouse = _warehouses(_("From warehouse"))
    quantity = _quantity()
    dispatch = DispatchNumberField()
    serial_number = forms.CharField(label=_("Serial number (SN)"), max_length=60, required=False)
    note = _note()


class ReturnForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    warehouse = _warehouses(_("Into warehouse"))
    quantity = _quantity()
    dispatch = DispatchNumberField()
    test_record = _test_record()
    note = _note()


class TransferForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    from_warehouse = _warehouses(_("From warehouse"))
    to_warehouse = _warehouses(_("To warehouse"))
    quantity = _quantity()
    note = _note()


class MinimumForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    warehouse = _warehouses()
    min_quantity = forms.IntegerField(label=_("Low-stock warning below"), min_value=0)


class LoanRequestForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    warehouse = _warehouses(_("From warehouse"))
    quantity = _quantity()
    dispatch = DispatchNumberField()
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        label=_("Customer"),
        required=False,
        widget=CustomerPicker(),
        help_text=_("Taken from the visit when a dispatch number is given."),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=LoanPurpose.choices)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))
    serial_number = forms.CharField(label=_("Serial number (SN)"), max_length=60, required=False)
    due_back = forms.DateField(
        label=_("Expected back"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    emergency = forms.BooleanField(
        label=_("Emergency: take it now, the technical manager approves afterwards"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        dispatch = data.get("dispatch")
        if dispatch is not None and data.get("customer") is None:
            data["customer"] = dispatch.customer
        if data.get("customer") is None and "customer" not in self.errors:
            self.add_error("customer", _("Choose the customer or give the dispatch number."))
        return data


class FaultyTagForm(DeskFormMixin, forms.Form):
    part = PartNumberField()
    serial_number = forms.CharField(label=_("Serial number (SN)"), max_length=60, required=False)
    fault = forms.CharField(label=_("Fault"), widget=forms.Textarea(attrs={"rows": 2}))
    dispatch = DispatchNumberField()
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(),
        label=_("Customer"),
        required=False,
        widget=CustomerPicker(),
    )


# -- the actions' inputs (fieldservice/actions_stock.py) -------------------------------------


class LoanApproveForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Approval note"), max_length=300, required=False)


class LoanRefuseForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why refused"), max_length=300)


class LoanReturnForm(DeskFormMixin, forms.Form):
    warehouse = _warehouses(_("Into warehouse"))
    test_record = _test_record()


class LoanSellForm(DeskFormMixin, forms.Form):
    sale_reference = forms.CharField(label=_("Sales order / invoice"), max_length=60)


class FaultySendForm(DeskFormMixin, forms.Form):
    repairer = forms.CharField(label=_("Repaired by"), max_length=120)
    expected_back = forms.DateField(
        label=_("Expected back"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class FaultyRestockForm(DeskFormMixin, forms.Form):
    warehouse = _warehouses(_("Into warehouse"))
    test_record = _test_record()


class FaultyWriteOffForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why written off"), max_length=300)
