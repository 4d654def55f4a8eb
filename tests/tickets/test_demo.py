import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from servicedesk.core.models import SlaTimer
from tickets.choices import TicketState
from tickets.models import KnowledgeArticle, Ticket

pytestmark = pytest.mark.django_db


def test_demo_tickets_cover_a_normal_morning_once():
    call_command("demo")
    call_command("demo")
    states = sorted(Ticket.objects.values_list("state", flat=True))
    assert len(states) == 5
    for state in (
        TicketState.SHELVED,
        TicketState.DISPATCH_REQUESTED,
        TicketState.CLOSED,
        TicketState.COMMERCIAL_REVIEW,
        TicketState.NEW,
    ):
        assert state in states
    shelved = Ticket.objects.get(state=TicketState.SHELVED)
    running = set(
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Ticket),
            subject_id=shelved.pk,
            state="running",
        ).values_list("target", flat=True)
    )
    assert {"callback", "reply"} <= running
    assert KnowledgeArticle.objects.filter(source_ticket__state=TicketState.CLOSED).count() == 1
