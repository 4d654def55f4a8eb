"""A defect waiting for the customer (information, a test, access to the system): its
promises to the customer (fix, resolve) are paused until the customer answers; the
internal steps (report, verify) keep running (docs/domain.md §deadlines.pause)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotPermitted, TransitionConflict, raise_field_errors
from servicedesk.core.services.transitions import lock
from servicedesk.core.services.waits import customer_wait_end, customer_wait_start

from ..models import Defect

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _may(by: User) -> None:
    if not by.has_perm("defects.work_defect"):
        raise NotPermitted(_("You may not perform this action."))


def _check(defect: Defect) -> None:
    if defect.state not in Defect.customer_wait_states:
        raise TransitionConflict(
            _("A defect that is %(state)s does not wait for the customer.")
            % {"state": defect.get_state_display()}
        )


def defect_wait_for_customer(defect: Defect, *, by: User, reason: str, note: str) -> Defect:
    """The customer was asked for something: pause the defect's promises meanwhile."""
    _may(by)
    with transaction.atomic():
        defect = lock(defect)
        _check(defect)
        customer_wait_start(subject=defect, by=by, reason=reason, note=note)
    return defect


def defect_customer_answered(defect: Defect, *, by: User, answer: str) -> Defect:
    """The customer answered: the paused promises resume, moved by the time waited."""
    _may(by)
    raise_field_errors(
        {} if (answer or "").strip() else {"answer": [_("What did the customer answer?")]}
    )
    with transaction.atomic():
        defect = lock(defect)
        _check(defect)
        if customer_wait_end(subject=defect, by=by, answer=answer) is None:
            raise TransitionConflict(_("The defect does not wait for the customer."))
    return defect
