import pytest
from django.core.management import call_command

from projects.models import DailyLog, HandoverVersion, Project

pytestmark = pytest.mark.django_db


def test_demo_has_three_projects_in_different_states_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo")
    call_command("demo")
    states = sorted(Project.objects.values_list("state", flat=True))
    assert {"accepted", "in_progress", "paused"} <= set(states)
    assert len(states) == len(set(states)) or states.count("applied") > 1
    in_progress = Project.objects.get(state="in_progress")
    assert in_progress.contract is not None  # opened by the contracts demo's signing
    assert DailyLog.objects.filter(state="confirmed").count() == 4
    assert in_progress.person_days() == 4
    assert HandoverVersion.objects.count() == 1
