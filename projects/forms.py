"""Portal (and API) input of the project actions: one small form per action
(docs/architecture.md §action-layer). The services check the rules again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from contracts.models import Contact
from servicedesk.core.choices import Role
from servicedesk.core.forms import DeskFormMixin, date_field, datetime_field, textarea
from servicedesk.core.people import display_name

from .choices import DocumentKind, EvaluationOutcome, PauseCategory, TerminateCategory
from .models import DataImportTask, Incident, ProjectDocument, Stage, SurveyIssue


class ListChoiceIterator(ModelChoiceIterator):
    """Reads a choice field's few rows in one plain query: Django's own iterator reads them
    through a server-side cursor (DECLARE … WITH HOLD, FETCH, CLOSE on PostgreSQL), three
    round trips for a dozen people, on every page showing the form (the project page
    renders a dozen action forms; docs/domain.md §project.pages)."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class PersonChoiceField(forms.ModelChoiceField):
    iterator = ListChoiceIterator

    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListChoiceIterator

    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class ListModelChoiceField(forms.ModelChoiceField):
    iterator = ListChoiceIterator


class ListModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListChoiceIterator


def _in_role(role: str):
    return (
        get_user_model()
        .objects.filter(groups__name=str(role), is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


class AllocateForm(DeskFormMixin, forms.Form):
    project_manager = PersonChoiceField(
        label=_("Project manager"),
        queryset=get_user_model().objects.none(),
        error_messages={"required": _("Choose a project manager.")},
    )
    consultants = PeopleChoiceField(
        label=_("Consultants"),
        queryset=get_user_model().objects.none(),
        error_messages={"required": _("Choose at least one consultant.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project_manager"].queryset = _in_role(Role.PROJECT_MANAGER)
        self.fields["consultants"].queryset = _in_role(Role.CONSULTANT) | _in_role(
            Role.PROJECT_MANAGER
        )


class PlanForm(DeskFormMixin, forms.Form):
    scope = forms.CharField(
        label=_("Scope"), widget=textarea(3), error_messages={"required": _("State the scope.")}
    )
    summary = forms.CharField(label=_("Plan"), widget=textarea(3), required=False)
    stages = forms.CharField(
        label=_("Stages"),
        widget=textarea(5),
        help_text=_("One stage a line: name | planned start | planned end | deliverables."),
        error_messages={"required": _("The plan needs at least one stage.")},
    )
    change_note = forms.CharField(label=_("What changed"), widget=textarea(2), required=False)


class DocumentForm(DeskFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), error_messages={"required": _("Choose the file.")})


class ReviewDocumentsForm(DeskFormMixin, forms.Form):
    documents = ListModelMultipleChoiceField(
        label=_("Documents reviewed"),
        queryset=ProjectDocument.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the documents you reviewed.")},
    )

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = ProjectDocument.objects.filter(reviewed_at__isnull=True)
        self.fields["documents"].queryset = (
            qs.filter(project=project) if project is not None else qs.none()
        )


class KickoffForm(DeskFormMixin, forms.Form):
    kickoff_on = date_field(_("Kickoff meeting on"))
    attendees = forms.CharField(label=_("Attendees"), widget=textarea(2))
    executives = forms.CharField(label=_("The customer's executives present"), widget=textarea(2))


class PauseForm(DeskFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("Reason"), choices=PauseCategory.choices)
    reason = forms.CharField(
        label=_("Why"), widget=textarea(3), error_messages={"required": _("Explain the reason.")}
    )
    requested_by = PersonChoiceField(
        label=_("Requested by"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("The consultant who asked to pause; you approve it."),
    )

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["requested_by"].queryset = project.consultants.all().order_by("pk")


class TerminateForm(DeskFormMixin, forms.Form):
    category = forms.ChoiceField(label=_("Reason"), choices=TerminateCategory.choices)
    reason = forms.CharField(
        label=_("Why"), widget=textarea(3), error_messages={"required": _("Explain the reason.")}
    )


class EvaluateForm(DeskFormMixin, forms.Form):
    items = forms.CharField(label=_("Items checked and results"), widget=textarea(4))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=EvaluationOutcome.choices)
    note = forms.CharField(label=_("Note"), widget=textarea(2), required=False)


class AcceptanceReportForm(DeskFormMixin, forms.Form):
    summary = forms.CharField(label=_("Acceptance report"), widget=textarea(5))


class ReworkForm(DeskFormMixin, forms.Form):
    stages = ListModelMultipleChoiceField(
        label=_("Stages to rework"),
        queryset=Stage.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("What is incomplete"), widget=textarea(2), required=False)

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .choices import StageState

        qs = Stage.objects.filter(state=StageState.SIGNED)
        self.fields["stages"].queryset = (
            qs.filter(project=project) if project is not None else qs.none()
        )


class AcceptForm(DeskFormMixin, forms.Form):
    on = date_field(_("Accepted on"), required=False)


class IncidentForm(DeskFormMixin, forms.Form):
    description = forms.CharField(label=_("What happened"), widget=textarea(3))
    impact = forms.CharField(label=_("Impact on the project"), widget=textarea(2), required=False)


class IncidentCloseForm(DeskFormMixin, forms.Form):
    incident = ListModelChoiceField(label=_("Incident"), queryset=Incident.objects.none())
    resolution = forms.CharField(label=_("Resolution"), widget=textarea(2))

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .choices import IncidentState

        qs = Incident.objects.filter(state=IncidentState.OPEN)
        self.fields["incident"].queryset = (
            qs.filter(project=project) if project is not None else qs.none()
        )


class ImportForm(DeskFormMixin, forms.Form):
    description = forms.CharField(label=_("Data to import"), widget=textarea(2))


class ImportFinishForm(DeskFormMixin, forms.Form):
    task = ListModelChoiceField(label=_("Task"), queryset=DataImportTask.objects.none())

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .choices import ImportState

        qs = DataImportTask.objects.filter(state=ImportState.OPEN)
        self.fields["task"].queryset = (
            qs.filter(project=project) if project is not None else qs.none()
        )


class RequirementForm(DeskFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=textarea(3))
    intent = forms.CharField(label=_("The customer's real intent"), widget=textarea(2))
    product = forms.CharField(label=_("Product"), max_length=100, required=False)


class LogForm(DeskFormMixin, forms.Form):
    day = date_field(_("Day"))
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.5"), max_value=24, decimal_places=1, max_digits=4
    )
    work_done = forms.CharField(label=_("Work done"), widget=textarea(4))
    issues = forms.CharField(label=_("Issues"), widget=textarea(2), required=False)
    next_steps = forms.CharField(label=_("Next steps"), widget=textarea(2), required=False)


class DeliverForm(DeskFormMixin, forms.Form):
    deliverable = forms.FileField(label=_("Deliverable"), required=False)


class NoteForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), widget=textarea(2), required=False)


class ReturnForm(DeskFormMixin, forms.Form):
    note = forms.CharField(label=_("What is missing"), widget=textarea(2))


class HandoverForm(DeskFormMixin, forms.Form):
    receiver = PersonChoiceField(
        label=_("Handed over to"),
        queryset=get_user_model().objects.none(),
        error_messages={"required": _("Choose who takes over.")},
    )
    reason = forms.CharField(label=_("Why"), max_length=200)
    customer_info = forms.CharField(
        label=_("Customer information"), widget=textarea(3), required=False
    )
    system_config = forms.CharField(
        label=_("System configuration"), widget=textarea(3), required=False
    )
    implementation_records = forms.CharField(
        label=_("Implementation records"), widget=textarea(3), required=False
    )
    network_diagram = forms.FileField(label=_("Network diagram"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receiver"].queryset = (
            _in_role(Role.CONSULTANT) | _in_role(Role.PROJECT_MANAGER)
        ).distinct()


class CredentialForm(DeskFormMixin, forms.Form):
    system = forms.CharField(label=_("System"), max_length=120)
    username = forms.CharField(label=_("Account"), max_length=120)
    secret = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), max_length=500
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class RevealForm(DeskFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Your own password"),
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": _("Re-enter your password to see the credential.")},
    )


class SurveyIssueForm(DeskFormMixin, forms.Form):
    description = forms.CharField(label=_("Issue found in the survey"), widget=textarea(3))


class OpinionForm(DeskFormMixin, forms.Form):
    issue = ListModelChoiceField(label=_("Issue"), queryset=SurveyIssue.objects.none())
    opinion = forms.CharField(label=_("Your opinion"), widget=textarea(3))

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = SurveyIssue.objects.filter(state=SurveyIssue.State.OPEN)
        self.fields["issue"].queryset = (
            qs.filter(project=project) if project is not None else qs.none()
        )


class DecideForm(DeskFormMixin, forms.Form):
    issue = ListModelChoiceField(label=_("Issue"), queryset=SurveyIssue.objects.none())
    decision = forms.CharField(label=_("Decision"), widget=textarea(3))

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = SurveyIssue.objects.filter(state=SurveyIssue.State.OPEN).exclude(opinion_2="")
        self.fields["issue"].queryset = (
            qs.filter(project=project) if project is not None else qs.none()
        )


class ImportTemplateForm(DeskFormMixin, forms.Form):
    """The data-import template handed to one of the customer's contacts
    (docs/domain.md §project.import-template)."""

    contact = ListModelChoiceField(
        label=_("Handed to (customer contact)"),
        queryset=Contact.objects.none(),
        error_messages={"required": _("Choose the contact the template was handed to.")},
    )
    file = forms.FileField(
        label=_("Template file"),
        error_messages={"required": _("Choose the template file that was handed over.")},
    )
    handed_at = datetime_field(_("Handed over"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, project: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contacts = Contact.objects.none()
        if project is not None:
            contacts = Contact.objects.filter(customer_id=project.customer_id)
        self.fields["contact"].queryset = contacts
        self.fields["contact"].label_from_instance = _contact_label
        self.fields["handed_at"].help_text = _("Leave empty for now.")


def _contact_label(contact: Any) -> str:
    return f"{contact.name}（{contact.title}）" if contact.title else contact.name
