"""Writes of the shared kernel. Import from here: ``from servicedesk.core.services import …``."""

from .events import event_record, event_subscribe
from .notifications import notification_mark_read, notifications_create, notifications_deliver
from .signatures import signature_record
from .transitions import transition_run

__all__ = [
    "event_record",
    "event_subscribe",
    "notification_mark_read",
    "notifications_create",
    "notifications_deliver",
    "signature_record",
    "transition_run",
]
