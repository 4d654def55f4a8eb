"""Writes of the hotline. Import from here."""

from .tickets import (
    ticket_add_note,
    ticket_answer,
    ticket_call_back,
    ticket_close,
    ticket_commercial_decide,
    ticket_handover_to_manager,
    ticket_intake,
    ticket_mark_dispatched,
    ticket_mark_resolved,
    ticket_request_dispatch,
    ticket_scope_decide,
    ticket_shelve,
    ticket_special_plan_hand_over,
    ticket_special_plan_write,
    ticket_transfer,
)

__all__ = [
    "ticket_add_note",
    "ticket_answer",
    "ticket_call_back",
    "ticket_close",
    "ticket_commercial_decide",
    "ticket_handover_to_manager",
    "ticket_intake",
    "ticket_mark_dispatched",
    "ticket_mark_resolved",
    "ticket_request_dispatch",
    "ticket_scope_decide",
    "ticket_shelve",
    "ticket_special_plan_hand_over",
    "ticket_special_plan_write",
    "ticket_transfer",
]
