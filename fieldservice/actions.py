"""The dispatch's actions, each declared once (docs/architecture.md §action-layer).

The portal's action panel (``views.dispatches``), the admin's buttons (``admin``) and the
API's ``dispatches/<id>/transitions/<name>/`` (``api.apis``) are all built from
:data:`DISPATCH_ACTIONS`. Transitions whose guards read the user's input (the engineer
for ``assign``, the appointment for ``schedule``, the report and signature for
``complete``, the next step for ``write_off``) are offered whenever state and permission
allow; the service refuses with the reason when the input is missing
(docs/architecture.md §transitions.offered).

Completing happens on a page of its own (the customer's signature drawn on the phone):
the panel links to it, and the ActionSet says when it is offered.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import selectors
from .choices import Outcome
from .forms import (
    ArticleDraftForm,
    AssignForm,
    CancelForm,
    CompleteForm,
    RescheduleForm,
    ScheduleForm,
    WriteOffForm,
)
from .models import (
    Dispatch,
    dispatch_customer_signed,
    dispatch_has_appointment,
    dispatch_has_engineer,
    dispatch_next_step_chosen,
    dispatch_report_complete,
)
from .services import (
    dispatch_archive,
    dispatch_article_draft,
    dispatch_assign,
    dispatch_cancel,
    dispatch_check_in,
    dispatch_complete,
    dispatch_confirm,
    dispatch_reschedule,
    dispatch_schedule,
    dispatch_verify,
    dispatch_write_off,
)


def _assign_initial(dispatch: Dispatch, user: Any) -> dict[str, Any]:
    start = dispatch.planned_start
    return {
        "engineer": dispatch.engineer_id,
        "planned_start": start and timezone.localtime(start),
        "planned_minutes": dispatch.planned_minutes,
        # The engineer the page showed: a reassignment from a stale page is refused.
        "expected_engineer": dispatch.engineer_id,
    }


def _write_off_initial(dispatch: Dispatch, user: Any) -> dict[str, Any]:
    return {
        "next_step": dispatch.next_step or ("defect" if dispatch.defect_id else None),
        "service_fee": dispatch.service_fee,
    }


def _may_write_article(dispatch: Dispatch, user: Any) -> bool:
    """A solved visit, done, not yet written up (docs/domain.md §hotline.knowledge)."""
    from tickets.selectors import article_for_source

    from .services.dispatches import ARTICLE_STATES

    return (
        dispatch.state in ARTICLE_STATES
        and dispatch.outcome == Outcome.SOLVED
        and article_for_source(dispatch) is None
    )


def _complete(dispatch: Dispatch, *, by: Any, **data: Any) -> Dispatch:
    """Completion from the phone's form (the API's body is derived from it)."""
    return dispatch_complete(dispatch, by=by, **CompleteForm.service_kwargs(data))


DISPATCH_ACTIONS = ActionSet(
    Dispatch,
    [
        Action(
            "verify",
            _("Verify"),
            dispatch_verify,
            icon="check2-square",
            primary=True,
            summary="Service manager: request verified",
            panel_template="fieldservice/partials/action_verify.html",
        ),
        Action(
            "assign",
            _("Assign"),
            dispatch_assign,
            form=AssignForm,
            form_kwargs=lambda d, user: {"engineers": selectors.engineers_assignable(user)},
            initial=_assign_initial,
            input_conditions=(dispatch_has_engineer,),
            input_name="AssignInput",
            icon="person-check",
            primary=True,
            admin=False,  # the board's conflict checks and the engineer picker: portal only
            summary="Assign to a certified engineer (conflicts refused)",
        ),
        Action(
            "confirm",
            _("Confirm the form"),
            dispatch_confirm,
            icon="clipboard-check",
            primary=True,
            summary="Engineer: form information checked",
        ),
        Action(
            "schedule",
            _("Agree the appointment"),
            dispatch_schedule,
            form=ScheduleForm,
            input_conditions=(dispatch_has_appointment,),
            input_name="ScheduleInput",
            icon="calendar-check",
            primary=True,
            admin=False,
            summary="Appointment agreed (starts the arrival timer)",
        ),
        Action(
            "check_in",
            _("Check in on site"),
            dispatch_check_in,
            icon="geo-alt",
            primary=True,
            summary="Arrived on site",
        ),
        Action(
            "complete",
            _("Complete on site"),
            _complete,
            page=lambda d: reverse("fieldservice:complete", args=[d.pk]),
            input_conditions=(dispatch_report_complete, dispatch_customer_signed),
            form=CompleteForm,
            form_kwargs=lambda d, user: {"software_work": bool(d.software_work)},
            input_name="CompleteInput",
            icon="flag",
            primary=True,
            admin=False,  # the customer's signature is drawn on the engineer's phone
            summary="Completed on site (report and customer's signature)",
        ),
        Action(
            "reschedule",
            _("Reschedule"),
            dispatch_reschedule,
            form=RescheduleForm,
            input_name="RescheduleInput",
            icon="calendar-event",
            admin=False,
            summary="New appointment before the agreed time",
        ),
        Action(
            "write_off",
            _("Write off"),
            dispatch_write_off,
            form=WriteOffForm,
            form_kwargs=lambda d, user: {"needs_next_step": d.needs_next_step},
            initial=_write_off_initial,
            input_conditions=(dispatch_customer_signed, dispatch_next_step_chosen),
            input_name="WriteOffInput",
            icon="journal-check",
            primary=True,
            summary="Write off (signed form handed in)",
            panel_template="fieldservice/partials/action_write_off.html",
        ),
        Action(
            "archive",
            _("File in the customer archive"),
            dispatch_archive,
            icon="archive",
            primary=True,
            summary="File in the customer archive",
        ),
        Action(
            "cancel",
            _("Cancel"),
            dispatch_cancel,
            form=CancelForm,
            input_name="CancelInput",
            icon="x-circle",
            summary="Cancel (before on site)",
        ),
        # Not a transition: the visit's cause and solution become a draft knowledge
        # article linked back to it, at …/article/ on the API.
        Action(
            "article",
            _("Write a knowledge article"),
            dispatch_article_draft,
            form=ArticleDraftForm,
            permission="tickets.add_knowledgearticle",
            when=_may_write_article,
            icon="journal-plus",
            initial=lambda d, u: {"title": (d.problem or "").strip().split("\n")[0][:200]},
            summary="A draft knowledge article from the solved visit, linked to it",
            api_path="article",
            api_status=201,
            input_name="DispatchArticleInput",
            admin=False,
            listed=False,
        ),
    ],
    form_prefix=False,
)
