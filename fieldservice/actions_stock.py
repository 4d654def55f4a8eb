"""What users can do to spare-part loans and faulty parts, declared once
(servicedesk/core/actions.py; docs/architecture.md §action-layer): the loan and repair
pages' panels, the admin's buttons and the API's ``…/transitions/<name>/``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.actions import Action, ActionSet

from . import forms_stock as f
from .models.stock import FaultyPart, PartLoan
from .services import stock as s

LOAN_ACTIONS = ActionSet(
    PartLoan,
    [
        Action(
            "approve",
            _("Approve"),
            s.loan_approve,
            form=f.LoanApproveForm,
            transitions=("approve", "complete_paperwork"),
            # Once approved there is nothing left to approve: not offered at all.
            when=lambda loan, user: loan.approved_at is None,
            icon="check2-circle",
            primary=True,
            help=_(
                "A requested loan leaves the warehouse now; an emergency loan gets its paperwork."
            ),
        ),
        Action(
            "refuse",
            _("Refuse"),
            s.loan_refuse,
            form=f.LoanRefuseForm,
            icon="x-circle",
        ),
        Action(
            "give_back",
            _("Returned by the customer"),
            s.loan_return,
            form=f.LoanReturnForm,
            icon="box-arrow-in-down",
            primary=True,
            help=_("Tested, then back into a warehouse."),
        ),
        Action(
            "sell",
            _("Convert to a sale"),
            s.loan_sell,
            form=f.LoanSellForm,
            icon="cash-coin",
        ),
    ],
)

REPAIR_ACTIONS = ActionSet(
    FaultyPart,
    [
        Action(
            "send",
            _("Send for repair"),
            s.faulty_send,
            form=f.FaultySendForm,
            icon="truck",
            primary=True,
        ),
        Action(
            "restock",
            _("Back in stock (tested)"),
            s.faulty_restock,
            form=f.FaultyRestockForm,
            icon="box-arrow-in-down",
            primary=True,
            help=_("Repaired, or found good: tested, then into a warehouse."),
        ),
        Action(
            "write_off",
            _("Scrap"),
            s.faulty_write_off,
            form=f.FaultyWriteOffForm,
            icon="trash",
        ),
    ],
)
