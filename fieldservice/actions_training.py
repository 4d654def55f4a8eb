"""What users can do to a training, declared once (servicedesk/core/actions.py;
docs/architecture.md §action-layer): the training page's panel, the admin's buttons and
the API's ``trainings/<id>/transitions/<name>/``. Attendees sign in on the tablet page
(``fieldservice:training-sign-in``), which the page links."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import forms_training as f
from .models.training import TrainingSession, TrainingState, may_run_training
from .services import training as s

_LIST_OPEN = (TrainingState.PLANNED, TrainingState.PLAN_SENT, TrainingState.HELD)
_AT_TRAINING = (TrainingState.PLAN_SENT, TrainingState.HELD)


def _session(obj: TrainingSession, user: Any) -> dict[str, Any]:
    return {"session": obj}


TRAINING_ACTIONS = ActionSet(
    TrainingSession,
    [
        Action(
            "send_plan",
            _("Plan sent to the customer"),
            s.training_send_plan,
            form=f.SendPlanForm,
            icon="send",
            primary=True,
            help=_("Print the training plan and timetable, send it, then record it here."),
        ),
        Action(
            "add_attendee",
            _("Add an attendee"),
            s.training_attendee_add,
            form=f.AttendeeForm,
            permission="fieldservice.view_trainingsession",
            when=lambda t, u: t.state in _LIST_OPEN and may_run_training(t, u),
            icon="person-plus",
        ),
        Action(
            "upload_sheet",
            _("Upload the signed sign-in sheet"),
            s.training_sheet_upload,
            form=f.SheetForm,
            form_kwargs=_session,
            permission="fieldservice.view_trainingsession",
            when=lambda t, u: t.state in _AT_TRAINING and may_run_training(t, u),
            icon="file-earmark-arrow-up",
            admin=False,  # a scan is uploaded on the training page
        ),
        Action(
            "record_feedback",
            _("Record a feedback form"),
            s.training_feedback_record,
            form=f.FeedbackForm,
            form_kwargs=_session,
            permission="fieldservice.view_trainingsession",
            when=lambda t, u: t.state in _AT_TRAINING and may_run_training(t, u),
            icon="ui-checks",
        ),
        Action("hold", _("Training held"), s.training_hold, icon="easel", primary=True),
        Action(
            "complete",
            _("Complete (certificates, follow-up)"),
            s.training_complete,
            form=f.TrainingCompleteForm,
            icon="award",
            primary=True,
            help=_(
                "Certificates are numbered for everyone who signed in; the follow-up call "
                "is scheduled two working days later."
            ),
        ),
        Action(
            "archive",
            _("File the report in the customer archive"),
            s.training_archive,
            icon="archive",
            primary=True,
        ),
        Action(
            "cancel", _("Cancel"), s.training_cancel, form=f.TrainingCancelForm, icon="x-circle"
        ),
    ],
)
