import pytest
from django.core.management import call_command

from contracts.choices import ContractState
from contracts.models import Contract, Customer
from servicedesk.core.models import StaffProfile

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_believable():
    call_command("demo")
    call_command("demo")
    assert StaffProfile.objects.count() == 16
    assert Customer.objects.count() == 4
    states = sorted(Contract.objects.values_list("state", flat=True))
    assert states.count(ContractState.IN_SERVICE) == 3
    assert states.count(ContractState.EXPIRED) == 1
    assert all(c.first_visit for c in Contract.objects.all())
