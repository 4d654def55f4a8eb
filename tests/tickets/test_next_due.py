"""The ticket keeps its nearest running deadline on its row (``next_due_at``), set by the
database's triggers on the timers (servicedesk/core/next_due.py; docs/architecture.md
§boards.kept): whoever writes the timers — the services, the sweep's set-based UPDATE, a
bulk insert, a delete — the value is the one the timers give, ``save()`` never writes a
stale one back, and the repair sets right what the triggers were made to skip."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from servicedesk.core.choices import TimerState, TimeUnit
from servicedesk.core.models import SlaTimer
from servicedesk.core.next_due import next_due_repair
from servicedesk.core.selectors import next_due
from servicedesk.core.services.timers import (
    sla_sweep,
    timer_cancel,
    timer_meet,
    timer_pause,
    timer_resume,
    timer_start,
)
from tests.tickets.test_portal_tickets import intake
from tests.tickets.test_query_budget import customer, hotline  # noqa: F401 (fixtures)
from tickets.models import Ticket
from tickets.services import ticket_shelve


def _kept() -> dict[int, tuple]:
    """Each ticket's kept value beside the one its timers give."""
    rows = Ticket.objects.annotate(from_timers=next_due(Ticket)).values_list(
        "pk", "next_due_at", "from_timers"
    )
    return {pk: (kept, wanted) for pk, kept, wanted in rows}


def assert_kept() -> None:
    wrong = {pk: pair for pk, pair in _kept().items() if pair[0] != pair[1]}
    assert not wrong, wrong


def _start(ticket: Ticket, target: str, hours: float) -> SlaTimer:
    now = timezone.now()
    timer = timer_start(
        subject=ticket,
        target=target,
        amount=1,
        unit=TimeUnit.HOURS,
        started_at=now,
        due_at=now + dt.timedelta(hours=hours),
    )
    assert timer is not None
    return timer


@pytest.mark.django_db
def test_every_writer_of_the_timers_keeps_the_ticket_s_deadline(hotline, customer):  # noqa: F811
    first, second = intake(hotline, customer), intake(hotline, customer)
    assert first.pk in _kept() and _kept()[first.pk][0] is not None  # the intake's deadline
    assert_kept()
    _start(first, "extra_near", 0.1)  # nearer than the intake's: it becomes the value
    assert _kept()[first.pk][0] == SlaTimer.objects.get(target="extra_near").due_at
    assert_kept()
    timer_pause(subject=first, target="extra_near")
    assert_kept()
    timer_resume(subject=first, target="extra_near")
    assert_kept()
    timer_meet(subject=first, target="extra_near")
    assert_kept()
    ticket_shelve(second, by=hotline, reason="请教")  # pauses and starts the call-backs
    assert_kept()
    timer_cancel(subject=second, target="callback")
    assert_kept()
    # The sweep's set-based UPDATE: a deadline passes and is breached.
    missed = _start(second, "extra_missed", 0.2)
    SlaTimer.objects.filter(pk=missed.pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=1),
        next_check_at=timezone.now() - dt.timedelta(minutes=1),
    )
    assert _kept()[second.pk][0] == SlaTimer.objects.get(pk=missed.pk).due_at
    assert sla_sweep().breached >= 1
    assert SlaTimer.objects.get(pk=missed.pk).state == TimerState.BREACHED
    assert_kept()
    # A bulk insert and a delete.
    near = SlaTimer.objects.get(pk=missed.pk)
    near.pk, near.target, near.state = None, "extra_bulk", TimerState.RUNNING
    near.due_at = timezone.now() + dt.timedelta(minutes=5)
    SlaTimer.objects.bulk_create([near])
    assert _kept()[second.pk][0] == near.due_at
    SlaTimer.objects.filter(target="extra_bulk").delete()
    assert_kept()
    # Every deadline of a ticket done: no value.
    SlaTimer.objects.filter(subject_id=first.pk, state=TimerState.RUNNING).update(
        state=TimerState.CANCELLED
    )
    assert _kept()[first.pk] == (None, None)


@pytest.mark.django_db
def test_save_never_writes_a_stale_deadline_back(hotline, customer):  # noqa: F811
    ticket = intake(hotline, customer)
    loaded = Ticket.objects.get(pk=ticket.pk)
    nearer = _start(ticket, "extra_near", 0.1)
    loaded.product = "用友NC"
    loaded.save()  # a full save of an instance loaded before the new deadline
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.product == "用友NC"
    assert fresh.next_due_at == nearer.due_at
    assert "next_due_at" not in {f.name for f in Ticket.history.model._meta.fields}


@pytest.mark.django_db
def test_the_repair_sets_right_what_the_triggers_did_not_see(hotline, customer):  # noqa: F811
    ticket, other = intake(hotline, customer), intake(hotline, customer)
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=timezone.now())  # wrong
    Ticket.objects.filter(pk=other.pk).update(next_due_at=None)  # wrong too
    assert next_due_repair({}) == 0  # nothing named
    assert next_due_repair() == 2
    assert_kept()
    assert next_due_repair() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_a_ticket_someone_holds_then_sets_it_right(
    hotline,  # noqa: F811
    customer,  # noqa: F811
):
    """A user's action holds its ticket while the sweep breaches one of its deadlines: the
    sweep's batch does not wait for the ticket (a service locks the ticket, then its
    timers; waiting would let the two wait for each other), and the ticket's value is set
    right once the action ends."""
    ticket = intake(hotline, customer)
    missed = _start(ticket, "extra_missed", 0.2)
    past = timezone.now() - dt.timedelta(minutes=1)
    SlaTimer.objects.filter(pk=missed.pk).update(due_at=past, next_check_at=past)
    held, release, swept = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=ticket.pk)
                held.set()
                release.wait(60)
        except BaseException as error:
            errors.append(error)
        finally:
            held.set()
            connection.close()

    def sweep() -> None:
        try:
            sla_sweep()
        except BaseException as error:
            errors.append(error)
        finally:
            swept.set()
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    # The batch commits while the ticket is held: the breach is visible at once.
    for _i in range(300):
        if SlaTimer.objects.get(pk=missed.pk).state == TimerState.BREACHED:
            break
        threading.Event().wait(0.1)
    assert SlaTimer.objects.get(pk=missed.pk).state == TimerState.BREACHED
    assert Ticket.objects.get(pk=ticket.pk).next_due_at == past  # skipped: still held
    release.set()
    holder.join(30)
    assert swept.wait(30)
    sweeper.join(30)
    assert not errors, errors
    assert_kept()
