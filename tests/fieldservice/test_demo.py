import pytest
from django.core.management import call_command

from fieldservice.models import Dispatch, Engineer

pytestmark = pytest.mark.django_db


def test_demo_dispatches_in_several_states_once():
    call_command("demo")
    call_command("demo")
    # Routine inspections, the installation and the goods inspection: test below.
    dispatches = Dispatch.objects.exclude(source="schedule").exclude(
        kind__in=["installation", "goods_inspection"]
    )
    states = sorted(dispatches.values_list("state", flat=True))
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
    ticket_dispatch = dispatches.get(state="requested")
    assert ticket_dispatch.ticket is not None  # the hotline demo's on-site request
    completed = dispatches.get(state="completed")
    assert completed.customer_signature_id and completed.leads.exists()


def test_demo_inspections_installation_and_goods_inspection_once():
    from contracts.models import Asset
    from fieldservice.models import GoodsInspection, Installation
    from fieldservice.models.inspections import Inspection, InspectionSchedule

    call_command("demo")
    call_command("demo")
    assert InspectionSchedule.objects.count() == 3
    assert Inspection.objects.count() == 3  # one each within the next two weeks, made once
    assert Installation.objects.count() == 1 and GoodsInspection.objects.count() == 1
    assert Asset.objects.exclude(installation_number="").count() == 2
