"""Self-changes of a ticket under concurrency (issue 10 item 6): a transfer compares the
assignee the user saw under the row lock (the loser gets a 409 / a message and its target
is not told the ticket is theirs); a call-back writes no field of the ticket, so two at
once are two real calls and both are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import TransitionConflict
from servicedesk.core.models import Notification
from tests.races import race as _race
from tests.tickets.factories import in_state, make_contract, take_call
from tickets.choices import TicketState
from tickets.models import Ticket, TicketNote
from tickets.services import ticket_call_back, ticket_transfer

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="lihua", last_name="李", first_name="华")


@pytest.fixture
def ticket(engineer, make_user):
    customer = make_contract(make_user(Role.SALES_MANAGER)).customer
    return take_call(engineer, customer)


def _told(user, ticket) -> bool:
    return Notification.objects.filter(
        recipient=user, kind="ticket_transfer", target_id=ticket.pk
    ).exists()


def test_a_transfer_from_a_stale_copy_is_refused(ticket, engineer, make_user):
    second = make_user(Role.HOTLINE_ENGINEER)
    third = make_user(Role.HOTLINE_ENGINEER)
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket_transfer(Ticket.objects.get(pk=ticket.pk), by=engineer, to=second)
    with pytest.raises(TransitionConflict):
        ticket_transfer(stale, by=engineer, to=third)
    assert Ticket.objects.get(pk=ticket.pk).assignee == second
    assert not _told(third, ticket)


def test_a_transfer_from_a_stale_page_shows_why(client, ticket, engineer, make_user):
    second = make_user(Role.HOTLINE_ENGINEER)
    third = make_user(Role.HOTLINE_ENGINEER)
    client.force_login(engineer)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert f'name="transfer-expected_assignee" value="{engineer.pk}"' in page
    ticket_transfer(Ticket.objects.get(pk=ticket.pk), by=engineer, to=second)  # meanwhile
    response = client.post(
        reverse("tickets:ticket-action", args=[ticket.pk, "transfer"]),
        {"transfer-to": third.pk, "transfer-note": "", "transfer-expected_assignee": engineer.pk},
    )
    assert response.status_code == 409
    assert "changed assignee meanwhile" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == second


def test_a_transfer_from_a_stale_api_client_is_409(ticket, engineer, make_user):
    second = make_user(Role.HOTLINE_ENGINEER)
    third = make_user(Role.HOTLINE_ENGINEER)
    ticket_transfer(Ticket.objects.get(pk=ticket.pk), by=engineer, to=second)
    api = APIClient()
    api.force_authenticate(engineer)
    url = f"/api/v1/tickets/{ticket.pk}/transfer/"
    r = api.post(url, {"to": third.pk, "expected_assignee": engineer.pk}, format="json")
    assert r.status_code == 409, r.content
    r = api.post(url, {"to": third.pk, "expected_assignee": second.pk}, format="json")
    assert r.status_code == 200, r.content
    assert Ticket.objects.get(pk=ticket.pk).assignee == third


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transfers_at_once_one_gets_409(ticket, engineer, make_user):
    targets = [make_user(Role.HOTLINE_ENGINEER), make_user(Role.SERVICE_MANAGER)]

    def transfer(to):
        def call(barrier):
            mine = Ticket.objects.get(pk=ticket.pk)
            barrier.wait(timeout=10)
            ticket_transfer(mine, by=engineer, to=to, note="转交")

        return call

    outcomes = _race(*(transfer(t) for t in targets))
    assert sorted(outcomes) == ["conflict", "ok"]
    winner, loser = (targets[0], targets[1]) if outcomes[0] == "ok" else (targets[1], targets[0])
    assert Ticket.objects.get(pk=ticket.pk).assignee == winner
    assert _told(winner, ticket) and not _told(loser, ticket)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_call_backs_at_once_are_both_kept(ticket, engineer, make_user):
    """``shelved → shelved`` writes no field of the ticket: each call-back is a call that
    happened, recorded as a note; neither overwrites the other."""
    colleague = make_user(Role.HOTLINE_ENGINEER)
    in_state(ticket, TicketState.SHELVED)

    def call_back(user, note):
        def call(barrier):
            mine = Ticket.objects.get(pk=ticket.pk)
            barrier.wait(timeout=10)
            ticket_call_back(mine, by=user, note=note)

        return call

    outcomes = _race(call_back(engineer, "已告知进度"), call_back(colleague, "已回电"))
    assert outcomes == ["ok", "ok"]
    notes = set(TicketNote.objects.filter(ticket=ticket).values_list("text", flat=True))
    assert {"已告知进度", "已回电"} <= notes
