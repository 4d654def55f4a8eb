"""Portal forms of the contracts app. Everything is validated here, so bad input comes back
as form errors with what was typed kept, and nothing is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from servicedesk.core.choices import Role
from servicedesk.core.forms import DeskFormMixin
from servicedesk.core.people import display_name

from .choices import ChargeUnit, DocumentKind, NoticeChannel, QuotaPeriod, ServiceType
from .models import Asset, Contact, Contract, Customer, InstalledProduct

DATE_WIDGET = {"type": "date"}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)  # Chinese order: 钱军


def sales_staff() -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=Role.SALES_MANAGER) | Q(groups__name=Role.DIRECTOR))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class FormMixin(DeskFormMixin):
    """Bootstrap classes, and ``is-invalid`` also on errors added after validation (by a
    formset's ``clean`` or from a service's ``ApplicationError``)."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._mark_invalid()

    def full_clean(self) -> None:
        super().full_clean()
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                classes = [*widget.attrs.get("class", "").split(), "is-invalid"]
                widget.attrs["class"] = " ".join(dict.fromkeys(classes))


class HistoryUserSaveMixin:
    """``save(by=user)`` keeps the acting user in the history row (docs/architecture.md §audit)."""

    def save(self, commit: bool = True, *, by: Any = None) -> Any:
        obj = super().save(commit=False)
        if by is not None:
            obj._history_user = by
        if commit:
            obj.save()
            self.save_m2m()
        return obj


# -- customers and what they have --------------------------------------------------------


class CustomerForm(FormMixin, forms.ModelForm):
    sales_manager = StaffChoiceField(
        label=_("sales manager"), queryset=get_user_model().objects.none(), required=False
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "short_name",
            "industry",
            "region",
            "category",
            "phone",
            "website",
            "address",
            "sales_manager",
            "in_use_since",
            "notes",
        ]
        widgets = {
            "in_use_since": date_input(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sales_manager"].queryset = sales_staff()
        self.fields["name"].widget.attrs["autofocus"] = True

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_website(self) -> str:
        website = self.cleaned_data["website"].strip()
        if website and " " in website:
            raise forms.ValidationError(_("Enter a web address without spaces."))
        return website


class ContactForm(HistoryUserSaveMixin, FormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "phone",
            "mobile",
            "email",
            "is_primary",
            "may_receive_passwords",
            "authorised_by",
            "authorised_on",
        ]
        widgets = {"authorised_on": date_input()}
        # A person's name and job title (the model's "name"/"title" read as 名称/标题).
        labels = {"name": _("Name"), "title": _("Job title"), "email": _("E-mail")}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("phone") or data.get("mobile") or data.get("email")):
            self.add_error("phone", _("Give at least a phone, a mobile or an e-mail."))
        if data.get("may_receive_passwords"):
            # docs/domain.md §hotline.passwords: only a contact the customer authorised (by whom
            # and when) receives account or report passwords.
            if not (data.get("authorised_by") or "").strip():
                self.add_error(
                    "authorised_by", _("Record who at the customer authorised this contact.")
                )
            if not data.get("authorised_on"):
                self.add_error("authorised_on", _("Record the date of the authorisation."))
        return data


class _CustomerContractChoiceMixin:
    """The optional contract of a product or an asset: one of this customer's."""

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contract"]
        field.queryset = Contract.objects.filter(customer=customer).order_by("-signed_on", "-id")
        field.empty_label = _("— not tied to a contract —")


class InstalledProductForm(
    _CustomerContractChoiceMixin, HistoryUserSaveMixin, FormMixin, forms.ModelForm
):
    class Meta:
        model = InstalledProduct
        fields = ["software", "version", "modules", "licence_number", "go_live_on", "contract"]
        widgets = {"go_live_on": date_input()}

    def clean_licence_number(self) -> str:
        return self.cleaned_data["licence_number"].strip()


class AssetForm(_CustomerContractChoiceMixin, HistoryUserSaveMixin, FormMixin, forms.ModelForm):
    class Meta:
        model = Asset
        fields = ["model", "part_number", "serial_number", "location", "warranty_end", "contract"]
        widgets = {"warranty_end": date_input()}


# -- contracts ------------------------------------------------------------------------


class ContractForm(FormMixin, forms.ModelForm):
    """The contract's own fields; scope, free period and rates come in the forms below."""

    sales_manager = StaffChoiceField(
        label=_("sales manager"), queryset=get_user_model().objects.none(), required=False
    )

    class Meta:
        model = Contract
        fields = [
            "number",
            "title",
            "sales_manager",
            "signed_on",
            "amount",
            "service_level",
            "includes_implementation",
            "free_data_import",
            "notes",
        ]
        widgets = {"signed_on": date_input(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, show_amount: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sales_manager"].queryset = sales_staff()
        self.fields["amount"].widget.attrs.update({"step": "0.01", "min": "0"})
        if not show_amount:
            # Price-sensitive: only those who see the full copy see or set amounts.
            del self.fields["amount"]

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()


class FreePeriodForm(FormMixin, forms.Form):
    starts_on = forms.DateField(label=_("free service from"), required=False, widget=date_input())
    ends_on = forms.DateField(
        label=_("free service until (inclusive)"), required=False, widget=date_input()
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if bool(starts_on) != bool(ends_on) and not self.errors:
            missing = "ends_on" if starts_on else "starts_on"
            self.add_error(missing, _("Give both the first and the last day, or neither."))
        elif starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The period must end on or after its start."))
        return data

    def period(self) -> dict[str, dt.date] | None:
        data = self.cleaned_data
        if data.get("starts_on") and data.get("ends_on"):
            return {"starts_on": data["starts_on"], "ends_on": data["ends_on"]}
        return None


class ScopeItemForm(FormMixin, forms.Form):
    service_type = forms.ChoiceField(
        label=_("service type"), choices=[("", "—"), *ServiceType.choices]
    )
    quota = forms.IntegerField(
        label=_("quota"),
        required=False,
        min_value=1,
        help_text=_("Empty: unlimited."),
        widget=forms.NumberInput(attrs={"min": 1, "placeholder": "∞"}),
    )
    quota_period = forms.ChoiceField(
        label=_("quota per"), choices=QuotaPeriod.choices, initial=QuotaPeriod.YEAR
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class BaseScopeFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self._kept():
            service_type = form.cleaned_data.get("service_type")
            if service_type in seen:
                form.add_error("service_type", _("Each service type may appear once."))
            seen.add(service_type)

    def _kept(self) -> list[forms.Form]:
        """Filled-in rows not marked for deletion (blank extra rows are skipped)."""
        return [
            f
            for f in self.forms
            if f.cleaned_data.get("service_type") and not self._should_delete_form(f)
        ]

    def items(self) -> list[dict[str, Any]]:
        return [
            {
                "service_type": f.cleaned_data["service_type"],
                "quota": f.cleaned_data.get("quota"),
                "quota_period": f.cleaned_data["quota_period"],
                "note": f.cleaned_data.get("note", ""),
            }
            for f in self._kept()
        ]


ScopeFormSet = forms.formset_factory(
    ScopeItemForm, formset=BaseScopeFormSet, extra=2, can_delete=True, max_num=len(ServiceType)
)


class ChargeRateForm(FormMixin, forms.Form):
    service_type = forms.ChoiceField(
        label=_("service type"),
        choices=[("", _("any service")), *ServiceType.choices],
        required=False,
    )
    unit = forms.ChoiceField(label=_("charged"), choices=[("", "—"), *ChargeUnit.choices])
    price = forms.DecimalField(
        label=_("price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class BaseRateFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self._kept():
            service_type = form.cleaned_data.get("service_type", "")
            if service_type in seen:
                form.add_error("service_type", _("One rate per service type."))
            seen.add(service_type)

    def _kept(self) -> list[forms.Form]:
        return [
            f for f in self.forms if f.cleaned_data.get("unit") and not self._should_delete_form(f)
        ]

    def rates(self) -> list[dict[str, Any]]:
        return [
            {
                "service_type": f.cleaned_data.get("service_type", ""),
                "unit": f.cleaned_data["unit"],
                "price": f.cleaned_data["price"],
                "note": f.cleaned_data.get("note", ""),
            }
            for f in self._kept()
        ]


RateFormSet = forms.formset_factory(
    ChargeRateForm, formset=BaseRateFormSet, extra=1, can_delete=True, max_num=len(ServiceType) + 1
)


class RenewForm(FormMixin, forms.Form):
    starts_on = forms.DateField(label=_("paid service from"), widget=date_input())
    ends_on = forms.DateField(label=_("paid service until (inclusive)"), widget=date_input())
    amount = forms.DecimalField(
        label=_("amount paid (CNY)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        validators=[MinValueValidator(0)],
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    confirm_gap = forms.BooleanField(
        label=_("add it even though days without service come before it"),
        required=False,
        help_text=_("Needed when the paid period does not start the day after the last one."),
    )

    def __init__(self, *args: Any, with_amount: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_amount:
            del self.fields["amount"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The period must end on or after its start."))
        return data


class NotRenewedForm(FormMixin, forms.Form):
    """The customer does not buy service after the period (docs/domain.md §contract.period-end)."""

    channel = forms.ChoiceField(
        label=_("customer told by"), choices=NoticeChannel.choices, widget=forms.RadioSelect
    )
    contact = forms.ModelChoiceField(
        label=_("contact told"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_("An e-mail needs a contact with an e-mail address; a letter goes to them."),
    )
    note = forms.CharField(
        label=_("what the customer said"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notice_text = forms.CharField(
        label=_("what the customer is told"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Empty: the standard text (later requests go to the heads and sales)."),
    )

    def __init__(self, *args: Any, contract: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if contract is not None:
            self.fields["contact"].queryset = contract.customer.contacts.order_by(
                "-is_primary", "name"
            )


class TerminateForm(FormMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason for termination"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class DocumentUploadForm(FormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("scan (PDF, PNG or JPEG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and not user.has_perm("contracts.view_full_copy"):
            self.fields["kind"].choices = [
                c for c in DocumentKind.choices if c[0] != DocumentKind.FULL
            ]


class EntitlementQueryForm(forms.Form):
    """The entitlement endpoint's query string: customer, service type and day."""

    customer = forms.IntegerField(min_value=1)
    service_type = forms.ChoiceField(choices=ServiceType.choices)
    on = forms.DateField(required=False)
