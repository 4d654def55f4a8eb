""" "Immediately" never breaches by itself (docs/domain.md §deadlines.immediate): a 0-minute
target met in the same action that started it is met, although the action took a few
milliseconds. Met in a later action it is late, as before. No frozen clock here: the
real one moves between the start and the meet."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import Escalation, Notification, SlaTimer
from servicedesk.core.services.timers import timer_meet, timer_start


def _subject(name: str) -> Group:
    group = Group.objects.create(name=name)
    group.sla_subject = "ticket"
    return group


def _start_immediate(subject: Group) -> SlaTimer:
    return timer_start(subject=subject, target="tell_at_once", amount=0, unit="minutes")


@pytest.mark.django_db
def test_a_fatal_defect_escalated_when_it_is_recorded_is_met(make_user):
    from tests.defects.factories import record_defect

    engineer = make_user(Role.FIELD_ENGINEER, username="fe_fatal")
    make_user(Role.REGION_LEAD, username="lead_fatal")
    make_user(Role.TECH_MANAGER, username="tm_fatal")
    defect = record_defect(engineer, severity="fatal")
    escalation = SlaTimer.objects.for_subject(defect).get(target="escalation")
    assert escalation.met_at > escalation.started_at  # the real clock moved on
    assert escalation.state == TimerState.MET
    assert escalation.breached_at is None
    assert not Escalation.objects.filter(timer=escalation).exists()
    assert not Notification.objects.filter(kind__startswith="sla_").exists()


@pytest.mark.django_db
def test_immediate_target_met_in_the_same_action_is_met():
    subject = _subject("immediate-same")
    with transaction.atomic():
        timer = _start_immediate(subject)
        assert timer.due_at == timer.started_at
        timer = timer_meet(subject=subject, target="tell_at_once")
    assert timer.state == TimerState.MET
    assert timer.met_at > timer.due_at
    assert not Escalation.objects.filter(timer=timer).exists()


@pytest.mark.django_db
def test_immediate_target_met_in_a_later_action_is_late():
    subject = _subject("immediate-later")
    with transaction.atomic():
        _start_immediate(subject)
    with transaction.atomic():
        timer = timer_meet(subject=subject, target="tell_at_once")
    assert timer.state == TimerState.BREACHED
    assert Escalation.objects.filter(timer=timer, kind="breach").count() == 1


@pytest.mark.django_db
def test_a_timer_with_time_allowed_is_not_excused_by_the_rule():
    """Only a 0-minute target: a deadline already past when started stays a breach."""
    import datetime as dt

    from django.utils import timezone

    subject = _subject("immediate-past")
    with transaction.atomic():
        timer_start(
            subject=subject,
            target="late_from_the_start",
            amount=1,
            unit="minutes",
            started_at=timezone.now() - dt.timedelta(minutes=5),
        )
        timer = timer_meet(subject=subject, target="late_from_the_start")
    assert timer.state == TimerState.BREACHED


@pytest.mark.django_db(transaction=True)
def test_committed_actions_on_a_real_transaction():
    """Without a test's wrapping transaction: the action is the outermost transaction."""
    subject = _subject("immediate-commit")
    with transaction.atomic():
        _start_immediate(subject)
        same = timer_meet(subject=subject, target="tell_at_once")
    assert same.state == TimerState.MET
    other = _subject("immediate-commit-2")
    with transaction.atomic():
        _start_immediate(other)
    with transaction.atomic():
        later = timer_meet(subject=other, target="tell_at_once")
    assert later.state == TimerState.BREACHED
