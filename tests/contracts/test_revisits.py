"""Revisits (定期回访制度, docs/domain.md §revisit): generation per customer category,
missed marking, recording, follow-ups, worklists, portal pages, API and beat tasks."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from contracts.choices import ContractState, RevisitReason, RevisitState
from contracts.models import Contact, Customer, Revisit, RevisitCycle
from contracts.selectors_visits import revisits_worklist
from contracts.services import contract_save_draft, contract_sign
from contracts.services.visits import (
    add_months,
    revisit_assignee_pick,
    revisit_record,
    revisit_schedule,
    revisits_generate,
    revisits_mark_missed,
)
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification
from servicedesk.core.services import event_subscribe, transition_run
from servicedesk.core.services.events import _subscribers

pytestmark = pytest.mark.django_db

D = dt.date
_numbers = iter(range(1, 10_000))
PERIOD_START, PERIOD_END = D(2025, 6, 1), D(2027, 5, 31)


def in_service_customer(
    sales,
    *,
    category: str = "B",
    in_use_since: dt.date | None = None,
    starts_on: dt.date = PERIOD_START,
    ends_on: dt.date = PERIOD_END,
    name: str | None = None,
) -> Customer:
    """A customer with a signed contract whose free period has begun (so: in service)."""
    n = next(_numbers)
    customer = Customer.objects.create(
        name=name or f"回访客户{n}",
        category=category,
        in_use_since=in_use_since,
        sales_manager=sales,
    )
    Contact.objects.create(customer=customer, name="赵科长", mobile="13700000000", is_primary=True)
    contract = contract_save_draft(
        by=sales,
        data={
            "number": f"HT-RV-{n:04d}",
            "customer": customer,
            "sales_manager": sales,
            "signed_on": starts_on,
            "amount": Decimal("50000"),
            "service_level": "5x8",
            "scope_items": [
                {"service_type": "phone_support", "quota": None, "quota_period": "year"}
            ],
            "free_period": {"starts_on": starts_on, "ends_on": ends_on},
        },
    )
    contract = contract_sign(contract, by=sales, today=starts_on)
    assert contract.state == ContractState.IN_SERVICE
    return customer


def periodic(customer: Customer) -> list[Revisit]:
    return list(Revisit.objects.filter(customer=customer, reason="periodic").order_by("due_on"))


@pytest.fixture
def people(make_user):
    class People:
        agent = make_user(Role.FIRST_VISIT_AGENT, username="wufang")
        hotline = make_user(Role.HOTLINE_ENGINEER, username="wangjing")
        sales = make_user(Role.SALES_MANAGER, username="qianjun")
        service = make_user(Role.SERVICE_MANAGER, username="zhengwei")

    return People


@pytest.fixture
def clock(monkeypatch):
    """Set "now" (Asia/Shanghai) for the services: ``clock(2026, 1, 20, 10)``."""

    def set_now(*args: int) -> dt.datetime:
        moment = dt.datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))  # type: ignore[misc]
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment

    return set_now


def record(revisit, by, **extra):
    data = {"contact_name": "赵科长", "opinion": "系统运行稳定", "satisfaction": 5, **extra}
    return revisit_record(Revisit.objects.get(pk=revisit.pk), by=by, **data)


# -- generation --------------------------------------------------------------------------


def test_add_months_clamps_to_the_month_end():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2026, 12, 15), 2) == D(2027, 2, 15)


def test_generation_per_category_a_monthly_b_every_two_c_every_three(people):
    a = in_service_customer(people.sales, category="A", in_use_since=D(2026, 1, 1))
    b = in_service_customer(people.sales, category="B", in_use_since=D(2025, 12, 1))
    c = in_service_customer(people.sales, category="C", in_use_since=D(2025, 11, 1))
    result = revisits_generate(today=D(2026, 1, 25))
    assert result["created"] == 3
    for customer in (a, b, c):
        (revisit,) = periodic(customer)
        assert revisit.due_on == D(2026, 2, 1)
        assert revisit.state == RevisitState.SCHEDULED
        assert revisit.contract == customer.contracts.get()
        assert revisit.assignee is not None


def test_nothing_is_created_beyond_the_horizon(people):
    customer = in_service_customer(people.sales, category="C", in_use_since=D(2026, 1, 1))
    assert revisits_generate(today=D(2026, 2, 1))["created"] == 0  # due 04-01: too far
    assert revisits_generate(today=D(2026, 3, 18))["created"] == 1
    assert periodic(customer)[0].due_on == D(2026, 4, 1)


def test_the_cycle_is_editable(people):
    RevisitCycle.objects.filter(category="B").update(months=4)
    customer = in_service_customer(people.sales, category="B", in_use_since=D(2026, 1, 10))
    revisits_generate(today=D(2026, 5, 1))
    assert periodic(customer)[0].due_on == D(2026, 5, 10)


def test_longer_cycle_after_the_first_year_in_use(people, clock):
    clock(2026, 1, 20, 10)
    RevisitCycle.objects.filter(category="A").update(months=1, months_after_first_year=3)
    young = in_service_customer(people.sales, category="A", in_use_since=D(2025, 9, 1))
    old = in_service_customer(people.sales, category="A", in_use_since=D(2024, 6, 1))
    for customer in (young, old):
        last = Revisit.objects.create(customer=customer, due_on=D(2026, 1, 10))
        record(last, people.agent)  # schedules the next one at once
    assert periodic(young)[-1].due_on == D(2026, 2, 20)  # in use 4 months: monthly
    assert periodic(old)[-1].due_on == D(2026, 4, 20)  # in use > 12 months: quarterly


def test_generation_is_idempotent(people):
    for category in "ABC":
        in_service_customer(people.sales, category=category, in_use_since=D(2026, 1, 1))
    first = revisits_generate(today=D(2026, 3, 25))
    second = revisits_generate(today=D(2026, 3, 25))
    assert first["created"] == 3
    assert second == {"customers": 0, "created": 0}
    assert Revisit.objects.count() == 3


def test_overdue_first_revisit_is_due_today_not_in_the_past(people):
    customer = in_service_customer(people.sales, category="A", in_use_since=D(2025, 6, 1))
    revisits_generate(today=D(2026, 1, 20))
    assert periodic(customer)[0].due_on == D(2026, 1, 20)


def test_without_in_use_date_the_first_period_start_counts(people):
    customer = in_service_customer(people.sales, category="B", starts_on=D(2026, 1, 1))
    revisits_generate(today=D(2026, 2, 20))
    assert periodic(customer)[0].due_on == D(2026, 3, 1)


def test_only_customers_in_service_within_their_period_are_revisited(people):
    ended = in_service_customer(
        people.sales, category="A", in_use_since=D(2026, 1, 1), ends_on=D(2026, 1, 20)
    )
    expired = in_service_customer(people.sales, category="A", in_use_since=D(2026, 1, 1))
    from django.db import transaction

    with transaction.atomic():
        transition_run(instance=expired.contracts.get(), name="expire", by=None)
    assert revisits_generate(today=D(2026, 1, 25))["created"] == 0
    assert periodic(ended) == [] and periodic(expired) == []


def test_assignee_is_the_least_busy_first_visit_agent(people, make_user):
    second = make_user(Role.FIRST_VISIT_AGENT)
    for category in "ABC":
        in_service_customer(people.sales, category=category, in_use_since=D(2026, 1, 1))
    revisits_generate(today=D(2026, 3, 25))
    assignees = sorted(r.assignee.username for r in Revisit.objects.all())
    assert assignees == sorted(["wufang", second.username, "wufang"])
    assert not Revisit.objects.filter(assignee=people.hotline).exists()


def test_hotline_engineers_stand_in_when_no_agent_is_active(people):
    people.agent.is_active = False
    people.agent.save()
    assert revisit_assignee_pick() == people.hotline


# -- missed ------------------------------------------------------------------------------


def test_revisits_more_than_the_grace_period_overdue_are_missed(people):
    customer = in_service_customer(people.sales, category="A", in_use_since=D(2025, 12, 1))
    late = Revisit.objects.create(customer=customer, due_on=D(2026, 1, 1))
    grace = Revisit.objects.create(
        customer=customer, reason=RevisitReason.POST_VISIT, due_on=D(2026, 1, 2)
    )
    assert revisits_mark_missed(today=D(2026, 1, 9)) == {"missed": 1}
    assert Revisit.objects.get(pk=late.pk).state == RevisitState.MISSED
    assert Revisit.objects.get(pk=grace.pk).state == RevisitState.SCHEDULED
    event = DomainEvent.objects.get(kind="revisit.miss")
    assert event.actor is None
    assert revisits_mark_missed(today=D(2026, 1, 9)) == {"missed": 0}
    # The next periodic one is due a cycle after the missed one's due date.
    assert revisits_generate(today=D(2026, 1, 9))["created"] == 0  # 02-01: not yet
    assert revisits_generate(today=D(2026, 1, 20))["created"] == 1
    assert periodic(customer)[-1].due_on == D(2026, 2, 1)
    assert periodic(customer)[-1].state == RevisitState.SCHEDULED


@pytest.mark.parametrize(
    ("source", "allowed"), [("scheduled", True), ("done", False), ("missed", False)]
)
def test_miss_transition_matrix(people, source, allowed):
    customer = in_service_customer(people.sales, category="B")
    revisit = revisit_in_state(customer, source, people.agent)
    from django.db import transaction

    with transaction.atomic():
        if allowed:
            assert transition_run(instance=revisit, name="miss", by=None).state == "missed"
            return
    with pytest.raises(TransitionConflict), transaction.atomic():
        transition_run(instance=revisit, name="miss", by=None)


def revisit_in_state(customer, state, agent) -> Revisit:
    revisit = Revisit.objects.create(
        customer=customer, reason=RevisitReason.POST_TRAINING, due_on=D(2026, 1, 5)
    )
    if state == "done":
        record(revisit, agent)
    elif state == "missed":
        revisits_mark_missed(today=D(2026, 3, 1))
    return Revisit.objects.get(pk=revisit.pk)


# -- recording ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "allowed"), [("scheduled", True), ("done", False), ("missed", False)]
)
def test_record_transition_matrix(people, source, allowed):
    customer = in_service_customer(people.sales, category="B")
    revisit = revisit_in_state(customer, source, people.agent)
    if allowed:
        done = record(revisit, people.hotline, opinion="希望增加报表")
        assert done.state == RevisitState.DONE
        assert (done.contact_name, done.opinion, done.satisfaction) == ("赵科长", "希望增加报表", 5)
        assert done.done_at is not None
        latest = done.history.order_by("-history_date").first()
        assert latest.history_user == people.hotline
    else:
        with pytest.raises(TransitionConflict):
            record(revisit, people.agent)


@pytest.mark.parametrize("satisfaction", [0, 6, None, "x", True, -1])
def test_satisfaction_must_be_1_to_5(people, satisfaction):
    customer = in_service_customer(people.sales)
    revisit = Revisit.objects.create(customer=customer, due_on=D(2026, 1, 5))
    with pytest.raises(ApplicationError) as err:
        record(revisit, people.agent, satisfaction=satisfaction)
    assert "satisfaction" in err.value.extra
    assert Revisit.objects.get(pk=revisit.pk).state == RevisitState.SCHEDULED


def test_recording_needs_the_contact_and_the_permission(people, make_user):
    revisit = Revisit.objects.create(
        customer=in_service_customer(people.sales), due_on=D(2026, 1, 5)
    )
    with pytest.raises(ApplicationError) as err:
        record(revisit, people.agent, contact_name=" ")
    assert "contact_name" in err.value.extra
    with pytest.raises(NotPermitted):
        record(revisit, make_user(Role.FIELD_ENGINEER))


def test_completing_a_periodic_revisit_schedules_the_next_at_once(people, clock):
    customer = in_service_customer(people.sales, category="C", in_use_since=D(2025, 11, 1))
    revisits_generate(today=D(2026, 1, 25))
    (first,) = periodic(customer)
    clock(2026, 1, 27, 15)
    done = record(first, people.agent)
    following = periodic(customer)
    assert [r.state for r in following] == ["done", "scheduled"]
    assert following[1].due_on == D(2026, 4, 27)  # from the call, beyond any horizon
    assert following[0] == done
    assert revisits_generate(today=D(2026, 1, 25))["created"] == 0


def test_completing_a_follow_up_does_not_schedule_a_periodic_one(people):
    customer = in_service_customer(people.sales, category="A", in_use_since=D(2026, 1, 1))
    revisit = revisit_schedule(
        customer=customer, reason=RevisitReason.POST_VISIT, due_on=D(2026, 1, 8), by=people.service
    )
    record(revisit, people.agent)
    assert periodic(customer) == []


def test_follow_up_request_is_an_event_for_the_other_apps(people):
    received = []
    event_subscribe("revisit.follow_up_requested", received.append)
    try:
        customer = in_service_customer(people.sales)
        revisit = Revisit.objects.create(customer=customer, due_on=D(2026, 1, 5))
        with pytest.raises(ApplicationError) as err:
            record(revisit, people.agent, follow_up="on_site")
        assert "issue_raised" in err.value.extra
        record(revisit, people.agent, follow_up="on_site", issue_raised="打印机驱动装不上")
    finally:
        _subscribers["revisit.follow_up_requested"].remove(received.append)
    (event,) = received
    assert event.target_id == revisit.pk
    assert event.actor == people.agent
    assert event.data["follow_up"] == "on_site"
    assert event.data["issue"] == "打印机驱动装不上"
    assert event.data["customer"] == customer.pk
    note = Notification.objects.get(kind="revisit_follow_up")
    assert note.recipient == people.service
    assert note.body == "打印机驱动装不上"


def test_schedule_follow_ups_is_idempotent_per_source(people):
    customer = in_service_customer(people.sales)
    contract = customer.contracts.get()
    kwargs = {
        "customer": customer,
        "reason": RevisitReason.POST_INSTALLATION,
        "due_on": D(2026, 2, 3),
        "by": None,
        "source": contract,
    }
    first = revisit_schedule(**kwargs)
    assert revisit_schedule(**kwargs) == first
    assert (first.contract, first.source, first.assignee) == (contract, contract, people.agent)
    assert Notification.objects.filter(kind="revisit", recipient=people.agent).count() == 1
    with pytest.raises(ApplicationError):
        revisit_schedule(**{**kwargs, "reason": RevisitReason.PERIODIC})


# -- worklists ---------------------------------------------------------------------------


def test_worklist_shows_due_and_overdue_revisits_of_the_user(people, make_user):
    other = make_user(Role.FIRST_VISIT_AGENT)
    customer = in_service_customer(people.sales)
    today = D(2026, 3, 10)
    mine_overdue = Revisit.objects.create(
        customer=customer, reason="post_visit", due_on=D(2026, 3, 1), assignee=people.agent
    )
    mine_today = Revisit.objects.create(
        customer=customer, reason="post_training", due_on=today, assignee=people.agent
    )
    mine_later = Revisit.objects.create(
        customer=customer, due_on=D(2026, 3, 20), assignee=people.agent
    )
    theirs = Revisit.objects.create(
        customer=customer, reason="post_visit", due_on=D(2026, 3, 2), assignee=other
    )
    assert list(revisits_worklist(people.agent, today)) == [mine_overdue, mine_today]
    assert list(revisits_worklist(other, today)) == [theirs]
    assert list(revisits_worklist(people.service, today)) == [mine_overdue, theirs, mine_today]
    assert mine_later in revisits_worklist(people.agent, today, upcoming_days=14)
    record(mine_today, people.agent)
    assert list(revisits_worklist(people.agent, today)) == [mine_overdue]


# -- portal ------------------------------------------------------------------------------


def test_revisit_pages(client, people):
    customer = in_service_customer(people.sales, name="台州汽配")
    today = dt.date.today()
    revisit = Revisit.objects.create(customer=customer, due_on=today, assignee=people.agent)
    client.force_login(people.agent)
    for tab in ("due", "upcoming", "done", "missed", "bogus"):
        response = client.get(reverse("contracts:revisits"), {"tab": tab}, follow=True)
        assert response.status_code == 200, tab
    body = client.get(reverse("contracts:revisits"), follow=True).content.decode()
    assert "台州汽配" in body
    page = client.get(revisit.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="record-form"' in page.content.decode()
    assert 'href="tel:13700000000"' in page.content.decode()


def test_record_only_on_post_and_errors_are_shown(client, people):
    revisit = Revisit.objects.create(
        customer=in_service_customer(people.sales), due_on=dt.date.today(), assignee=people.agent
    )
    client.force_login(people.agent)
    url = reverse("contracts:revisit-record", args=[revisit.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"contact_name": "赵科长", "satisfaction": "9"})
    assert response.status_code == 200
    assert 'data-testid="satisfaction-error"' in response.content.decode()
    assert Revisit.objects.get(pk=revisit.pk).state == RevisitState.SCHEDULED
    response = client.post(
        url, {"contact_name": "赵科长", "satisfaction": "4", "follow_up": "ticket"}
    )
    assert response.status_code == 200  # a follow-up needs the issue
    assert Revisit.objects.get(pk=revisit.pk).state == RevisitState.SCHEDULED
    response = client.post(
        url, {"contact_name": "赵科长", "satisfaction": "4", "opinion": "满意", "follow_up": ""}
    )
    assert response.status_code == 302
    revisit = Revisit.objects.get(pk=revisit.pk)
    assert (revisit.state, revisit.satisfaction, revisit.opinion) == ("done", 4, "满意")
    response = client.post(url, {"contact_name": "赵科长", "satisfaction": "4"}, follow=True)
    assert "alert-danger" in response.content.decode()  # recorded already: a message


def test_revisit_list_is_scoped_and_forbidden_without_permission(client, people, make_user):
    other = make_user(Role.HOTLINE_ENGINEER)
    customer = in_service_customer(people.sales, name="丽水茶业")
    Revisit.objects.create(customer=customer, due_on=dt.date.today(), assignee=other)
    client.force_login(people.agent)
    url = reverse("contracts:revisits")  # the old worklist: the declared list, filtered
    assert "丽水茶业" not in client.get(url, follow=True).content.decode()
    client.force_login(people.service)
    assert "丽水茶业" in client.get(url, follow=True).content.decode()
    client.force_login(make_user(Role.TESTER))
    assert client.get(url, follow=True).status_code == 403


def test_revisit_list_query_count_does_not_grow_with_rows(client, people):
    client.force_login(people.service)
    url = reverse("contracts:all-revisits")
    customer = in_service_customer(people.sales)
    today = dt.date.today()
    Revisit.objects.create(customer=customer, due_on=today, assignee=people.agent)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(8):
        Revisit.objects.create(
            customer=in_service_customer(people.sales), due_on=today, assignee=people.hotline
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


# -- API ---------------------------------------------------------------------------------


@pytest.mark.urls("tests.contracts.urls_visits")
def test_api_filters_and_record(people):
    customer = in_service_customer(people.sales)
    a = Revisit.objects.create(customer=customer, due_on=D(2026, 3, 1), assignee=people.agent)
    b = Revisit.objects.create(
        customer=customer, reason="post_visit", due_on=D(2026, 3, 15), assignee=people.hotline
    )
    client = APIClient()
    client.force_authenticate(people.service)

    def ids(**params):
        response = client.get("/api/v1/revisits/", params)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids() == [a.pk, b.pk]
    assert ids(assignee=people.hotline.pk) == [b.pk]
    assert ids(reason="periodic") == [a.pk]
    assert ids(due_after="2026-03-10") == [b.pk]
    assert ids(due_before="2026-03-10", state="scheduled") == [a.pk]
    assert ids(overdue="true") == [a.pk, b.pk]

    client.force_authenticate(people.agent)
    url = f"/api/v1/revisits/{a.pk}/transitions/record/"
    bad = client.post(url, {"contact_name": "赵科长", "satisfaction": 7}, format="json")
    assert bad.status_code == 400 and "satisfaction" in bad.json()
    ok = client.post(
        url,
        {
            "contact_name": "赵科长",
            "satisfaction": 3,
            "issue_raised": "月结慢",
            "follow_up": "ticket",
        },
        format="json",
    )
    assert ok.status_code == 200, ok.content
    data = ok.json()
    assert (data["state"], data["satisfaction"], data["follow_up"]) == ("done", 3, "ticket")
    assert data["available_transitions"] == []
    assert (
        client.post(url, {"contact_name": "x", "satisfaction": 3}, format="json").status_code == 409
    )
    assert DomainEvent.objects.filter(kind="revisit.follow_up_requested").count() == 1
    assert client.get(f"/api/v1/revisits/{a.pk}/history/").status_code == 200


@pytest.mark.urls("tests.contracts.urls_visits")
def test_api_list_query_count_does_not_grow_with_rows(people):
    client = APIClient()
    client.force_authenticate(people.service)
    customer = in_service_customer(people.sales)
    Revisit.objects.create(customer=customer, due_on=D(2026, 3, 1), assignee=people.agent)
    client.get("/api/v1/revisits/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/revisits/").status_code == 200
    for i in range(6):
        revisit_schedule(
            customer=in_service_customer(people.sales),
            reason="post_training",
            due_on=D(2026, 3, 2 + i),
            by=None,
            source=customer.contracts.get(),
        )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/revisits/").json()["results"]) == 7
    assert len(many) == len(few)


# -- beat tasks --------------------------------------------------------------------------


def test_beat_tasks_call_the_services(people):
    from contracts.tasks_visits import revisits_generate as generate_task
    from contracts.tasks_visits import revisits_mark_missed as missed_task

    in_service_customer(people.sales, category="A", in_use_since=D(2020, 1, 1))
    assert missed_task.delay().get() == {"missed": 0}
    assert generate_task.delay().get()["created"] == 1
    assert generate_task.delay().get()["created"] == 0
    assert generate_task.name == "contracts.revisits_generate"
    assert missed_task.name == "contracts.revisits_mark_missed"


# -- concurrency (PostgreSQL) ------------------------------------------------------------


def ensure_cycles() -> None:
    # Transactional tests truncate tables, data-migration rows included.
    for category, months in (("A", 1), ("B", 2), ("C", 3)):
        RevisitCycle.objects.get_or_create(category=category, defaults={"months": months})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_at_once_create_each_revisit_once(people):
    ensure_cycles()
    for category in "ABCABC":
        in_service_customer(people.sales, category=category, in_use_since=D(2026, 1, 1))
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def run():
        from django.db import connections

        try:
            barrier.wait()
            revisits_generate(today=D(2026, 3, 25))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Revisit.objects.count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recording_and_missing_at_once_one_wins(people):
    ensure_cycles()
    customer = in_service_customer(people.sales, category="B", in_use_since=D(2025, 6, 1))
    revisit = Revisit.objects.create(customer=customer, due_on=D(2026, 1, 1))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(kind):
        from django.db import connections

        try:
            barrier.wait()
            if kind == "record":
                record(revisit, people.agent)
            else:
                outcomes.append(f"missed {revisits_mark_missed(today=D(2026, 3, 1))['missed']}")
                return
            outcomes.append("recorded")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(k,)) for k in ("record", "miss")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = Revisit.objects.get(pk=revisit.pk).state
    assert sorted(outcomes) in (["missed 0", "recorded"], ["conflict", "missed 1"])
    assert final == ("done" if "recorded" in outcomes else "missed")
    assert Revisit.objects.filter(customer=customer, state="scheduled").count() <= 1
