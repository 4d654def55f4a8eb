"""What people do to contracts, first visits and revisits, declared once
(docs/architecture.md §action-layer).

The portal's action panels, the admin's buttons and the API's ``…/transitions/<name>/``
endpoints are all built from these declarations; the services stay the authority.
Not here, because they change a record's data rather than its state and have pages and
endpoints of their own: a first visit's field-by-field verification, its needs and their
routing (``contracts/views/visits.py``), document uploads (``contracts/views/customers.py``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import selectors
from .api.serializers import RenewalDecisionSerializer
from .forms import NotRenewedForm, RenewForm, TerminateForm
from .forms_visits import RevisitRecordForm
from .models import Contract, FirstVisit, Revisit
from .services import contract_not_renewed, contract_renew, contract_sign, contract_terminate
from .services.contracts import not_renewed_blocker, renewal_notice_text
from .services.visits import first_visit_complete, first_visit_start, revisit_record

# -- contracts (docs/domain.md §contract) ------------------------------------------------------


def _last_day(contract: Contract) -> Any:
    return max((p.ends_on for p in contract.periods.all()), default=None)


def _renew_initial(contract: Contract, user: Any) -> dict[str, Any]:
    return selectors.renewal_suggestion(last_day=_last_day(contract), today=timezone.localdate())


def _renew_form_kwargs(contract: Contract, user: Any) -> dict[str, Any]:
    # The amount paid is for management and sales only (docs/domain.md §contract).
    return {"with_amount": user is None or user.has_perm("contracts.view_full_copy")}


def _not_renewed_open(contract: Contract, user: Any) -> bool:
    """docs/domain.md §contract.period-end: in service or expired, in the period's last 30
    days or after it, and recorded once."""
    blocker = not_renewed_blocker(
        contract, last_day=_last_day(contract), today=timezone.localdate()
    )
    return blocker is None


def _not_renewed_initial(contract: Contract, user: Any) -> dict[str, Any]:
    last = _last_day(contract)
    contact = contract.customer.contacts.order_by("-is_primary", "pk").first()
    return {
        "channel": "letter",
        "contact": contact.pk if contact else None,
        "notice_text": renewal_notice_text(contract, last) if last else "",
    }


CONTRACT_ACTIONS = ActionSet(
    Contract,
    [
        Action(
            "sign",
            _("Sign the contract"),
            contract_sign,
            icon="pen",
            primary=True,
            help=_("Signing creates the first visit and files the contract copies."),
            summary="Sign the contract",
            # The service names what is missing, field by field (400), as it always did.
            service_explains=True,
        ),
        Action(
            "renew",
            _("Renew"),
            contract_renew,
            form=RenewForm,
            icon="arrow-repeat",
            primary=True,
            help=_("Renew: add a paid service period"),
            initial=_renew_initial,
            form_kwargs=_renew_form_kwargs,
            summary="Renew: add a paid period",
            input_name="RenewInput",
        ),
        Action(
            "not_renewed",
            _("Not renewed"),
            contract_not_renewed,
            form=NotRenewedForm,
            transitions=(),
            permission="contracts.renew_contract",
            when=_not_renewed_open,
            icon="calendar-x",
            help=_(
                "The company heads are told; the customer is told what happens to later "
                "requests, by a printed letter or an e-mail to the contact."
            ),
            initial=_not_renewed_initial,
            form_kwargs=lambda contract, user: {"contract": contract},
            # At the contract's path ``not-renewed/``, answering with the decision it
            # recorded (201); not a state transition.
            summary="Not renewed: record it, tell the company heads and the customer",
            api_path="not-renewed",
            api_result=RenewalDecisionSerializer,
            input_name="NotRenewedInput",
            listed=False,
        ),
        Action(
            "terminate",
            _("Terminate"),
            contract_terminate,
            form=TerminateForm,
            icon="x-octagon",
            confirm=_("Terminate the contract? Its service ends now."),
            summary="Terminate",
            input_name="TerminateInput",
        ),
    ],
)

# -- first visits (docs/domain.md §first-visit) ------------------------------------------------

FIRST_VISIT_ACTIONS = ActionSet(
    FirstVisit,
    [
        Action(
            "start",
            _("Start first visit"),
            first_visit_start,
            icon="telephone-outbound",
            primary=True,
            summary="Start the first visit",
        ),
        Action(
            "complete",
            _("Complete first visit"),
            first_visit_complete,
            icon="check2-circle",
            primary=True,
            help=_("Verify every field first"),
            summary="Complete: every field verified; unrouted needs are routed now",
        ),
    ],
)

# -- revisits (docs/domain.md §revisit) --------------------------------------------------------

REVISIT_ACTIONS = ActionSet(
    Revisit,
    [
        Action(
            "record",
            _("Record the call"),
            revisit_record,
            form=RevisitRecordForm,
            icon="journal-text",
            primary=True,
            summary="Record the revisit call",
            input_name="RecordInput",
            # The portal's revisit page lays this form out for a phone call
            # (contracts/partials/visit_revisit_form.html).
        ),
    ],
)
