import pytest
from django.core.management import call_command

from fieldservice.models import Dispatch, Engineer

pytestmark = pytest.mark.django_db


def test_demo_dispatches_in_several_states_once():
    call_command("demo")
    call_command("demo")
    states = sorted(Dispatch.objects.values_list("state", flat=True))
    assert states == sorted(
        [
            "requested",
            "verified",
            "assigned",
            "scheduled",
            "completed",
            "written_off",
            "written_off",
        ]
    )
    assert Engineer.objects.filter(partner__isnull=False).count() == 1
    ticket_dispatch = Dispatch.objects.get(state="requested")
    assert ticket_dispatch.ticket is not None  # the hotline demo's on-site request
    completed = Dispatch.objects.get(state="completed")
    assert completed.customer_signature_id and completed.leads.exists()
