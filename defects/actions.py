"""What people can do to a defect and to a requirement request, each declared once
(docs/architecture.md §action-layer): the portal's action panel, the admin's buttons and
the API's ``…/transitions/<name>/`` endpoints are built from these two sets.

The API's transitions take the portal's forms as their bodies, under the names the
published schema gave them (``input_name``); the portal and the admin use the form.
``workaround/``, ``publish/``, ``tracker/`` and a requirement's ``solution/`` are served at
those paths of the API contract (``api_path``); ``follow`` (POST / DELETE) keeps an
endpoint of its own (``api=False``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from servicedesk.core.actions import Action, ActionSet
from servicedesk.core.forms import CustomerAnswerForm, CustomerWaitForm
from servicedesk.core.selectors import customer_wait_open

from . import forms
from .choices import Outcome, RequirementState
from .models import SOLUTION_FORM, Defect, Requirement
from .services import (
    defect_change_severity,
    defect_close,
    defect_confirm,
    defect_escalate,
    defect_fix,
    defect_follow_toggle,
    defect_publish_workaround,
    defect_reject,
    defect_reopen,
    defect_report,
    defect_save_workaround,
    defect_set_tracker,
    defect_start_fix,
    defect_verify,
    requirement_agree,
    requirement_confirm_solution,
    requirement_customer_accept,
    requirement_deliver,
    requirement_escalate,
    requirement_evaluate,
    requirement_refuse_quote,
    requirement_schedule,
    requirement_set_solution,
    requirement_set_tracker,
    requirement_start_development,
    requirement_start_evaluation,
)
from .services.waits import defect_customer_answered, defect_wait_for_customer

# -- defects ------------------------------------------------------------------------------

#: an action the API serves at a path of its own, not a listed transition
OWN_PATH: dict[str, bool] = {"admin": False, "listed": False}


def _may_write_knowledge(defect: Defect, user: Any) -> bool:
    """Who may publish at all, whatever the defect's state (checked first: 403)."""
    return user.has_perm("tickets.add_knowledgearticle") or user.has_perm(
        "tickets.change_knowledgearticle"
    )


def _may_word_solutions(item: Requirement, user: Any) -> bool:
    """Who may word a requirement's solution at all, whatever its state (403 first)."""
    return user.has_perm("defects.confirm_solution") or user.has_perm(
        "defects.evaluate_requirement"
    )


def _may_publish(defect: Defect, user: Any) -> bool:
    return bool(defect.workaround) and user.has_perm(
        "tickets.change_knowledgearticle"
        if defect.knowledge_article_id
        else "tickets.add_knowledgearticle"
    )


def _may_wait(defect: Defect, user: Any) -> bool:
    return defect.state in Defect.customer_wait_states and customer_wait_open(defect) is None


def _waiting(defect: Defect, user: Any) -> bool:
    return customer_wait_open(defect) is not None


def _is_open(defect: Defect, user: Any) -> bool:
    return defect.is_open


DEFECT_ACTIONS = ActionSet(
    Defect,
    [
        Action(
            "report",
            _("Report"),
            defect_report,
            form=forms.ReportForm,
            input_name="DefectNoteInput",
            icon="send",
            primary=True,
            help=_("Verified on site and reported to headquarters."),
            summary="Verified on site and reported",
        ),
        Action(
            "verify",
            _("Verify"),
            defect_verify,
            form=forms.VerifyForm,
            input_name="DefectRequiredNoteInput",
            icon="clipboard-check",
            primary=True,
            summary="Tester reproduced it",
        ),
        Action(
            "start_fix",
            _("Start fixing"),
            defect_start_fix,
            form=forms.StartFixForm,
            input_name="DefectStartFixInput",
            icon="tools",
            primary=True,
            summary="Developer starts the fix",
        ),
        Action(
            "fix",
            pgettext_lazy("defect", "Fixed"),
            defect_fix,
            form=forms.FixForm,
            input_name="DefectFixInput",
            icon="wrench-adjustable",
            primary=True,
            summary="Fixed",
        ),
        Action(
            "confirm",
            _("Customer confirms"),
            defect_confirm,
            form=forms.ConfirmForm,
            input_name="DefectRequiredNoteInput",
            icon="hand-thumbs-up",
            primary=True,
            summary="Customer confirms",
        ),
        Action(
            "close",
            _("Close"),
            defect_close,
            icon="archive",
            primary=True,
            summary="Close (the ticket follows to resolved)",
        ),
        Action(
            "reopen",
            _("Reopen"),
            defect_reopen,
            form=forms.ReasonForm,
            input_name="DefectReasonInput",
            icon="arrow-counterclockwise",
            summary="Reopen",
        ),
        Action(
            "reject",
            _("Reject"),
            defect_reject,
            form=forms.RejectForm,
            input_name="DefectRejectInput",
            icon="slash-circle",
            summary="Reject: duplicate, not a bug…",
        ),
        Action(
            "escalate",
            _("Escalate to the region lead"),
            defect_escalate,
            form=forms.EscalateForm,
            input_name="DefectEscalateInput",
            icon="person-up",
            help=_("When the people involved cannot agree."),
            summary="Escalate a disagreement to the region lead",
        ),
        Action(
            "change_severity",
            _("Change severity"),
            defect_change_severity,
            form=forms.SeverityForm,
            input_name="DefectSeverityInput",
            prefix="severity",  # the portal's field names (severity-severity, severity-reason)
            icon="exclamation-triangle",
            initial=lambda d, u: {"severity": d.severity},
            help=_("The deadlines are planned again from the reported time."),
            summary="Change severity (re-plans the deadlines)",
        ),
        Action(
            "workaround",
            _("Emergency workaround"),
            defect_save_workaround,
            form=forms.WorkaroundForm,
            permission="defects.work_defect",
            when=_is_open,
            icon="bandaid",
            initial=lambda d, u: {"workaround": d.workaround},
            summary="Emergency workaround",
            api_path="workaround",
            input_name="DefectWorkaroundInput",
            **OWN_PATH,
        ),
        Action(
            "publish",
            _("Workaround to the knowledge base"),
            defect_publish_workaround,
            form=forms.PublishForm,
            permitted=_may_write_knowledge,
            when=_may_publish,
            icon="journal-plus",
            initial=lambda d, u: {"title": d.title},
            summary="The workaround as a draft knowledge article (or its update)",
            api_path="publish",
            api_status=201,
            input_name="DefectPublishInput",
            **OWN_PATH,
        ),
        Action(
            "tracker",
            _("External tracker"),
            defect_set_tracker,
            form=forms.TrackerForm,
            permission="defects.work_defect",
            icon="link-45deg",
            initial=lambda d, u: {"key": d.tracker_key, "url": d.tracker_url},
            summary="External tracker link",
            api_path="tracker",
            input_name="TrackerLinkInput",
            **OWN_PATH,
        ),
        Action(
            "wait_for_customer",
            _("Wait for the customer"),
            defect_wait_for_customer,
            form=CustomerWaitForm,
            input_name="CustomerWaitInput",  # one body for every app's customer wait
            permission="defects.work_defect",
            when=_may_wait,
            icon="hourglass-split",
            help=_("Information, a test or access to the customer's system."),
            summary="Wait for the customer: the promises to the customer pause",
            listed=False,  # never named in available_transitions
            admin=False,
        ),
        Action(
            "customer_answered",
            _("The customer answered"),
            defect_customer_answered,
            form=CustomerAnswerForm,
            input_name="CustomerAnswerInput",
            permission="defects.work_defect",
            when=_waiting,
            icon="reply",
            primary=True,
            summary="The customer answered: the paused promises resume",
            listed=False,  # never named in available_transitions
            admin=False,
        ),
        Action(
            "follow",
            _("Follow / unfollow"),
            defect_follow_toggle,
            permission="defects.follow_defect",
            when=_is_open,
            icon="eye",
            help=_("Followers are reminded before a deadline is missed."),
            admin=False,
            api=False,  # POST / DELETE defects/<id>/follow/
        ),
    ],
)


# -- requirement requests -----------------------------------------------------------------


def _evaluate_initial(item: Requirement, user: Any) -> dict[str, Any]:
    in_scope = {"in_scope": "yes", "out_of_scope": "no"}.get(item.entitlement)
    return {"in_scope": in_scope, "outcome": Outcome.ACCEPTED if in_scope == "yes" else None}


def _may_set_solution(item: Requirement, user: Any) -> bool:
    """While accepted and nobody has signed the confirmation (its signatures cover the
    solution's words)."""
    if item.state != RequirementState.ACCEPTED:
        return False
    if not (
        user.has_perm("defects.confirm_solution") or user.has_perm("defects.evaluate_requirement")
    ):
        return False
    signed = getattr(item, "solution_signed_by", None)
    if signed is None:
        from servicedesk.core.selectors import signatures_for

        return not signatures_for(item, SOLUTION_FORM).exists()
    return not signed


REQUIREMENT_ACTIONS = ActionSet(
    Requirement,
    [
        Action(
            "start_evaluation",
            _("Start evaluating"),
            requirement_start_evaluation,
            icon="search",
            summary="Start evaluating",
        ),
        Action(
            "evaluate",
            _("Evaluate"),
            requirement_evaluate,
            form=forms.EvaluateForm,
            input_name="RequirementEvaluateInput",
            # From recorded (evaluation starts with it) or evaluating: one of the four
            # outcomes (docs/domain.md §requirement.evaluation).
            transitions=("start_evaluation", "accept", "quote", "offer_workaround", "decline"),
            icon="clipboard-data",
            primary=True,
            initial=_evaluate_initial,
            summary="Evaluate: accepted / quoted (effort × person-day rate) / workaround / "
            "declined",
            admin=False,  # many fields and rules: on the portal page
        ),
        Action(
            "agree",
            _("Customer agrees to pay"),
            requirement_agree,
            form=forms.AgreeForm,
            input_name="RequirementAgreeInput",
            icon="cash-coin",
            primary=True,
            initial=lambda r, u: {"amount": r.quote_amount},
            summary="Customer agrees to the price",
        ),
        Action(
            "refuse_quote",
            _("Customer refuses the price"),
            requirement_refuse_quote,
            form=forms.ExplanationForm,
            input_name="RequirementExplanationInput",
            icon="x-circle",
            summary="Customer refuses the price",
        ),
        Action(
            "solution",
            _("Agreed solution"),
            requirement_set_solution,
            form=forms.SolutionForm,
            permitted=_may_word_solutions,
            when=_may_set_solution,
            icon="pencil-square",
            initial=lambda r, u: {"solution": r.solution},
            help=_("Printed on the solution confirmation; fixed once signed."),
            summary="The agreed solution (before signing)",
            api_path="solution",
            input_name="RequirementSolutionInput",
            **OWN_PATH,
        ),
        Action(
            "confirm_solution",
            _("Confirm the solution"),
            requirement_confirm_solution,
            icon="patch-check",
            primary=True,
            help=_("Needs the signatures of the sales manager and the director."),
            sign_form=SOLUTION_FORM,
            summary="Solution confirmed (both signatures needed)",
        ),
        Action(
            "schedule",
            _("Schedule"),
            requirement_schedule,
            form=forms.ScheduleForm,
            input_name="RequirementScheduleInput",
            icon="calendar-check",
            primary=True,
            summary="Schedule the work",
        ),
        Action(
            "start_development",
            _("Start development"),
            requirement_start_development,
            icon="code-slash",
            primary=True,
            summary="Start",
        ),
        Action(
            "deliver",
            _("Deliver"),
            requirement_deliver,
            form=forms.DeliverForm,
            input_name="DefectRequiredNoteInput",
            icon="box-seam",
            primary=True,
            summary="Delivered",
        ),
        Action(
            "customer_accept",
            _("Customer accepts"),
            requirement_customer_accept,
            form=forms.CustomerAcceptForm,
            input_name="DefectRequiredNoteInput",
            icon="award",
            primary=True,
            summary="Customer accepts the delivery",
        ),
        Action(
            "escalate",
            _("Escalate to the region lead"),
            requirement_escalate,
            form=forms.EscalateForm,
            input_name="DefectEscalateInput",
            icon="person-up",
            help=_("When the people involved cannot agree."),
            summary="Escalate a disagreement to the region lead (as for defects)",
        ),
        Action(
            "tracker",
            _("External tracker"),
            requirement_set_tracker,
            form=forms.TrackerForm,
            permission="defects.change_requirement",
            icon="link-45deg",
            initial=lambda r, u: {"key": r.tracker_key, "url": r.tracker_url},
            summary="External tracker link",
            api_path="tracker",
            input_name="TrackerLinkInput",
            **OWN_PATH,
        ),
    ],
)
