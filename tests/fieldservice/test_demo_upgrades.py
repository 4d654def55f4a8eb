"""The demo of issue 15 loads once and shows upgrades at their gates, restores and the
partners' statement of the month."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from fieldservice.models import Partner
from fieldservice.models.backups import BackupPolicy, RestoreRequest
from fieldservice.models.upgrades import Upgrade
from fieldservice.settlement import statements_month

pytestmark = pytest.mark.django_db


def test_demo_upgrades_restores_and_statements_once(django_user_model):
    call_command("demo")
    call_command("demo")
    assert sorted(Upgrade.objects.values_list("state", flat=True)) == [
        "backed_up",
        "planned",
        "reported",
    ]
    assert BackupPolicy.objects.count() == 1
    assert sorted(RestoreRequest.objects.values_list("state", flat=True)) == [
        "planned",
        "requested",
    ]
    manager = django_user_model.objects.get(username="zhengwei")
    today = timezone.localdate()
    statements = statements_month(manager, year=today.year, month=today.month)
    assert {s.partner.short_name for s in statements} == set(
        Partner.objects.values_list("short_name", flat=True)
    )
    xinda = next(s for s in statements if s.partner.short_name == "苏州信达")
    assert xinda.penalty_total == 300
    assert [(t.free_days, t.fee) for t in xinda.trainings] == [(5, 0)]  # the first: 5 days free
