"""First visits (首访, docs/domain.md §first-visit): services, the needs-routing timer,
worklists, portal pages, API and the printed first-visit record."""

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

from contracts import printing  # noqa: F401 - registers the printed forms
from contracts.choices import Department, FirstVisitState
from contracts.models import (
    VERIFIABLE_FIELDS,
    Contact,
    Customer,
    FirstVisit,
    FirstVisitNeed,
    InstalledProduct,
)
from contracts.selectors_visits import first_visits_for
from contracts.services import contract_save_draft, contract_sign
from contracts.services.visits import (
    first_visit_add_need,
    first_visit_complete,
    first_visit_route_needs,
    first_visit_start,
    first_visit_verify,
)
from servicedesk.core import printforms
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification, SlaTimer
from servicedesk.core.printing.document import _block_payload

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
ALL_CHECKED = dict.fromkeys(VERIFIABLE_FIELDS, "checked")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)  # type: ignore[misc]


_numbers = iter(range(1, 10_000))


def sign_contract(sales, *, name: str | None = None, with_records: bool = True, **customer):
    """A signed contract (via the contract services) for a new customer."""
    n = next(_numbers)
    customer.setdefault("category", "B")
    customer = Customer.objects.create(
        name=name or f"测试客户{n}有限公司",
        sales_manager=sales,
        website="www.old.example",
        **customer,
    )
    if with_records:
        Contact.objects.create(
            customer=customer,
            name="王主任",
            phone="0571-88880000",
            mobile="13900000001",
            email="wang@example.com",
            is_primary=True,
        )
        InstalledProduct.objects.create(
            customer=customer, software="U8", version="10.1", modules="总账", licence_number="L-1"
        )
    contract = contract_save_draft(
        by=sales,
        data={
            "number": f"HT-2026-{n:04d}",
            "customer": customer,
            "title": "ERP 实施与服务",
            "sales_manager": sales,
            "signed_on": dt.date(2026, 1, 5),
            "amount": Decimal("123456.00"),
            "service_level": "5x8",
            "scope_items": [
                {"service_type": "phone_support", "quota": None, "quota_period": "year"},
                {"service_type": "repair", "quota": 4, "quota_period": "year"},
            ],
            "free_period": {"starts_on": dt.date(2026, 1, 1), "ends_on": dt.date(2026, 12, 31)},
        },
    )
    return contract_sign(contract, by=sales, today=dt.date(2026, 1, 5))


@pytest.fixture
def people(make_user):
    class People:
        agent = make_user(
            Role.FIRST_VISIT_AGENT, username="wufang", last_name="吴", first_name="芳"
        )
        sales = make_user(Role.SALES_MANAGER, username="qianjun")
        impl = make_user(Role.IMPLEMENTATION_MANAGER, username="sunli")
        service = make_user(Role.SERVICE_MANAGER, username="zhengwei")
        tech = make_user(Role.TECH_MANAGER, username="weidong")

    return People


@pytest.fixture
def visit(people) -> FirstVisit:
    return sign_contract(people.sales).first_visit


def fresh(visit: FirstVisit) -> FirstVisit:
    return FirstVisit.objects.get(pk=visit.pk)


def in_state(visit: FirstVisit, state: str, agent) -> FirstVisit:
    if state in (FirstVisitState.VERIFYING, FirstVisitState.COMPLETED):
        visit = first_visit_start(visit, by=agent)
    if state == FirstVisitState.COMPLETED:
        first_visit_verify(visit, by=agent, checks=ALL_CHECKED)
        visit = first_visit_complete(fresh(visit), by=agent)
    return fresh(visit)


# -- services: the state machine ---------------------------------------------------------


def test_signing_creates_a_pending_visit_for_the_agent(people, visit):
    assert visit.state == FirstVisitState.PENDING
    assert visit.agent == people.agent


@pytest.mark.parametrize(
    ("source", "allowed"),
    [("pending", True), ("verifying", False), ("completed", False)],
)
def test_start_transition_matrix(people, visit, source, allowed):
    visit = in_state(visit, source, people.agent)
    if allowed:
        visit = first_visit_start(visit, by=people.agent)
        assert visit.state == FirstVisitState.VERIFYING
        assert visit.started_at is not None
        assert DomainEvent.objects.filter(kind="firstvisit.start", actor=people.agent).exists()
    else:
        with pytest.raises(TransitionConflict):
            first_visit_start(visit, by=people.agent)
        assert fresh(visit).state == source


@pytest.mark.parametrize(
    ("source", "allowed"),
    [("pending", False), ("verifying", True), ("completed", False)],
)
def test_complete_transition_matrix(people, visit, source, allowed):
    visit = in_state(visit, source, people.agent)
    if allowed:
        first_visit_verify(visit, by=people.agent, checks=ALL_CHECKED)
        visit = first_visit_complete(fresh(visit), by=people.agent)
        assert visit.state == FirstVisitState.COMPLETED
        assert visit.completed_at is not None
    else:
        with pytest.raises(TransitionConflict):
            first_visit_complete(visit, by=people.agent)
        assert fresh(visit).state == source


def test_only_first_visit_agents_may_work_on_visits(people, visit):
    with pytest.raises(NotPermitted):
        first_visit_start(visit, by=people.sales)
    visit = first_visit_start(visit, by=people.agent)
    with pytest.raises(NotPermitted):
        first_visit_verify(visit, by=people.service, checks=ALL_CHECKED)
    with pytest.raises(NotPermitted):
        first_visit_add_need(visit, by=people.sales, department="sales", description="x")


def test_complete_names_the_fields_not_yet_verified(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    first_visit_verify(
        visit, by=people.agent, checks=dict.fromkeys(VERIFIABLE_FIELDS[:-2], "checked")
    )
    with pytest.raises(ApplicationError) as err:
        first_visit_complete(fresh(visit), by=people.agent)
    assert not isinstance(err.value, TransitionConflict)
    assert "checks" in err.value.extra
    assert "Software modules" in err.value.message or "软件模块" in err.value.message
    assert fresh(visit).state == FirstVisitState.VERIFYING


# -- verification ------------------------------------------------------------------------


def test_verify_corrections_change_the_records_with_history_by_the_agent(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    checks = {**ALL_CHECKED, "customer.name": "corrected", "contact.mobile": "corrected"}
    checks["product.licence_number"] = "corrected"
    first_visit_verify(
        visit,
        by=people.agent,
        checks=checks,
        corrections={
            "customer.name": "杭州华东机械股份有限公司",
            "contact.mobile": "13812345678",
            "product.licence_number": "DONGLE-778",
        },
        notes="客户要求下周安排培训",
    )
    customer = Customer.objects.get(pk=visit.customer_id)
    assert customer.name == "杭州华东机械股份有限公司"
    record = customer.history.order_by("-history_date").first()
    assert record.history_user == people.agent
    assert record.history_change_reason == "first visit verification"
    contact = customer.contacts.get(is_primary=True)
    assert contact.mobile == "13812345678"
    assert contact.history.order_by("-history_date").first().history_user == people.agent
    product = customer.products.get()
    assert product.licence_number == "DONGLE-778"
    assert product.history.order_by("-history_date").first().history_user == people.agent
    visit = fresh(visit)
    assert visit.checks == checks
    assert visit.notes == "客户要求下周安排培训"
    event = DomainEvent.objects.get(kind="firstvisit.verify")
    assert event.actor == people.agent
    assert event.data["corrections"]["contact.mobile"] == {
        "old": "13900000001",
        "new": "13812345678",
    }


def test_verify_accumulates_marks_over_several_saves(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    first_visit_verify(visit, by=people.agent, checks={"customer.name": "checked"})
    first_visit_verify(
        visit,
        by=people.agent,
        checks={"contact.email": "corrected"},
        corrections={"contact.email": "new@example.com"},
    )
    # Saving again without a new value keeps the earlier correction.
    first_visit_verify(visit, by=people.agent, checks={"contact.email": "corrected"})
    assert fresh(visit).checks == {"customer.name": "checked", "contact.email": "corrected"}


@pytest.mark.parametrize(
    ("checks", "corrections", "field"),
    [
        ({"contact.phone": "corrected"}, {}, "contact.phone"),
        ({"contact.phone": "checked"}, {"contact.phone": "0571-1"}, "contact.phone"),
        ({"contact.phone": "maybe"}, {}, "contact.phone"),
        ({"contact.fax": "checked"}, {}, "contact.fax"),
        ({"contact.email": "corrected"}, {"contact.email": "not-an-email"}, "contact.email"),
    ],
)
def test_verify_refuses_inconsistent_entries(people, visit, checks, corrections, field):
    visit = first_visit_start(visit, by=people.agent)
    with pytest.raises(ApplicationError) as err:
        first_visit_verify(visit, by=people.agent, checks=checks, corrections=corrections)
    assert field in err.value.extra
    assert fresh(visit).checks == {}
    assert Contact.objects.get(customer=visit.customer).email == "wang@example.com"


def test_verify_needs_a_started_visit(people, visit):
    with pytest.raises(TransitionConflict):
        first_visit_verify(visit, by=people.agent, checks=ALL_CHECKED)


def test_corrections_create_a_missing_contact_and_product(people):
    visit = sign_contract(people.sales, with_records=False).first_visit
    visit = first_visit_start(visit, by=people.agent)
    checks = {**ALL_CHECKED, "contact.name": "corrected", "product.version": "corrected"}
    with pytest.raises(ApplicationError) as err:
        first_visit_verify(
            visit,
            by=people.agent,
            checks=checks,
            corrections={"contact.name": "李会计", "product.version": "V13"},
        )
    assert "product.software" in err.value.extra
    assert not Contact.objects.filter(customer=visit.customer).exists()  # all or nothing
    first_visit_verify(
        visit,
        by=people.agent,
        checks=checks,
        corrections={"contact.name": "李会计", "product.version": "V13", "product.software": "T+"},
    )
    contact = Contact.objects.get(customer=visit.customer)
    assert (contact.name, contact.is_primary) == ("李会计", True)
    product = InstalledProduct.objects.get(customer=visit.customer)
    assert (product.software, product.version, product.contract) == ("T+", "V13", visit.contract)


# -- needs and the needs_routing timer ----------------------------------------------------


def test_need_recorded_friday_evening_is_due_before_saturday_make_up_day_starts(
    people, visit, monkeypatch
):
    """docs/domain.md §first-visit.needs: "最迟于次日上班前". 2026-10-10 is a
    make-up working day (National Day), so the next working day starts then at 09:00."""
    visit = first_visit_start(visit, by=people.agent)
    monkeypatch.setattr("django.utils.timezone.now", lambda: sh(2026, 10, 9, 17, 30))
    first_visit_add_need(
        visit, by=people.agent, department=Department.IMPLEMENTATION, description="需要实施服务"
    )
    first_visit_add_need(
        visit, by=people.agent, department=Department.SALES, description="想加采购模块"
    )
    timer = SlaTimer.objects.for_subject(visit).get(target="needs_routing")
    assert timer.state == TimerState.RUNNING
    assert timer.started_at == sh(2026, 10, 9, 17, 30)
    assert timer.due_at == sh(2026, 10, 10, 9, 0)
    assert timer.assignee == people.agent

    monkeypatch.setattr("django.utils.timezone.now", lambda: sh(2026, 10, 9, 17, 50))
    first_visit_route_needs(fresh(visit), by=people.agent)
    timer = SlaTimer.objects.get(pk=timer.pk)
    assert timer.state == TimerState.MET
    assert timer.met_at == sh(2026, 10, 9, 17, 50)
    assert not FirstVisitNeed.objects.filter(first_visit=visit, routed_at__isnull=True).exists()
    assert SlaTimer.objects.for_subject(visit).count() == 1


def test_a_need_after_routing_starts_a_new_timer(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    first_visit_add_need(visit, by=people.agent, department="service", description="远程协助")
    first_visit_route_needs(visit, by=people.agent)
    first_visit_add_need(visit, by=people.agent, department="training", description="培训")
    states = sorted(SlaTimer.objects.for_subject(visit).values_list("state", flat=True))
    assert states == ["met", "running"]


def test_routing_notifies_the_head_of_each_department(people, visit, make_user):
    other_sales = make_user(Role.SALES_MANAGER)
    visit = first_visit_start(visit, by=people.agent)
    for department in Department.values:
        first_visit_add_need(
            visit, by=people.agent, department=department, description=f"{department} 需求"
        )
    first_visit_route_needs(visit, by=people.agent)
    got = {
        (n.recipient.username, n.body)
        for n in Notification.objects.filter(kind="first_visit_need").select_related("recipient")
    }
    assert got == {
        ("sunli", "· implementation 需求"),
        ("zhengwei", "· service 需求"),
        ("zhengwei", "· training 需求"),  # training needs go to the service manager too
        ("qianjun", "· sales 需求"),  # the customer's own sales manager, not any
        ("weidong", "· development 需求"),
    }
    assert not Notification.objects.filter(recipient=other_sales).exists()
    event = DomainEvent.objects.get(kind="firstvisit.needs_routed")
    assert {n["department"] for n in event.data["needs"]} == set(Department.values)


def test_route_needs_with_nothing_to_route_is_refused(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    with pytest.raises(ApplicationError):
        first_visit_route_needs(visit, by=people.agent)


def test_needs_are_recorded_only_while_verifying(people, visit):
    with pytest.raises(TransitionConflict):
        first_visit_add_need(visit, by=people.agent, department="sales", description="x")
    visit = first_visit_start(visit, by=people.agent)
    with pytest.raises(ApplicationError) as err:
        first_visit_add_need(visit, by=people.agent, department="hr", description=" ")
    assert set(err.value.extra) == {"department", "description"}


def test_completing_routes_the_needs_not_yet_routed(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    first_visit_add_need(visit, by=people.agent, department="implementation", description="实施")
    first_visit_verify(visit, by=people.agent, checks=ALL_CHECKED)
    visit = first_visit_complete(fresh(visit), by=people.agent)
    assert visit.state == FirstVisitState.COMPLETED
    assert visit.needs.get().routed_at is not None
    assert SlaTimer.objects.for_subject(visit).get().state == TimerState.MET
    assert Notification.objects.filter(recipient=people.impl, kind="first_visit_need").exists()


# -- selectors ---------------------------------------------------------------------------


def test_worklist_agent_sees_own_visits_managers_see_all(people, make_user):
    mine = sign_contract(people.sales, name="甲公司").first_visit
    other_agent = make_user(Role.FIRST_VISIT_AGENT)
    theirs = sign_contract(people.sales, name="乙公司").first_visit  # least busy: the other
    assert theirs.agent == other_agent
    assert list(first_visits_for(people.agent)) == [mine]
    assert list(first_visits_for(other_agent)) == [theirs]
    assert set(first_visits_for(people.service)) == {mine, theirs}
    assert set(first_visits_for(people.sales)) == {mine, theirs}


def test_first_visits_are_searchable(people):
    a = sign_contract(people.sales, name="宁波港务集团").first_visit
    b = sign_contract(people.sales, name="苏州纺织厂").first_visit
    b = first_visit_start(b, by=people.agent)
    first_visit_verify(b, by=people.agent, checks={}, notes="客户在用旧版财务软件")
    first_visit_add_need(b, by=people.agent, department="development", description="对接 MES")
    user = people.service
    assert list(first_visits_for(user, search="港务")) == [a]
    assert list(first_visits_for(user, search=a.contract.number)) == [a]
    assert list(first_visits_for(user, search="旧版财务")) == [b]
    assert list(first_visits_for(user, search="MES")) == [b]
    assert list(first_visits_for(user, search="MES", state="pending")) == []
    assert first_visits_for(user, search="MES").get().needs_unrouted == 1


# -- portal ------------------------------------------------------------------------------


@pytest.fixture
def agent_client(client, people):
    client.force_login(people.agent)
    return client


def test_list_and_detail_pages(agent_client, visit):
    page = agent_client.get(reverse("contracts:all-first-visits"))
    assert page.status_code == 200
    assert visit.customer.name in page.content.decode()
    detail = agent_client.get(visit.get_absolute_url())
    assert detail.status_code == 200
    body = detail.content.decode()
    assert 'data-testid="action-start"' in body
    assert 'data-testid="print-first_visit_record"' in body


def test_list_search_box_filters(agent_client, people):
    sign_contract(people.sales, name="温州鞋业")
    sign_contract(people.sales, name="绍兴黄酒")
    # the old page's ``q`` arrives as the declared list's ``search``
    moved = agent_client.get(reverse("contracts:first-visits"), {"q": "黄酒"})
    assert moved["Location"] == "/first-visits/list/?search=%E9%BB%84%E9%85%92"
    body = agent_client.get(moved["Location"]).content.decode()
    assert "绍兴黄酒" in body
    assert "温州鞋业" not in body


def test_state_changes_only_on_post(agent_client, visit):
    for name in (
        "first-visit-start",
        "first-visit-verify",
        "first-visit-need-add",
        "first-visit-route-needs",
        "first-visit-complete",
    ):
        response = agent_client.get(reverse(f"contracts:{name}", args=[visit.pk]))
        assert response.status_code == 405, name
    assert fresh(visit).state == FirstVisitState.PENDING


def test_portal_walkthrough(agent_client, visit, people):
    url = visit.get_absolute_url()
    response = agent_client.post(reverse("contracts:first-visit-start", args=[visit.pk]))
    assert response.status_code == 302
    assert fresh(visit).state == FirstVisitState.VERIFYING
    assert 'data-testid="verify-form"' in agent_client.get(url).content.decode()

    # Completing too early: a message, no change.
    response = agent_client.post(
        reverse("contracts:first-visit-complete", args=[visit.pk]), follow=True
    )
    assert fresh(visit).state == FirstVisitState.VERIFYING
    assert "alert-danger" in response.content.decode()

    data = {f"{k.replace('.', '__')}_mark": "checked" for k in VERIFIABLE_FIELDS}
    data["contact__mobile_mark"] = ""
    data["contact__mobile_value"] = "13655556666"  # a value alone means corrected
    data["notes"] = "已核实"
    response = agent_client.post(reverse("contracts:first-visit-verify", args=[visit.pk]), data)
    assert response.status_code == 302
    visit = fresh(visit)
    assert visit.checks["contact.mobile"] == "corrected"
    assert Contact.objects.get(customer=visit.customer).mobile == "13655556666"

    response = agent_client.post(
        reverse("contracts:first-visit-need-add", args=[visit.pk]),
        {"department": "implementation", "description": "需要上门实施"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    partial = response.content.decode()
    assert 'id="visit-needs"' in partial and "<html" not in partial
    assert "需要上门实施" in partial and 'data-testid="route-needs"' in partial

    response = agent_client.post(
        reverse("contracts:first-visit-route-needs", args=[visit.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert visit.needs.get().routed_at is not None

    response = agent_client.post(reverse("contracts:first-visit-complete", args=[visit.pk]))
    assert response.status_code == 302
    assert fresh(visit).state == FirstVisitState.COMPLETED
    body = agent_client.get(url).content.decode()
    assert 'data-testid="checks-table"' in body and 'data-testid="verify-form"' not in body


def test_form_errors_are_shown_next_to_the_field(agent_client, visit, people):
    first_visit_start(visit, by=people.agent)
    response = agent_client.post(
        reverse("contracts:first-visit-verify", args=[visit.pk]),
        {"contact__phone_mark": "checked", "contact__phone_value": "0571-1"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="contact__phone_value"' in body and "is-invalid" in body
    response = agent_client.post(
        reverse("contracts:first-visit-verify", args=[visit.pk]),
        {"contact__email_mark": "corrected", "contact__email_value": "nope"},
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert fresh(visit).checks == {}
    response = agent_client.post(
        reverse("contracts:first-visit-need-add", args=[visit.pk]), {"department": "sales"}
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not FirstVisitNeed.objects.exists()


def test_other_agents_and_other_roles_cannot_open_a_visit(client, visit, make_user):
    client.force_login(make_user(Role.FIRST_VISIT_AGENT))
    assert client.get(visit.get_absolute_url()).status_code == 404
    assert client.post(reverse("contracts:first-visit-start", args=[visit.pk])).status_code == 404
    client.force_login(make_user(Role.TESTER))
    assert client.get(reverse("contracts:all-first-visits")).status_code == 403


def test_viewers_without_the_permission_get_403_on_actions(client, visit, people):
    client.force_login(people.service)  # reads every visit, may not perform them
    assert client.get(visit.get_absolute_url()).status_code == 200
    response = client.post(reverse("contracts:first-visit-start", args=[visit.pk]))
    assert response.status_code == 403
    assert fresh(visit).state == FirstVisitState.PENDING


def test_list_query_count_does_not_grow_with_rows(client, people):
    client.force_login(people.service)
    url = reverse("contracts:all-first-visits")
    for _ in range(2):
        sign_contract(people.sales)
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        visit = sign_contract(people.sales).first_visit
        first_visit_start(visit, by=people.agent)
        first_visit_add_need(visit, by=people.agent, department="sales", description="x")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_first_visit_record_pdf(agent_client, visit, people):
    visit = first_visit_start(visit, by=people.agent)
    first_visit_verify(
        visit,
        by=people.agent,
        checks={**ALL_CHECKED, "contact.phone": "corrected"},
        corrections={"contact.phone": "0571-12345678"},
    )
    first_visit_add_need(visit, by=people.agent, department="training", description="操作培训")
    spec = printforms.form_get(FirstVisit, "first_visit_record")
    doc = printforms.unsigned_document(spec, fresh(visit))
    text = str([_block_payload(b) for b in doc.blocks])
    assert "0571-12345678" in text and "0571-88880000" in text  # new and old value
    assert "操作培训" in text
    assert [s.role for s in spec.slots] == ["first_visit_agent", "customer"]
    url = reverse("core:form-pdf", args=[content_type_id(visit), visit.pk, spec.code])
    response = agent_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_contract_service_summary_leaves_the_amount_out(client, people):
    contract = sign_contract(people.sales)
    spec = printforms.form_get(type(contract), "service_summary")
    assert spec.seal
    assert [s.role for s in spec.slots] == ["sales_manager", "customer"]
    doc = printforms.unsigned_document(spec, contract)
    text = str([_block_payload(b) for b in doc.blocks]) + str(doc.meta)
    assert "123456" not in text and "123,456" not in text
    assert contract.number in text
    assert "¥800.00" in text  # the company standard: the contract has no own rates
    client.force_login(people.sales)
    url = reverse("core:form-pdf", args=[content_type_id(contract), contract.pk, spec.code])
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


# -- API ---------------------------------------------------------------------------------


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people.agent)
    return client


@pytest.mark.urls("tests.contracts.urls_visits")
def test_api_walkthrough(api, visit, people):
    base = f"/api/v1/first-visits/{visit.pk}/"
    data = api.get(base).json()
    assert data["state"] == "pending"
    assert data["available_transitions"] == ["start"]
    assert data["unverified"] == VERIFIABLE_FIELDS

    assert api.post(f"{base}transitions/complete/").status_code == 409
    response = api.post(f"{base}transitions/start/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "verifying"

    bad = api.post(f"{base}verify/", {"checks": {"customer.name": "ok"}}, format="json")
    assert bad.status_code == 400
    response = api.post(
        f"{base}verify/",
        {
            "checks": {**ALL_CHECKED, "customer.website": "corrected"},
            "corrections": {"customer.website": "www.new.example"},
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["unverified"] == []
    assert Customer.objects.get(pk=visit.customer_id).website == "www.new.example"

    response = api.post(
        f"{base}needs/", {"department": "development", "description": "接口开发"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["department_display"]
    assert api.post(f"{base}needs/", {"department": "x"}, format="json").status_code == 400
    assert len(api.get(f"{base}needs/").json()) == 1
    timers = api.get(base).json()["timers"]
    assert [(t["target"], t["state"]) for t in timers] == [("needs_routing", "running")]

    response = api.post(f"{base}route_needs/")
    assert response.status_code == 200, response.content
    assert response.json()["timers"][0]["state"] == "met"
    assert api.post(f"{base}route_needs/").status_code == 400

    response = api.post(f"{base}transitions/complete/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "completed"
    assert api.get(f"{base}history/").status_code == 200
    forms = api.get(f"{base}forms/").json()
    assert [f["code"] for f in forms] == ["first_visit_record"]
    assert api.get(f"{base}forms/first_visit_record/")["Content-Type"] == "application/pdf"


@pytest.mark.urls("tests.contracts.urls_visits")
def test_api_complete_lists_missing_fields(api, visit, people):
    first_visit_start(visit, by=people.agent)
    response = api.post(f"/api/v1/first-visits/{visit.pk}/transitions/complete/")
    assert response.status_code == 400
    assert "checks" in response.json()


@pytest.mark.urls("tests.contracts.urls_visits")
def test_api_scoping_search_and_permissions(people, make_user):
    a = sign_contract(people.sales, name="嘉兴电子").first_visit
    other = make_user(Role.FIRST_VISIT_AGENT)
    b = sign_contract(people.sales, name="湖州丝绸").first_visit
    assert b.agent == other
    client = APIClient()
    client.force_authenticate(people.agent)
    assert [r["id"] for r in client.get("/api/v1/first-visits/").json()["results"]] == [a.pk]
    assert client.get(f"/api/v1/first-visits/{b.pk}/").status_code == 404
    client.force_authenticate(people.service)
    results = client.get("/api/v1/first-visits/", {"search": "丝绸"}).json()["results"]
    assert [r["id"] for r in results] == [b.pk]
    assert client.post(f"/api/v1/first-visits/{b.pk}/transitions/start/").status_code == 403
    response = client.post(f"/api/v1/first-visits/{b.pk}/verify/", {"checks": {}}, format="json")
    assert response.status_code == 403


@pytest.mark.urls("tests.contracts.urls_visits")
def test_api_list_query_count_does_not_grow_with_rows(people):
    client = APIClient()
    client.force_authenticate(people.service)
    sign_contract(people.sales)
    client.get("/api/v1/first-visits/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/first-visits/").status_code == 200
    for _ in range(5):
        visit = sign_contract(people.sales).first_visit
        first_visit_start(visit, by=people.agent)
        first_visit_add_need(visit, by=people.agent, department="sales", description="x")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/first-visits/").json()["results"]) == 6
    assert len(many) == len(few)


# -- concurrency (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_completing_at_once_one_wins(people, visit):
    visit = first_visit_start(visit, by=people.agent)
    first_visit_add_need(visit, by=people.agent, department="sales", description="并发")
    first_visit_verify(visit, by=people.agent, checks=ALL_CHECKED)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt():
        from django.db import connections

        try:
            barrier.wait()
            first_visit_complete(FirstVisit.objects.get(pk=visit.pk), by=people.agent)
            outcomes.append("ok")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Notification.objects.filter(kind="first_visit_need").count() == 1
    assert DomainEvent.objects.filter(kind="firstvisit.needs_routed").count() == 1
