"""A defect's self-transitions under concurrency (issue 10 item 6): a severity change
and an escalation keep the state, so the fields they write are compared under the row
lock; of two at once the second gets a conflict instead of overwriting the first."""

from __future__ import annotations

import pytest

from defects.models import Defect
from defects.services import defect_change_severity, defect_escalate
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import TransitionConflict
from servicedesk.core.models import DomainEvent, SlaTimer
from tests.defects.factories import record_defect
from tests.races import race as _race

pytestmark = [pytest.mark.django_db]


def test_a_severity_change_from_a_stale_copy_is_refused(engineer, region_lead):
    defect = record_defect(engineer, severity="general")
    stale = Defect.objects.get(pk=defect.pk)
    defect_change_severity(
        Defect.objects.get(pk=defect.pk), by=region_lead, severity="important", reason="影响月结"
    )
    with pytest.raises(TransitionConflict, match="severity"):
        defect_change_severity(stale, by=region_lead, severity="serious", reason="客户投诉")
    assert Defect.objects.get(pk=defect.pk).severity == "important"
    assert DomainEvent.objects.filter(kind="defect.change_severity").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_severity_changes_at_once_one_wins(make_user):
    engineer = make_user(Role.FIELD_ENGINEER)
    leads = [make_user(Role.REGION_LEAD), make_user(Role.REGION_LEAD)]
    defect = record_defect(engineer, severity="general")

    def change(user, severity):
        def call(barrier):
            mine = Defect.objects.get(pk=defect.pk)
            barrier.wait(timeout=10)
            defect_change_severity(mine, by=user, severity=severity, reason="重新评估")

        return call

    outcomes = _race(change(leads[0], "important"), change(leads[1], "serious"))
    assert sorted(outcomes) == ["conflict", "ok"]
    winner = "important" if outcomes[0] == "ok" else "serious"
    defect = Defect.objects.get(pk=defect.pk)
    assert defect.severity == winner
    assert DomainEvent.objects.filter(kind="defect.change_severity").count() == 1
    # The deadlines are the winner's only: one open timer per target.
    open_targets = list(
        SlaTimer.objects.for_subject(defect).open().values_list("target", flat=True)
    )
    assert len(open_targets) == len(set(open_targets))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_escalations_at_once_one_wins(make_user):
    engineer = make_user(Role.FIELD_ENGINEER)
    make_user(Role.REGION_LEAD)
    people = [make_user(Role.FIELD_ENGINEER), make_user(Role.FIELD_ENGINEER)]
    defect = record_defect(engineer, severity="general")

    def escalate(user, point):
        def call(barrier):
            mine = Defect.objects.get(pk=defect.pk)
            barrier.wait(timeout=10)
            defect_escalate(mine, by=user, point=point)

        return call

    outcomes = _race(escalate(people[0], "开发认为不是缺陷"), escalate(people[1], "客户坚持是缺陷"))
    assert sorted(outcomes) == ["conflict", "ok"]
    assert DomainEvent.objects.filter(kind="defect.escalate").count() == 1
    point = Defect.objects.get(pk=defect.pk).escalation_point
    assert point == ("开发认为不是缺陷" if outcomes[0] == "ok" else "客户坚持是缺陷")
