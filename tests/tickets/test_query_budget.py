"""Writes with few queries and pages that stay flat (issue 16 item 8; docs/architecture.md
§boards): creating a ticket from the intake form and from the API takes at most
``CREATE_QUERIES`` queries and one history row; the engineer's queue is paged; the
ticket page reads its history and events once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from tests.tickets.test_portal_tickets import intake, intake_post, make_contract, make_customer
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

#: queries to create a ticket through the API (the service's own: 12)
CREATE_QUERIES = 15
#: from the intake form too: the session, the user with their permissions (one query,
#: core.auth) and the customer picked come in place of the API's customer and permissions
FORM_QUERIES = 15


def _statements(ctx) -> list[str]:
    """The statements production runs. In the test's transaction the service's own
    ``atomic`` block is a savepoint (in production it is the transaction itself, whose
    BEGIN and COMMIT are not counted): that one pair is left out, and no other savepoint
    is allowed."""
    sqls = [q["sql"] for q in ctx.captured_queries]
    savepoints = [s for s in sqls if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(savepoints) <= 2, savepoints
    return [s for s in sqls if s not in savepoints]


@pytest.fixture
def hotline(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="wangjing", last_name="王", first_name="静")


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def customer(make_user):
    sales = make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军")
    customer = make_customer(sales, "苏州信达精密电子有限公司", short_name="信达电子")
    make_contract(sales, customer)
    return customer


def _warm(client, customer) -> None:
    """Per-process caches (content types, permissions, the calendar) filled by a first
    create, as in a running server."""
    client.post("/tickets/new/", intake_post(customer))


def test_intake_form_creates_a_ticket_in_few_queries_and_one_history_row(hotline, customer, client):
    client.force_login(hotline)
    _warm(client, customer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/tickets/new/", intake_post(customer))
    assert response.status_code == 302
    ticket = Ticket.objects.latest("pk")
    statements = _statements(ctx)
    assert len(statements) <= FORM_QUERIES, "\n".join(s[:120] for s in statements)
    assert not [s for s in statements if s.startswith("UPDATE")]  # saved once
    assert ticket.history.count() == 1
    assert ticket.history.get().number == ticket.number
    assert ticket.number.startswith("RX") and ticket.number.endswith(f"-{ticket.pk:05d}")


def _api_call(hotline, customer) -> tuple[APIClient, dict]:
    """The hotline engineer's API client and a call to record."""
    api = APIClient()
    api.force_authenticate(hotline)
    return api, {
        "customer": customer.pk,
        "caller_name": "张会计",
        "caller_phone": "021-55550000",
        "product": "U8",
        "description": "凭证无法保存，提示科目已停用",
        "channel": "phone",
    }


def test_api_creates_a_ticket_in_few_queries(hotline, customer):
    api, body = _api_call(hotline, customer)
    assert api.post("/api/v1/tickets/", body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        response = api.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201, response.content
    statements = _statements(ctx)
    assert len(statements) <= CREATE_QUERIES, "\n".join(s[:120] for s in statements)
    assert response.json()["timers"]  # given back without reading them again
    assert Ticket.objects.get(number=response.json()["number"]).history.count() == 1


def _page(client, url: str, **params) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_queue_is_paged_in_constant_queries(hotline, customer, client):
    from tickets.selectors import QUEUE_PAGE

    client.force_login(hotline)
    intake(hotline, customer)
    client.get("/tickets/")  # warm the per-process caches
    html, few = _page(client, "/tickets/")
    assert html.count('data-testid="queue-row"') == 1
    for _i in range(QUEUE_PAGE + 4):
        intake(hotline, customer)
    html, many = _page(client, "/tickets/")
    assert many == few
    assert html.count('data-testid="queue-row"') == QUEUE_PAGE
    assert "1 / 2" in html
    assert f">{QUEUE_PAGE + 5}</span>" in html  # the count in the title: every ticket
    second, again = _page(client, "/tickets/", page=2)
    assert again == many
    assert second.count('data-testid="queue-row"') == 5
    assert _page(client, "/tickets/", page="x")[0].count('data-testid="queue-row"') == QUEUE_PAGE


def test_ticket_page_reads_its_events_and_history_once(hotline, customer, client):
    from tickets.services import ticket_add_note, ticket_shelve

    ticket = ticket_shelve(intake(hotline, customer), by=hotline, reason="请教")
    ticket_add_note(ticket, by=hotline, text="客户说明天再试")
    client.force_login(hotline)
    client.get(f"/tickets/{ticket.pk}/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    events = [s for s in sqls if 'FROM "core_domainevent"' in s and "target_id" in s]
    history = [s for s in sqls if 'FROM "tickets_historicalticket"' in s]
    assert len(events) == 1, events
    assert len(history) == 1, history
    html = response.content.decode()
    assert "请教" in html  # the timeline and the panel still tell the shelving


@pytest.mark.parametrize("candidates", [3, 7, 2000, None])
def test_board_by_nearest_deadline_matches_the_full_ranking(
    hotline, manager, customer, monkeypatch, candidates
):
    """The board reads each column from the ticket's kept nearest deadline
    (``candidates=None``), or for a model that keeps none only the nearest running
    deadlines (core.selectors ``columns_by_deadline``): either way, and whatever the
    candidates' number, the columns are the full ranking's from the timers."""
    from django.db.models import F

    from servicedesk.core import selectors as core
    from tickets.choices import TicketState
    from tickets.selectors import BOARD_STATES, tickets_list
    from tickets.services import ticket_shelve

    for i in range(12):
        ticket = intake(hotline, customer, needs_on_site=i % 3 == 0)
        if i % 4 == 1:
            ticket_shelve(ticket, by=hotline, reason="请教")
    if candidates is None:
        assert core.keeps_next_due(Ticket)
    else:
        monkeypatch.setattr(core, "keeps_next_due", lambda model: False)
        monkeypatch.setattr(core, "DEADLINE_CANDIDATES", candidates)
    qs = tickets_list(user=manager).filter(state__in=BOARD_STATES)
    for per_column in (2, 25):
        fast = core.columns_by_deadline(
            qs, states=BOARD_STATES, choices=TicketState, since="received_at", per_column=per_column
        )
        full = core.columns_by_state(
            qs,
            states=BOARD_STATES,
            choices=TicketState,
            annotations={"next_due": core.next_due(Ticket)},
            order_by=[F("next_due").asc(nulls_last=True), F("received_at").asc(), F("id").asc()],
            per_column=per_column,
        )
        assert [[t.pk for t in c.items] for c in fast] == [[t.pk for t in c.items] for c in full]
        assert [c.count for c in fast] == [c.count for c in full]
        assert any(c.items for c in fast)


def test_api_list_builds_the_timer_serializer_once_per_page(hotline, customer, monkeypatch):
    """Every row's timers go through one serializer: building its fields again for each
    ticket was a fifth of a 50-row page's time (docs/architecture.md §load)."""
    from servicedesk.core.api.serializers import TimerSerializer

    api, body = _api_call(hotline, customer)
    for _i in range(3):
        assert api.post("/api/v1/tickets/", body, format="json").status_code == 201
    built = []
    get_fields = TimerSerializer.get_fields
    monkeypatch.setattr(
        TimerSerializer, "get_fields", lambda self: built.append(1) or get_fields(self)
    )
    rows = api.get("/api/v1/tickets/").json()["results"]
    assert len(rows) == 3 and all(row["timers"] for row in rows)
    assert len(built) == 1


def test_the_user_loaded_from_the_session_comes_with_their_permissions(hotline, client):
    """One query for the user and both sources of permissions (core.auth); the set is
    Django's own."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    from servicedesk.core.auth import PermissionsWithUserBackend

    own = Permission.objects.get(codename="view_contract")
    hotline.user_permissions.add(own)
    client.force_login(hotline)
    client.get("/tickets/new/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/tickets/new/").status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sqls if s.lstrip().startswith('SELECT "django_content_type"')]
    assert len([s for s in sqls if 'FROM "auth_user"' in s and "auth_permission" in s]) == 1

    expected = ModelBackend().get_all_permissions(type(hotline).objects.get(pk=hotline.pk))
    loaded = PermissionsWithUserBackend().get_user(hotline.pk)
    assert loaded._perm_cache == expected
    assert "contracts.view_contract" in expected and "tickets.add_ticket" in expected
    fresh = type(hotline).objects.get(pk=hotline.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert PermissionsWithUserBackend().get_all_permissions(fresh) == expected
    assert len(ctx.captured_queries) == 1
    hotline.is_active = False
    hotline.save()
    assert PermissionsWithUserBackend().get_user(hotline.pk) is None


def test_the_timer_calendar_cached_by_the_policy_follows_calendar_changes(hotline, customer):
    """The intake's deadlines read the calendars' stamp with the policy (no calendar
    query), and still see a holiday added or a calendar changed a moment before."""
    import datetime as dt

    from servicedesk.core.calendars import default_calendar
    from servicedesk.core.models import CalendarException, SlaTimer
    from tests.tickets.factories import sh, take_call

    friday = sh(2026, 11, 20, 17, 30)  # hand-over due after the weekend, Monday

    def handover_due():
        ticket = take_call(hotline, customer, received_at=friday)
        timer = SlaTimer.objects.for_subject(ticket).get(target="handover_to_manager")
        return timezone_local(timer.due_at)

    first = handover_due()
    assert first.date() == dt.date(2026, 11, 23)
    with CaptureQueriesContext(connection) as ctx:
        assert handover_due() == first
    calendars = [q for q in ctx.captured_queries if q["sql"].startswith('SELECT "core_workcal')]
    assert not calendars, calendars
    office = default_calendar()
    CalendarException.objects.create(calendar=office, date=dt.date(2026, 11, 23), kind="holiday")
    assert handover_due().date() == dt.date(2026, 11, 24)
    office.weekly_periods = {**office.weekly_periods, "1": []}  # no Tuesdays any more
    office.save()
    assert handover_due().date() == dt.date(2026, 11, 25)


def timezone_local(value):
    from django.utils import timezone

    return timezone.localtime(value)


def test_a_session_begun_before_the_permissions_backend_stays_logged_in(hotline, client):
    """Sessions from before the upgrade name Django's ModelBackend: their users are not
    sent to the login page (settings AUTHENTICATION_BACKENDS)."""
    client.force_login(hotline, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/tickets/new/")
    assert response.status_code == 200
    assert response.wsgi_request.user == hotline
