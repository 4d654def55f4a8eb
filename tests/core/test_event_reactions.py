"""Other apps' reactions to a domain event run after the announcing change commits, each
in its own transaction, exactly once, retried when they fail (docs/architecture.md
§apps.events)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from servicedesk.core.models import DomainEvent
from servicedesk.core.services import event_record, event_subscribe
from servicedesk.core.services.events import _subscribers, event_react, event_reactions_retry
from servicedesk.core.tasks import event_reactions
from tests.testapp.models import Job

pytestmark = pytest.mark.django_db

KIND = "job.tested"


@pytest.fixture
def subscribed():
    calls = []

    def remember(event):
        calls.append((event.pk, Job.objects.get(pk=event.target_id).title))

    def also(event):
        calls.append(("also", event.pk))

    for handler in (remember, also):
        event_subscribe(KIND, handler)
    yield calls
    _subscribers.pop(KIND, None)


def test_a_reaction_runs_once_the_announcing_change_commits_not_inside_it(subscribed):
    with transaction.atomic():
        job = Job.objects.create(title="装机")
        event = event_record(kind=KIND, target=job)
        job.title = "装机（已改）"
        job.save()
        assert subscribed == []  # not inside the announcer's transaction
        assert DomainEvent.objects.get(pk=event.pk).reactions_done is False
    # it saw the committed change, not the state at announcing time
    assert subscribed == [(event.pk, "装机（已改）"), ("also", event.pk)]
    event.refresh_from_db()
    assert event.reactions_done and event.reactions_pending == []


def test_a_rolled_back_change_has_no_reaction(subscribed):
    with pytest.raises(RuntimeError), transaction.atomic():
        job = Job.objects.create(title="装机")
        event_record(kind=KIND, target=job)
        raise RuntimeError("the announcing service fails after announcing")
    assert subscribed == []
    assert not DomainEvent.objects.filter(kind=KIND).exists()


def test_a_failing_reaction_keeps_the_change_and_is_retried_until_it_runs(subscribed, caplog):
    broken = {"yes": True}

    def fragile(event):
        if broken["yes"]:
            raise ValueError("对方系统暂时不可用")
        subscribed.append(("fragile", event.pk))

    event_subscribe(KIND, fragile)
    with transaction.atomic():
        job = Job.objects.create(title="装机")
        event = event_record(kind=KIND, target=job)
    # the change committed, the healthy reactions ran, the failure is logged and kept
    assert Job.objects.filter(pk=job.pk).exists()
    assert ("also", event.pk) in subscribed
    event.refresh_from_db()
    assert event.reactions_pending == [f"{__name__}.{fragile.__qualname__}"]
    assert event.reaction_attempts == 1 and "对方系统暂时不可用" in event.reaction_error
    assert "failed" in caplog.text

    assert event_reactions_retry() == 0  # too fresh: left to the on-commit run
    DomainEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=2)
    )
    broken["yes"] = False
    assert event_reactions.run() == 1  # the beat task
    assert subscribed.count(("fragile", event.pk)) == 1
    assert subscribed.count(("also", event.pk)) == 1  # the others did not run again
    event.refresh_from_db()
    assert event.reactions_done


def test_each_reaction_runs_exactly_once_however_often_it_is_triggered(subscribed):
    with transaction.atomic():
        job = Job.objects.create(title="装机")
        event = event_record(kind=KIND, target=job)
    assert event_react(event.pk) == 0
    assert event_react(event.pk) == 0
    assert len(subscribed) == 2


def test_an_event_nobody_listens_to_is_done_at_once():
    job = Job.objects.create(title="装机")
    event = event_record(kind="job.unheard", target=job)
    assert event.reactions_done and event.reactions_pending == []


@pytest.mark.django_db(transaction=True)
def test_on_a_real_database_the_reaction_follows_the_commit(subscribed):
    """No test emulation: Django's on-commit hook of the real transaction."""
    with transaction.atomic():
        job = Job.objects.create(title="装机")
        event = event_record(kind=KIND, target=job)
        assert subscribed == []
    assert subscribed == [(event.pk, "装机"), ("also", event.pk)]


def test_a_loader_runs_the_reactions_about_a_record_at_once(subscribed):
    """event_reactions_run_now: a loader playing several steps in one transaction."""
    from servicedesk.core.services.events import event_reactions_run_now

    with transaction.atomic():
        job = Job.objects.create(title="装机")
        event = event_record(kind=KIND, target=job)
        other = event_record(kind=KIND, target=Job.objects.create(title="别的"))
        assert event_reactions_run_now(target=job) == 2
        assert subscribed == [(event.pk, "装机"), ("also", event.pk)]
    # after the commit only the other record's reactions run; none twice
    assert subscribed[2:] == [(other.pk, "别的"), ("also", other.pk)]
