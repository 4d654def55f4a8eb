"""Forms of the one-time customer links (docs/architecture.md §links)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.core.text import SIGNATURE_IMAGE_MAX_LENGTH

from .forms import DeskFormMixin
from .services.links import DEFAULT_HOURS, MAX_HOURS


class LinkCreateForm(DeskFormMixin, forms.Form):
    contact_name = forms.CharField(label=_("Customer contact"), max_length=100)
    contact_phone = forms.CharField(label=_("Mobile"), max_length=40, required=False)
    contact_email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    hours = forms.IntegerField(
        label=_("Valid for (hours)"), min_value=1, max_value=MAX_HOURS, initial=DEFAULT_HOURS
    )


class LinkSignForm(DeskFormMixin, forms.Form):
    signer_name = forms.CharField(label=_("Your name"), max_length=100)
    image = forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=SIGNATURE_IMAGE_MAX_LENGTH
    )


class LinkDeclineForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why do you not sign?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class SurveyForm(DeskFormMixin, forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you? (5 = very satisfied)"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    would_recommend = forms.TypedChoiceField(
        label=_("Would you recommend us?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
