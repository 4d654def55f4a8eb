"""Self-transitions (X → X) are real locks (issue 10 item 6): the state check passes
twice, so ``transition_run`` compares, under the row lock, the fields the transition
writes with what the caller loaded (or what it says it acted on) and refuses with a 409
instead of letting the last write win."""

import threading

import pytest
from django.db import connections

from servicedesk.core.exceptions import TransitionConflict
from servicedesk.core.services.transitions import is_self_transition
from tests.testapp.models import Job
from tests.testapp.services import job_hand_over, job_start

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def people(make_user):
    return make_user(username="a"), make_user(username="b"), make_user(username="c")


def test_self_transitions_are_recognised():
    job = Job(state=Job.State.STARTED)
    assert is_self_transition(job.hand_over, Job.State.STARTED)
    assert not is_self_transition(job.start, Job.State.NEW)
    assert not is_self_transition(job.finish, Job.State.STARTED)


def test_a_self_transition_from_a_stale_copy_is_refused(people):
    a, b, c = people
    job = job_start(Job.objects.create(title="巡检", owner=a), by=None)
    first = Job.objects.get(pk=job.pk)
    second = Job.objects.get(pk=job.pk)  # loaded before the first change
    job_hand_over(first, by=None, owner=b)
    with pytest.raises(TransitionConflict, match="owner"):
        job_hand_over(second, by=None, owner=c)
    job.refresh_from_db()
    assert job.owner == b
    assert job.history.filter(history_change_reason="hand_over").count() == 1


def test_the_value_the_user_acted_on_is_compared(people):
    a, b, c = people
    job = job_start(Job.objects.create(title="巡检", owner=a), by=None)
    job_hand_over(Job.objects.get(pk=job.pk), by=None, owner=b)
    # A fresh copy, but the page showed owner a: refused.
    with pytest.raises(TransitionConflict):
        job_hand_over(Job.objects.get(pk=job.pk), by=None, owner=c, expected={"owner": a})
    # The page showed b, which is still true: done.
    job = job_hand_over(Job.objects.get(pk=job.pk), by=None, owner=c, expected={"owner": b.pk})
    assert job.owner == c


def test_a_transition_that_changes_the_state_is_not_compared_by_field(people):
    a, b, _c = people
    job = Job.objects.create(title="巡检", owner=a)
    stale = Job.objects.get(pk=job.pk)
    Job.objects.filter(pk=job.pk).update(owner=b)  # an unrelated edit
    assert job_start(stale, by=None, note="到场").state == Job.State.STARTED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_self_transitions_at_once_one_wins(people):
    a, b, c = people
    job = job_start(Job.objects.create(title="并发", owner=a), by=None)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(owner):
        try:
            mine = Job.objects.get(pk=job.pk)
            barrier.wait(timeout=10)  # both read the job before either writes
            job_hand_over(mine, by=None, owner=owner)
            outcomes[owner.username] = "ok"
        except TransitionConflict:
            outcomes[owner.username] = "conflict"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(o,)) for o in (b, c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    winner = next(name for name, result in outcomes.items() if result == "ok")
    assert Job.objects.get(pk=job.pk).owner.username == winner
