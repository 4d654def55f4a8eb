"""Portal forms of the hotline: the intake screen and one small form per ticket action.

Forms check what a form can (required fields, formats, a received time not in the
future); the services check the rules again and their field errors land on these forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.choices import ServiceType
from contracts.models import Contact, Customer
from servicedesk.core.choices import Role
from servicedesk.core.forms import (
    DATETIME_LOCAL,
    DeskFormMixin,
    date_field,
    datetime_field,
    textarea,
)
from servicedesk.core.services.transitions import AS_LOADED

from .choices import Channel, CommercialDecision, ScopeDecision, Severity, TicketKind
from .models import Call, HotlineLine

RECEIVED_AT_SKEW = dt.timedelta(minutes=2)


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class IntakeForm(DeskFormMixin, forms.Form):
    """The hotline intake (docs/domain.md §hotline.intake): who calls, for whom, about what."""

    customer = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={
            "invalid": _("Find the customer first (by phone, name or dongle number)."),
        },
    )
    # Not in the archive: the company, the caller and the number become a new customer.
    new_customer = forms.BooleanField(widget=forms.HiddenInput, required=False)
    call = forms.IntegerField(widget=forms.HiddenInput, required=False)
    caller_name = forms.CharField(
        label=_("Caller"), max_length=60, error_messages=_required(_("Who called?"))
    )
    caller_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        error_messages=_required(_("The caller's phone number.")),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    caller_company = forms.CharField(
        label=_("Company"), max_length=200, error_messages=_required(_("Which company?"))
    )
    product = forms.CharField(
        label=_("Product"),
        max_length=100,
        error_messages=_required(_("Which product?")),
        widget=forms.TextInput(attrs={"list": "product-options", "autocomplete": "off"}),
    )
    service_type = forms.ChoiceField(
        label=_("Service type"), choices=ServiceType.choices, initial=ServiceType.PHONE_SUPPORT
    )
    description = forms.CharField(
        label=_("Symptoms"),
        error_messages=_required(_("Describe the symptoms.")),
        widget=textarea(4),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    received_at = datetime_field(
        _("Received"), help_text=_("Now by default; may be earlier, never later.")
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        initial=Severity.NORMAL,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=TicketKind.choices,
        initial=TicketKind.REQUEST,
        widget=forms.RadioSelect,
    )
    needs_on_site = forms.BooleanField(
        label=_("Needs an on-site visit"),
        required=False,
        help_text=_("Submit to the service manager within 30 working minutes."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        kwargs.setdefault(
            "initial",
            {},
        )
        kwargs["initial"].setdefault("received_at", timezone.localtime().replace(second=0))
        super().__init__(*args, **kwargs)
        self.fields["received_at"].widget.attrs["max"] = timezone.localtime().strftime(
            DATETIME_LOCAL
        )

    def clean_customer(self) -> Customer | None:
        pk = self.cleaned_data["customer"]
        if pk is None:
            return None
        from contracts.selectors import customers_list

        customer = customers_list(user=self.user).filter(pk=pk).first()
        if customer is None:
            raise forms.ValidationError(_("Unknown customer: find them by phone, name or dongle."))
        return customer

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("customer") is not None:
            data["new_customer"] = False  # a customer was picked after all
        elif not data.get("new_customer") and "customer" not in self.errors:
            self.add_error(
                "customer",
                _(
                    "Find the customer first (by phone, name or dongle number), "
                    "or record the caller as a new customer."
                ),
            )
        return data

    def clean_call(self) -> Call | None:
        pk = self.cleaned_data.get("call")
        if not pk:
            return None
        call = Call.objects.filter(pk=pk, ticket__isnull=True).first()
        if call is None:
            raise forms.ValidationError(_("This call is already linked to a ticket."))
        return call

    def clean_received_at(self) -> dt.datetime:
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + RECEIVED_AT_SKEW:
            raise forms.ValidationError(_("The call cannot have been received in the future."))
        return value

    def clean_description(self) -> str:
        value = self.cleaned_data["description"].strip()
        if not value:
            raise forms.ValidationError(_("Describe the symptoms."))
        return value


# -- ticket actions ----------------------------------------------------------------------


class AnswerForm(DeskFormMixin, forms.Form):
    """Solved on the phone: the record needs problem, cause, solution and steps."""

    problem = forms.CharField(label=_("Problem"), widget=textarea(2))
    cause = forms.CharField(label=_("Cause"), widget=textarea(2))
    solution = forms.CharField(label=_("Solution"), widget=textarea(2))
    steps = forms.CharField(label=_("Steps"), widget=textarea(3))
    precautions = forms.CharField(
        label=_("Precautions told to the caller"),
        widget=textarea(2),
        help_text=_(
            "Tell the caller the cause and how to avoid the problem; both go on the record."
        ),
    )


class ShelveForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why shelved"),
        widget=textarea(2),
        help_text=_("Call the customer back within 1 hour; reply within 3 working hours."),
    )


class CallBackForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("What did you tell the customer?"), widget=textarea(2))


class RequestDispatchForm(DeskFormMixin, forms.Form):
    notes = forms.CharField(
        label=_("For the field engineer"),
        widget=textarea(3),
        help_text=_("What the engineer on site must know."),
    )


class ScopeDecisionForm(DeskFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ScopeDecision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))


class CommercialDecisionForm(DeskFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(c.value, c.label) for c in CommercialDecision if c != CommercialDecision.SPECIAL],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Agreed charge (CNY)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    note = forms.CharField(
        label=_("Customer's decision / terms"), required=False, widget=textarea(2)
    )


class OptionalNoteForm(DeskFormMixin, forms.Form):
    """The scope ruling or the waived charge on their own (admin and API): a note only."""

    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))


class AgreeChargeForm(DeskFormMixin, forms.Form):
    """The customer agreed to the charge (admin and API)."""

    amount = forms.DecimalField(
        label=_("Agreed charge (CNY)"), min_value=0, max_digits=10, decimal_places=2
    )
    note = forms.CharField(
        label=_("Customer's decision / terms"), required=False, widget=textarea(2)
    )


class DeclineForm(DeskFormMixin, forms.Form):
    """The customer declined the charge: the ticket closes (admin and API)."""

    note = forms.CharField(label=_("Customer's decision / terms"), widget=textarea(2))


class TransferForm(DeskFormMixin, forms.Form):
    to = forms.ModelChoiceField(label=_("Transfer to"), queryset=get_user_model().objects.none())
    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))
    # Whom the page showed the ticket with: a transfer from a page someone else has
    # changed meanwhile is refused instead of undoing theirs.
    expected_assignee = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        help_text="The assignee the client saw (null: none). When someone transferred the "
        "ticket meanwhile the answer is 409. Omitted: the one at the request's start.",
    )

    def __init__(self, *args: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = [Role.HOTLINE_ENGINEER, Role.SERVICE_MANAGER, Role.TECH_MANAGER]
        qs = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=roles)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        if ticket is not None:
            qs = qs.exclude(pk=ticket.assignee_id)
            self.fields["expected_assignee"].initial = ticket.assignee_id
        self.fields["to"].queryset = qs

    def clean_expected_assignee(self) -> Any:
        if self.add_prefix("expected_assignee") not in self.data:
            return AS_LOADED
        return self.cleaned_data.get("expected_assignee")


class HandoverForm(DeskFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What is still open"),
        required=False,
        widget=textarea(2),
        help_text=_("Unresolved today: the service manager has it before the next working day."),
    )


class NoteForm(DeskFormMixin, forms.Form):
    text = forms.CharField(label=_("Note"), widget=textarea(2))


class DiscloseForm(DeskFormMixin, forms.Form):
    """Only to contacts the customer authorised, logged (docs/domain.md §hotline.passwords)."""

    contact = forms.ModelChoiceField(label=_("To contact"), queryset=Contact.objects.none())
    what = forms.CharField(
        label=_("What is disclosed"),
        max_length=100,
        help_text=_("For example: the account-set password of company 001."),
    )

    def __init__(self, *args: Any, ticket: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ticket is not None and ticket.customer_id:
            from contracts.selectors import contacts_authorised_for_passwords

            self.fields["contact"].queryset = contacts_authorised_for_passwords(
                customer=ticket.customer
            )


class PublishForm(DeskFormMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the problem as recorded."),
    )


# -- roster and knowledge ----------------------------------------------------------------


class ShiftForm(DeskFormMixin, forms.Form):
    line = forms.ModelChoiceField(label=_("Line"), queryset=HotlineLine.objects.none())
    engineer = forms.ModelChoiceField(label=_("Engineer"), queryset=get_user_model().objects.none())
    day = date_field(_("Date"))
    starts = forms.TimeField(
        label=_("From"),
        initial=dt.time(8, 30),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
    )
    ends = forms.TimeField(
        label=_("To"),
        initial=dt.time(17, 30),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("Earlier than the start: the shift ends the next day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = HotlineLine.objects.filter(active=True)
        self.fields["engineer"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(groups__name=Role.HOTLINE_ENGINEER) | Q(groups__name=Role.SERVICE_MANAGER))
            .distinct()
            .order_by("last_name", "first_name", "username")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, starts, ends = data.get("day"), data.get("starts"), data.get("ends")
        if day and starts and ends:
            tz = timezone.get_current_timezone()
            begin = dt.datetime.combine(day, starts, tzinfo=tz)
            finish = dt.datetime.combine(day, ends, tzinfo=tz)
            if finish <= begin:
                finish += dt.timedelta(days=1)
            data["starts_at"], data["ends_at"] = begin, finish
        return data


class HandoverAcknowledgeForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Hand-over note"), required=False, widget=textarea(2))


class ArticleForm(DeskFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    product = forms.CharField(label=_("Product"), max_length=100, required=False)
    module = forms.CharField(label=_("Module"), max_length=100, required=False)
    symptoms = forms.CharField(label=_("Symptoms"), widget=textarea(3))
    cause = forms.CharField(label=_("Cause"), required=False, widget=textarea(2))
    solution = forms.CharField(label=_("Solution"), widget=textarea(3))
    steps = forms.CharField(label=_("Steps"), required=False, widget=textarea(4))


class ReviewNoteForm(DeskFormMixin, forms.Form):
    """Publishing an article: an optional word to the author."""

    note = forms.CharField(label=_("Note to the author"), required=False, widget=textarea(2))


class SendBackForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("What should change"), widget=textarea(3))


class ArchiveForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Why it is archived"), widget=textarea(2))


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Helpful"),
        choices=[("1", _("Helpful")), ("0", _("Not helpful"))],
        coerce=lambda v: v == "1",
    )


class SpecialPlanForm(DeskFormMixin, forms.Form):
    plan = forms.CharField(
        label=_("Special arrangement"),
        widget=textarea(5),
        help_text=_(
            "Printed on the special arrangement and signed by you and the head of sales; "
            "fixed once signed."
        ),
    )


class SpecialPlanHandOverForm(DeskFormMixin, forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Hand to (service owner)"), queryset=get_user_model().objects.none()
    )
    note = forms.CharField(label=_("Note"), required=False, widget=textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .services.tickets import service_owners

        super().__init__(*args, **kwargs)
        owners = service_owners()
        self.fields["owner"].queryset = get_user_model().objects.filter(
            pk__in=[u.pk for u in owners]
        )
        if owners and not self.is_bound and not self.initial.get("owner"):
            self.initial["owner"] = owners[0].pk
