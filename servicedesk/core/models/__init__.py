from .calendar import CalendarException, WorkCalendar
from .events import DomainEvent
from .lists import SavedFilter
from .notifications import Notification
from .operations import Heartbeat
from .signatures import Signature
from .sla import Escalation, SlaPolicy, SlaTimer
from .staff import StaffProfile
from .waits import CustomerWait

__all__ = [
    "CalendarException",
    "CustomerWait",
    "DomainEvent",
    "Escalation",
    "Heartbeat",
    "Notification",
    "SavedFilter",
    "Signature",
    "SlaPolicy",
    "SlaTimer",
    "StaffProfile",
    "WorkCalendar",
]

from .channels import (
    ChannelDelivery,
    ChannelKind,
    DeliveryState,
    MessageTemplate,
    NotificationChannel,
)

__all__ += [
    "ChannelDelivery",
    "ChannelKind",
    "DeliveryState",
    "MessageTemplate",
    "NotificationChannel",
]
from .links import (  # noqa: E402 - issue 17, appended
    CustomerLink,
    LinkOpen,
    LinkPurpose,
    LinkState,
    SurveyAnswer,
)

__all__ += ["CustomerLink", "LinkOpen", "LinkPurpose", "LinkState", "SurveyAnswer"]
