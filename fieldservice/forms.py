"""Portal forms of field service: one small form per dispatch action, the manager's new
dispatch, and the engineer's completion form. Forms check what a form can; the services
check the rules again and their field errors land on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from contracts.widgets import CustomerPicker
from servicedesk.core.forms import DeskFormMixin, date_field, datetime_field, textarea
from servicedesk.core.services.transitions import AS_LOADED
from servicedesk.core.text import SIGNATURE_IMAGE_MAX_LENGTH

from .choices import DispatchKind, DispatchSeverity, LeadKind, NextStep, Outcome, PartUsageKind
from .models import Engineer


class EngineerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Engineer) -> str:
        partner = f" · {obj.partner}" if obj.partner_id else ""
        region = f" · {obj.region}" if obj.region else ""
        return f"{obj}{region}{partner}"


class AssignForm(DeskFormMixin, forms.Form):
    engineer = EngineerChoiceField(
        label=_("Engineer"),
        queryset=Engineer.objects.none(),
        error_messages={"required": _("Choose the engineer.")},
    )
    planned_start = datetime_field(_("Planned start"), required=False)
    # Optional: the page fills it in; left out (the API), the dispatch's own duration stays.
    planned_minutes = forms.IntegerField(
        label=_("Planned duration (minutes)"),
        min_value=15,
        max_value=24 * 60,
        initial=120,
        required=False,
    )
    # The engineer the page showed: a reassignment made from a page someone else has
    # changed meanwhile is refused instead of overwriting theirs.
    expected_engineer = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, engineers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if engineers is not None:
            self.fields["engineer"].queryset = engineers

    def clean_expected_engineer(self) -> Any:
        if "expected_engineer" not in self.data:
            return AS_LOADED
        return self.cleaned_data.get("expected_engineer")


class ScheduleForm(DeskFormMixin, forms.Form):
    appointment_at = datetime_field(
        _("Appointment agreed with the customer"),
        error_messages={"required": _("Enter the date and time agreed with the customer.")},
    )
    note = forms.CharField(
        label=_("Agreed with"), max_length=200, required=False, help_text=_("Who, by phone …")
    )
    out_of_hours_reason = forms.CharField(
        label=_("Reason for a time outside the service hours"),
        max_length=300,
        required=False,
        help_text=_("Needed only when the time is outside the contract's service hours."),
    )


class RescheduleForm(DeskFormMixin, forms.Form):
    appointment_at = datetime_field(_("New appointment"))
    reason = forms.CharField(
        label=_("Reason"), widget=textarea(2), error_messages={"required": _("Why does it change?")}
    )
    customer_informed = forms.BooleanField(
        label=_("The customer was told in advance"),
        error_messages={"required": _("Tell the customer before changing the appointment.")},
    )
    out_of_hours_reason = forms.CharField(
        label=_("Reason for a time outside the service hours"),
        max_length=300,
        required=False,
        help_text=_("Needed only when the time is outside the contract's service hours."),
    )


class WriteOffForm(DeskFormMixin, forms.Form):
    next_step = forms.ChoiceField(
        label=_("Next step"),
        choices=[c for c in NextStep.choices if c[0]],
        widget=forms.RadioSelect,
        required=False,  # required below when the visit was not solved
        help_text=_("Unsolved or partially solved: a follow-up dispatch or the defect escalation."),
        error_messages={
            "required": _(
                "Unsolved or partially solved: open a follow-up dispatch or "
                "escalate to headquarters as a defect."
            )
        },
    )
    note = forms.CharField(label=_("Note"), widget=textarea(2), required=False)
    service_fee = forms.DecimalField(
        label=_("After-sales fee (CNY)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Charged for this visit, if any; partners paid by share get their part."),
    )

    def __init__(self, *args: Any, needs_next_step: bool = True, **kwargs: Any) -> None:
        """A solved visit has no next step to choose; an unsolved or partial one must
        choose one, and nothing is chosen for the manager (never "solved")."""
        super().__init__(*args, **kwargs)
        if not needs_next_step:
            del self.fields["next_step"]
        else:
            self.fields["next_step"].required = True


class ArticleDraftForm(DeskFormMixin, forms.Form):
    """A solved visit written up for the knowledge base: the title (the rest comes from
    the service report and is edited on the draft)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the problem as recorded."),
    )


class CancelForm(DeskFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=textarea(2),
        error_messages={"required": _("Why is the dispatch cancelled?")},
    )


class PartForm(DeskFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Use"), choices=PartUsageKind.choices)
    part_name = forms.CharField(label=_("Part"), max_length=120)
    part_number = forms.CharField(label=_("Part number (PN)"), max_length=60, required=False)
    serial_number = forms.CharField(label=_("Serial number (SN)"), max_length=60, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    emergency = forms.BooleanField(label=_("Emergency (paperwork afterwards)"), required=False)
    repair_tag = forms.CharField(label=_("Repair tag"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class DispatchCreateForm(DeskFormMixin, forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Customer.objects.all(),
        widget=CustomerPicker(),
        error_messages={"required": _("Choose the customer.")},
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=DispatchKind.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=DispatchSeverity.choices,
        initial=DispatchSeverity.NORMAL,
        help_text=_("System down: verified and assigned within one working hour."),
    )
    problem = forms.CharField(label=_("Problem"), widget=textarea(3))
    product = forms.CharField(label=_("Product"), max_length=100, required=False)
    site_address = forms.CharField(
        label=_("Site address"),
        max_length=300,
        required=False,
        help_text=_("Empty: the customer's address."),
    )
    contact_name = forms.CharField(
        label=_("Site contact"),
        max_length=60,
        required=False,
        help_text=_("Empty: the main contact."),
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    required_skills = forms.CharField(label=_("Required skills"), max_length=200, required=False)
    notes = forms.CharField(label=_("For the engineer"), widget=textarea(2), required=False)
    due_from = datetime_field(_("Due from"), required=False)
    due_by = datetime_field(_("Due by"), required=False)


class CompleteForm(DeskFormMixin, forms.Form):
    """The engineer's phone form (docs/domain.md §dispatch.report): what the customer signs."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose solved, partially solved or unsolved.")},
    )
    # Required as the service requires them (dispatch_complete), so the page marks them.
    cause = forms.CharField(
        label=_("Cause"),
        widget=textarea(2),
        error_messages={"required": _("Record the cause of the problem.")},
    )
    solution = forms.CharField(
        label=_("Solution"),
        widget=textarea(2),
        error_messages={"required": _("Record the solution.")},
    )
    steps = forms.CharField(
        label=_("Steps"),
        widget=textarea(3),
        error_messages={"required": _("Record the steps taken.")},
    )
    precautions = forms.CharField(
        label=_("Precautions told to the customer"),
        widget=textarea(2),
        error_messages={"required": _("Record the precautions told to the customer.")},
    )
    backup_done = forms.BooleanField(label=_("Customer's data backed up first"), required=False)
    backup_location = forms.CharField(
        label=_("Where the backup is stored"),
        max_length=300,
        required=False,
        help_text=_("E.g. D:\\backup\\2026-12 (not on C:), or the removable disk."),
    )
    part_name = forms.CharField(label=_("Spare part used"), max_length=120, required=False)
    part_serial = forms.CharField(label=_("Its serial number"), max_length=60, required=False)
    lead_kind = forms.ChoiceField(
        label=_("New need noticed"),
        choices=[("", "—"), *LeadKind.choices],
        required=False,
    )
    lead_description = forms.CharField(
        label=_("What the customer needs"), widget=textarea(2), required=False
    )
    signer_name = forms.CharField(label=_("Customer's signer"), max_length=100, required=False)
    image = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        help_text="data:image/png;base64,…",
        max_length=SIGNATURE_IMAGE_MAX_LENGTH,
    )
    engineer_image = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        help_text="data:image/png;base64,…",
        max_length=SIGNATURE_IMAGE_MAX_LENGTH,
    )
    # The API's body (docs/architecture.md §action-layer): lists where the phone has one of
    # each, and the signatures under the contract's names. The page renders none of these.
    new_needs = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        help_text="What the customer needs next (default: the leads' descriptions).",
    )
    leads = forms.JSONField(widget=forms.HiddenInput, required=False)
    parts = forms.JSONField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, software_work: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if software_work:  # docs/domain.md §dispatch.backup: back up first, and say where
            self.fields["backup_done"].required = True
            self.fields["backup_done"].error_messages["required"] = _(
                "Back up the customer's data before the work."
            )
            self.fields["backup_location"].required = True
            self.fields["backup_location"].error_messages["required"] = _(
                "Tell the customer where the backup is stored, and record it."
            )

    def _listed(self, name: str, serializer: type) -> list[dict[str, Any]]:
        value = self.cleaned_data.get(name)
        if value in (None, "", []):
            return []
        checked = serializer(data=value, many=True)
        if not checked.is_valid():
            errors = checked.errors  # by row index (DRF 3.16+) or a list of rows
            rows = list(errors.items()) if isinstance(errors, dict) else list(enumerate(errors))
            messages = [
                _("Row %(row)s: %(error)s") % {"row": index + 1, "error": e}
                for index, row in rows
                for field_errors in (row.values() if isinstance(row, dict) else [row])
                for e in (field_errors if isinstance(field_errors, list) else [field_errors])
            ]
            raise forms.ValidationError(messages or [_("Give a list.")])
        return [dict(row) for row in checked.validated_data]

    def clean_leads(self) -> list[dict[str, Any]]:
        from .api.serializers import LeadInput

        return self._listed("leads", LeadInput)

    def clean_parts(self) -> list[dict[str, Any]]:
        from .api.serializers import PartInput

        return self._listed("parts", PartInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("lead_kind") and not (data.get("lead_description") or "").strip():
            self.add_error("lead_description", _("Describe the need for the sales manager."))
        return data

    @staticmethod
    def service_kwargs(data: dict[str, Any]) -> dict[str, Any]:
        """``dispatch_complete``'s arguments from the cleaned form: the one lead and part
        typed on the phone join the API's lists; an empty drawn signature means none (a
        scan uploaded before counts)."""
        data = dict(data)
        leads = list(data.pop("leads", None) or [])
        parts = list(data.pop("parts", None) or [])
        kind, description = data.pop("lead_kind", ""), data.pop("lead_description", "")
        if kind and (description or "").strip():
            leads.append({"kind": kind, "description": description})
        name, serial = data.pop("part_name", ""), data.pop("part_serial", "")
        if (name or "").strip():
            parts.append({"part_name": name, "serial_number": serial})
        data["signature_image"] = data.pop("image", "") or None
        data["engineer_signature_image"] = data.pop("engineer_image", "") or None
        return {**data, "leads": leads, "parts": parts}


def _api_only(form: type[forms.Form]) -> None:
    """How the API sees CompleteForm (servicedesk.core.actions: api_name / api / api_field)."""
    from .api.serializers import LeadInput, PartInput

    fields = form.base_fields
    fields["image"].api_name = "signature_image"  # type: ignore[attr-defined]
    fields["engineer_image"].api_name = "engineer_signature_image"  # type: ignore[attr-defined]
    for name in ("part_name", "part_serial", "lead_kind", "lead_description"):
        fields[name].api = False  # type: ignore[attr-defined]
    fields["leads"].api_field = LeadInput(many=True, required=False)  # type: ignore[attr-defined]
    fields["parts"].api_field = PartInput(many=True, required=False)  # type: ignore[attr-defined]


_api_only(CompleteForm)


class LeaveForm(DeskFormMixin, forms.Form):
    """Leave entered by the service manager (docs/domain.md §partners.leave)."""

    engineer = EngineerChoiceField(
        label=_("Engineer"),
        queryset=Engineer.objects.none(),
        error_messages={"required": _("Choose the engineer.")},
    )
    starts_on = date_field(_("From"))
    ends_on = date_field(_("Until (inclusive)"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("E.g. annual leave, sick leave, training."),
    )

    def __init__(self, *args: Any, engineers: Any = None, fixed: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if fixed:  # changing a leave: the engineer stays
            del self.fields["engineer"]
        else:
            self.fields["engineer"].queryset = engineers

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The leave must end on or after its first day."))
        return data


class LeaveCancelForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Why cancelled"), max_length=200, required=False)
