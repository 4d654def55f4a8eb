"""The ticket's actions, each declared once (docs/architecture.md §action-layer).

The portal's ticket page, the admin's buttons and the API's ``…/transitions/<name>/``
endpoints are all built from :data:`TICKET_ACTIONS`: one name, label, form, service and
availability per action.

Names the portal and the API spell differently stay as they were (docs/api.md keeps its
transition names, the portal its URLs): the portal decides the scope and the charge with
one form each (``scope``, ``commercial``) where the admin and the API have one action per
ruling (``confirm_in_scope``, ``agree_charge``…), and it writes and hands over the special
arrangement as ``special_plan`` and ``hand_over_plan``. Those pairs share their service;
the flags ``portal``/``admin``/``api`` say which channel serves which name. Actions the API
offers at endpoints of their own (``transfer/``, ``notes/``, ``handover_to_manager/``,
``disclose_password/``, ``publish/``) are portal-only here.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet
from servicedesk.core.forms import CustomerAnswerForm, CustomerWaitForm
from servicedesk.core.selectors import customer_wait_open

from .api.serializers import DisclosureSerializer, KnowledgeArticleSerializer, TicketNoteSerializer
from .choices import CommercialDecision, ScopeDecision, TicketState
from .forms import (
    AgreeChargeForm,
    AnswerForm,
    ArchiveForm,
    CallBackForm,
    CommercialDecisionForm,
    DeclineForm,
    DiscloseForm,
    HandoverForm,
    NoteForm,
    OptionalNoteForm,
    PublishForm,
    RequestDispatchForm,
    ReviewNoteForm,
    ScopeDecisionForm,
    SendBackForm,
    ShelveForm,
    SpecialPlanForm,
    SpecialPlanHandOverForm,
    TransferForm,
)
from .models import SPECIAL_PLAN_FORM, KnowledgeArticle, Ticket
from .services import (
    ticket_add_note,
    ticket_answer,
    ticket_call_back,
    ticket_close,
    ticket_commercial_decide,
    ticket_handover_to_manager,
    ticket_request_dispatch,
    ticket_scope_decide,
    ticket_shelve,
    ticket_special_plan_hand_over,
    ticket_special_plan_write,
    ticket_transfer,
)
from .services.disclosure import password_disclose
from .services.knowledge import (
    article_archive,
    article_draft_from_ticket,
    article_publish,
    article_revise,
    article_send_back,
    article_submit,
)
from .services.waits import ticket_customer_answered, ticket_wait_for_customer

PORTAL = {"admin": False, "api": False}
ADMIN_AND_API = {"portal": False}
OWN_PATH = {"admin": False, "listed": False}


def _scope(ticket: Ticket, *, by: Any, decision: str, note: str) -> Ticket:
    return ticket_scope_decide(
        ticket, by=by, in_scope=decision == ScopeDecision.IN_SCOPE, note=note
    )


def _disclose(ticket: Ticket, *, by: Any, contact: Any, what: str) -> Any:
    return password_disclose(ticket=ticket, contact=contact, what=what, by=by)


def _open(ticket: Ticket, user: Any) -> bool:
    return ticket.state != TicketState.CLOSED


def _may_disclose(ticket: Ticket, user: Any) -> bool:
    return bool(ticket.customer_id) and ticket.state != TicketState.CLOSED


def _may_publish(ticket: Ticket, user: Any) -> bool:
    return (
        ticket.state in (TicketState.ANSWERED, TicketState.CLOSED) and not ticket.articles.exists()
    )


def _may_wait(ticket: Ticket, user: Any) -> bool:
    return ticket.state in Ticket.customer_wait_states and customer_wait_open(ticket) is None


def _waits(ticket: Ticket, user: Any) -> bool:
    return customer_wait_open(ticket) is not None


def _resolution(ticket: Ticket, user: Any) -> dict[str, str]:
    return {
        "problem": ticket.problem or ticket.description,
        "cause": ticket.cause,
        "solution": ticket.solution,
        "steps": ticket.steps,
        "precautions": ticket.precautions,
    }


def _for_ticket(ticket: Ticket, user: Any) -> dict[str, Any]:
    return {"ticket": ticket}


TICKET_ACTIONS = ActionSet(
    Ticket,
    [
        Action(
            "answer",
            _("Answer"),
            ticket_answer,
            form=AnswerForm,
            icon="check2-circle",
            primary=True,
            initial=_resolution,
            summary="Answered on the phone",
            input_name="AnswerInput",
        ),
        Action(
            "shelve",
            _("Shelve"),
            ticket_shelve,
            form=ShelveForm,
            icon="pause-circle",
            summary="Shelve: call back within 1 h, reply within 3 h",
            input_name="ShelveInput",
        ),
        Action(
            "call_back",
            _("Call back"),
            ticket_call_back,
            form=CallBackForm,
            icon="telephone-outbound",
            primary=True,
            summary="Called the customer back",
            input_name="CallBackInput",
        ),
        Action(
            "request_dispatch",
            _("Request on-site visit"),
            ticket_request_dispatch,
            form=RequestDispatchForm,
            icon="truck",
            summary="Request an on-site dispatch",
            input_name="RequestDispatchInput",
        ),
        # The scope ruling: one form on the portal, one action per ruling elsewhere.
        Action(
            "scope",
            _("Decide scope"),
            _scope,
            form=ScopeDecisionForm,
            transitions=("confirm_in_scope", "confirm_out_of_scope"),
            icon="question-circle",
            primary=True,
            **PORTAL,
        ),
        Action(
            "confirm_in_scope",
            _("In scope…"),
            partial(ticket_scope_decide, in_scope=True),
            form=OptionalNoteForm,
            summary="Arbiter: in scope",
            input_name="NoteInput",  # the published name of an optional note
            **ADMIN_AND_API,
        ),
        Action(
            "confirm_out_of_scope",
            _("Out of scope…"),
            partial(ticket_scope_decide, in_scope=False),
            form=OptionalNoteForm,
            summary="Arbiter: out of scope (to the sales manager)",
            input_name="NoteInput",  # the published name of an optional note
            **ADMIN_AND_API,
        ),
        # The commercial decision: likewise.
        Action(
            "commercial",
            _("Commercial decision"),
            ticket_commercial_decide,
            form=CommercialDecisionForm,
            transitions=("agree_charge", "waive_charge", "decline"),
            icon="cash-coin",
            primary=True,
            initial=lambda ticket, user: {"decision": CommercialDecision.CHARGE_AGREED},
            panel_template="tickets/partials/action_commercial.html",
            **PORTAL,
        ),
        Action(
            "agree_charge",
            _("Charge agreed…"),
            partial(ticket_commercial_decide, decision=CommercialDecision.CHARGE_AGREED),
            form=AgreeChargeForm,
            summary="Sales: charge agreed with the customer",
            input_name="AgreeChargeInput",
            **ADMIN_AND_API,
        ),
        Action(
            "waive_charge",
            _("Waive the charge…"),
            partial(ticket_commercial_decide, decision=CommercialDecision.WAIVED),
            form=OptionalNoteForm,
            summary="Sales: charge waived",
            input_name="NoteInput",  # the published name of an optional note
            **ADMIN_AND_API,
        ),
        Action(
            "decline",
            _("Customer declined…"),
            partial(ticket_commercial_decide, decision=CommercialDecision.DECLINED),
            form=DeclineForm,
            summary="Sales: the customer declined",
            input_name="DeclineInput",
            **ADMIN_AND_API,
        ),
        # The special arrangement: the portal's names, then the admin's and the API's.
        Action(
            "special_plan",
            _("Special arrangement"),
            ticket_special_plan_write,
            form=SpecialPlanForm,
            transitions=("write_special_plan",),
            icon="file-earmark-text",
            initial=lambda ticket, user: {"plan": ticket.special_plan},
            **PORTAL,
        ),
        Action(
            "write_special_plan",
            _("Special arrangement"),
            ticket_special_plan_write,
            form=SpecialPlanForm,
            initial=lambda ticket, user: {"plan": ticket.special_plan},
            summary="Sales: write the special arrangement (then signed on its form)",
            input_name="SpecialPlanInput",
            **ADMIN_AND_API,
        ),
        Action(
            "hand_over_plan",
            _("Hand the signed arrangement to the service owner"),
            ticket_special_plan_hand_over,
            form=SpecialPlanHandOverForm,
            transitions=("hand_over_special_plan",),
            icon="send-check",
            primary=True,
            # Only once a special arrangement is written: most negotiations need none.
            when=lambda ticket, user: bool(ticket.special_plan),
            sign_form=SPECIAL_PLAN_FORM,
            **PORTAL,
        ),
        Action(
            "hand_over_special_plan",
            _("Hand the signed arrangement to the service owner"),
            ticket_special_plan_hand_over,
            form=SpecialPlanHandOverForm,
            summary="Sales: hand the signed special arrangement to the service owner",
            input_name="SpecialPlanHandOverInput",
            **ADMIN_AND_API,
        ),
        Action(
            "close",
            _("Close"),
            ticket_close,
            icon="archive",
            primary=True,
            help=_(
                "The problem, cause, solution and steps recorded above go on the hotline record."
            ),
            summary="Close (problem, cause, solution, steps)",
        ),
        # Not transitions: the API serves these at paths of their own (docs/api.md), never
        # listed among the available transitions.
        Action(
            "transfer",
            _("Transfer"),
            ticket_transfer,
            form=TransferForm,
            permission="tickets.work_ticket",
            when=_open,
            icon="arrow-left-right",
            form_kwargs=_for_ticket,
            summary="Transfer",
            help=_("Hand the work to another engineer; the first-contact owner stays."),
            api_path="transfer",
            input_name="TransferInput",
            **OWN_PATH,
        ),
        Action(
            "handover",
            _("Hand over to the service manager"),
            ticket_handover_to_manager,
            form=HandoverForm,
            permission="tickets.work_ticket",
            when=_open,
            icon="person-up",
            summary="Unresolved at the end of the day: hand to the service manager",
            api_path="handover_to_manager",
            input_name="NoteInput",
            **OWN_PATH,
        ),
        Action(
            "disclose",
            _("Disclose a password"),
            _disclose,
            form=DiscloseForm,
            permission="tickets.disclose_password",
            when=_may_disclose,
            icon="key",
            form_kwargs=_for_ticket,
            panel_template="tickets/partials/action_disclose.html",
            summary="Record an account/report password disclosed to an authorised contact",
            api_path="disclose_password",
            api_result=DisclosureSerializer,
            input_name="DisclosureInput",
            **OWN_PATH,
        ),
        Action(
            "publish",
            _("Write a knowledge article"),
            article_draft_from_ticket,
            form=PublishForm,
            permission="tickets.add_knowledgearticle",
            when=_may_publish,
            icon="journal-plus",
            summary="A draft knowledge article from the answer, linked to the ticket",
            api_path="publish",
            api_result=KnowledgeArticleSerializer,
            input_name="PublishInput",
            **OWN_PATH,
        ),
        # The customer wait: at transitions/<name>/ on the API, never listed among its
        # available transitions (it does not change the state).
        Action(
            "wait_for_customer",
            _("Wait for the customer"),
            ticket_wait_for_customer,
            form=CustomerWaitForm,
            input_name="CustomerWaitInput",  # one body for every app's customer wait
            permission="tickets.work_ticket",
            when=_may_wait,
            icon="hourglass-split",
            summary="Wait for the customer: the promises to the customer pause",
            admin=False,
            listed=False,
        ),
        Action(
            "customer_answered",
            _("The customer answered"),
            ticket_customer_answered,
            form=CustomerAnswerForm,
            input_name="CustomerAnswerInput",
            permission="tickets.work_ticket",
            when=_waits,
            icon="reply",
            primary=True,
            summary="The customer answered: the paused promises resume",
            admin=False,
            listed=False,
        ),
        Action(
            "note",
            _("Add note"),
            ticket_add_note,
            form=NoteForm,
            permission="tickets.add_ticketnote",
            icon="sticky",
            summary="Add a note",
            api_path="notes",  # the POST of GET notes/
            api_result=TicketNoteSerializer,
            input_name="TicketNoteInput",
            **OWN_PATH,
        ),
    ],
)


#: The knowledge article's review (docs/domain.md §hotline.knowledge): portal, admin and
#: API (…/knowledge-articles/<id>/transitions/<name>/) from this one declaration.
ARTICLE_ACTIONS = ActionSet(
    KnowledgeArticle,
    [
        Action(
            "submit",
            _("Submit for review"),
            article_submit,
            icon="send",
            primary=True,
            summary="Submit the draft for review",
        ),
        Action(
            "publish",
            _("Publish"),
            article_publish,
            form=ReviewNoteForm,
            icon="check2-circle",
            primary=True,
            summary="Publish the reviewed article: suggested at intake from now on",
            input_name="ArticlePublishInput",
        ),
        Action(
            "send_back",
            _("Send back to the author"),
            article_send_back,
            form=SendBackForm,
            icon="arrow-return-left",
            summary="Send the article back to draft with what should change",
            input_name="ArticleSendBackInput",
        ),
        Action(
            "archive",
            _("Archive"),
            article_archive,
            form=ArchiveForm,
            icon="archive",
            confirm=_("The article will no longer be suggested at intake."),
            summary="Archive a published article (no longer suggested)",
            input_name="ArticleArchiveInput",
        ),
        Action(
            "revise",
            _("Revise"),
            article_revise,
            icon="pencil",
            summary="Take an archived article back to draft",
        ),
    ],
)
