"""Contract services (docs/domain.md §contract, §entitlement) and their API.

The transition matrix, the signing guards and what signing creates, the daily service
state update, renewals and their reminders, termination, and every entitlement reason
with its charge, plus the API's view of the same.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from contracts.choices import ContractState, PeriodKind
from contracts.entitlement import entitlement_check
from contracts.models import (
    ChargeRate,
    Contract,
    Customer,
    FirstVisit,
    ServicePeriod,
    ServiceUsage,
)
from contracts.services import (
    contract_document_upload,
    contract_renew,
    contract_save_draft,
    contract_sign,
    contract_terminate,
    contracts_update_service_states,
    customer_save,
    renewal_reminders_send,
    service_usage_record,
)
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent, Notification
from servicedesk.core.services import transition_run

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_numbers = iter(range(1, 100_000))


# -- helpers ---------------------------------------------------------------------------


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun", last_name="钱", first_name="军")


@pytest.fixture
def agent(make_user):
    return make_user(Role.FIRST_VISIT_AGENT, username="wufang", last_name="吴", first_name="芳")


def make_customer(by, name: str | None = None, **fields) -> Customer:
    return customer_save(
        customer=Customer(name=name or f"华东精密机械有限公司{next(_numbers)}", **fields), by=by
    )


def make_contract(
    by,
    customer: Customer | None = None,
    *,
    scope=(("repair", None, "year"), ("phone_support", None, "year")),
    free: tuple[dt.date, dt.date] | None = (TODAY - dt.timedelta(days=30), dt.date(2027, 6, 30)),
    rates=(),
    **fields,
) -> Contract:
    data = {
        "number": f"HT-{next(_numbers):05d}",
        "customer": customer or make_customer(by),
        "sales_manager": by,
        "signed_on": TODAY - dt.timedelta(days=30),
        "amount": Decimal("120000.00"),
        "service_level": "5x8",
        **fields,
        "scope_items": [
            {"service_type": t, "quota": q, "quota_period": per, "note": ""} for t, q, per in scope
        ],
        "charge_rates": [
            {"service_type": t, "unit": u, "price": Decimal(p), "note": ""} for t, u, p in rates
        ],
    }
    if free is not None:
        data["free_period"] = {"starts_on": free[0], "ends_on": free[1]}
    return contract_save_draft(by=by, data=data)


def in_state(contract: Contract, state: str) -> Contract:
    """Put a contract in a state for a test's setup (the state field is protected)."""
    Contract.objects.filter(pk=contract.pk).update(state=state)
    return Contract.objects.get(pk=contract.pk)


def reload(contract: Contract) -> Contract:
    return Contract.objects.get(pk=contract.pk)


# -- the transition matrix ---------------------------------------------------------------

ALL_STATES = list(ContractState.values)
ALLOWED = {
    "sign": {ContractState.DRAFT},
    "start_service": {ContractState.SIGNED},
    "expire": {ContractState.IN_SERVICE},
    "renew": {ContractState.SIGNED, ContractState.IN_SERVICE, ContractState.EXPIRED},
    "terminate": {
        ContractState.DRAFT,
        ContractState.SIGNED,
        ContractState.IN_SERVICE,
        ContractState.EXPIRED,
    },
}
TARGET = {
    "sign": ContractState.SIGNED,
    "start_service": ContractState.IN_SERVICE,
    "expire": ContractState.EXPIRED,
    "renew": ContractState.IN_SERVICE,
    "terminate": ContractState.TERMINATED,
}
SYSTEM = {"start_service", "expire"}  # run by the daily task, without a user


@pytest.mark.parametrize("source", ALL_STATES)
@pytest.mark.parametrize("name", list(ALLOWED))
def test_transition_matrix(name, source, sales):
    contract = in_state(make_contract(sales), source)
    by = None if name in SYSTEM else sales
    kwargs = {"reason": "客户倒闭"} if name == "terminate" else {}
    if source in ALLOWED[name]:
        with transaction.atomic():
            done = transition_run(instance=contract, name=name, by=by, kwargs=kwargs)
        assert done.state == TARGET[name]
        assert reload(contract).state == TARGET[name]
        assert DomainEvent.objects.filter(kind=f"contract.{name}", target_id=contract.pk).exists()
    else:
        with pytest.raises(TransitionConflict), transaction.atomic():
            transition_run(instance=contract, name=name, by=by, kwargs=kwargs)
        assert reload(contract).state == source


@pytest.mark.parametrize("name", ["sign", "renew", "terminate"])
def test_transitions_need_their_permission(name, sales, make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER)
    source = ContractState.DRAFT if name == "sign" else ContractState.IN_SERVICE
    contract = in_state(make_contract(sales), source)
    with pytest.raises(NotPermitted), transaction.atomic():
        transition_run(
            instance=contract,
            name=name,
            by=hotline,
            kwargs={"reason": "x"} if name == "terminate" else {},
        )
    assert reload(contract).state == source


# -- signing -----------------------------------------------------------------------------

MISSING = {
    "sales_manager": ("sales_manager", None, "a sales manager"),
    "signed_on": ("signed_on", None, "the signing date"),
    "amount": ("amount", None, "the amount"),
}


@pytest.mark.parametrize("field", list(MISSING))
def test_signing_lists_each_missing_field(field, sales, agent):
    name, value, label = MISSING[field]
    contract = make_contract(sales, **{name: value})
    with pytest.raises(ApplicationError) as exc:
        contract_sign(contract, by=sales, today=TODAY)
    assert label in exc.value.message
    assert label in exc.value.extra["non_field_errors"][0]
    assert reload(contract).state == ContractState.DRAFT
    assert not FirstVisit.objects.exists()


def test_signing_without_scope_or_free_period_lists_both(sales, agent):
    contract = make_contract(sales, scope=(), free=None, amount=None)
    with pytest.raises(ApplicationError) as exc:
        contract_sign(contract, by=sales, today=TODAY)
    for label in ("the amount", "the service scope", "the free service period"):
        assert label in exc.value.message
    assert "a sales manager" not in exc.value.message
    assert reload(contract).state == ContractState.DRAFT


def test_signing_creates_the_first_visit_for_the_least_busy_agent(
    sales, agent, make_user, django_capture_on_commit_callbacks
):
    busy = make_user(Role.FIRST_VISIT_AGENT, username="busy")
    FirstVisit.objects.create(
        contract=in_state(make_contract(sales), ContractState.SIGNED),
        customer=make_customer(sales),
        agent=busy,
    )
    contract = make_contract(sales)
    with django_capture_on_commit_callbacks(execute=True):
        signed = contract_sign(contract, by=sales, today=TODAY)
    # The free period began 30 days ago: straight into service.
    assert signed.state == ContractState.IN_SERVICE
    visit = FirstVisit.objects.get(contract=contract)
    assert visit.agent == agent
    assert visit.customer == contract.customer
    assert visit.state == "pending"
    event = DomainEvent.objects.get(kind="contract_signed", target_id=contract.pk)
    assert event.actor == sales
    assert event.data["first_visit"] == visit.pk
    assert Notification.objects.filter(recipient=agent, kind="first_visit").count() == 1


def test_signing_before_the_period_starts_stays_signed(sales, agent):
    contract = make_contract(sales, free=(TODAY + dt.timedelta(days=10), dt.date(2027, 12, 31)))
    assert contract_sign(contract, by=sales, today=TODAY).state == ContractState.SIGNED


def test_signing_files_the_uploaded_copies(sales, agent):
    contract = make_contract(sales)
    doc = contract_document_upload(
        contract=contract,
        kind="full",
        file=SimpleUploadedFile("c.pdf", PDF, content_type="application/pdf"),
        by=sales,
    )
    assert doc.filed_at is None
    contract_sign(contract, by=sales, today=TODAY)
    doc.refresh_from_db()
    assert doc.filed_at is not None


# -- the daily update --------------------------------------------------------------------


def test_update_service_states_starts_and_expires_idempotently(sales, agent):
    starting = make_contract(sales, free=(TODAY, dt.date(2027, 12, 31)))
    starting = contract_sign(starting, by=sales, today=TODAY - dt.timedelta(days=1))
    assert starting.state == ContractState.SIGNED
    ending = make_contract(sales, free=(dt.date(2025, 12, 1), TODAY - dt.timedelta(days=1)))
    ending = contract_sign(ending, by=sales, today=TODAY - dt.timedelta(days=2))
    assert ending.state == ContractState.IN_SERVICE
    running = contract_sign(make_contract(sales), by=sales, today=TODAY)

    assert contracts_update_service_states(today=TODAY) == {"started": 1, "expired": 1}
    assert reload(starting).state == ContractState.IN_SERVICE
    assert reload(ending).state == ContractState.EXPIRED
    assert reload(running).state == ContractState.IN_SERVICE
    assert contracts_update_service_states(today=TODAY) == {"started": 0, "expired": 0}


# -- renewals ----------------------------------------------------------------------------


def test_renewal_adds_a_paid_period_and_returns_to_service(sales, agent):
    contract = make_contract(sales, free=(dt.date(2025, 12, 1), TODAY - dt.timedelta(days=1)))
    contract_sign(contract, by=sales, today=TODAY - dt.timedelta(days=2))
    contracts_update_service_states(today=TODAY)
    assert reload(contract).state == ContractState.EXPIRED
    renewed = contract_renew(
        reload(contract),
        by=sales,
        starts_on=TODAY,
        ends_on=dt.date(2027, 11, 30),
        amount=Decimal("30000"),
    )
    assert renewed.state == ContractState.IN_SERVICE
    paid = ServicePeriod.objects.get(contract=contract, kind=PeriodKind.PAID)
    assert (paid.starts_on, paid.ends_on, paid.amount) == (
        TODAY,
        dt.date(2027, 11, 30),
        Decimal("30000.00"),
    )
    assert paid.created_by == sales


def test_renewal_overlapping_the_free_period_is_refused_and_rolled_back(sales, agent):
    contract = contract_sign(make_contract(sales), by=sales, today=TODAY)
    with pytest.raises(ApplicationError) as exc:
        contract_renew(contract, by=sales, starts_on=TODAY, ends_on=dt.date(2028, 1, 1))
    assert "starts_on" in exc.value.extra
    assert not ServicePeriod.objects.filter(contract=contract, kind=PeriodKind.PAID).exists()
    assert DomainEvent.objects.filter(kind="contract.renew").count() == 0


def test_renewal_reminder_30_days_before_once(sales, agent):
    soon = contract_sign(
        make_contract(sales, free=(dt.date(2025, 12, 21), TODAY + dt.timedelta(days=20))),
        by=sales,
        today=TODAY,
    )
    later = contract_sign(
        make_contract(sales, free=(dt.date(2025, 12, 21), TODAY + dt.timedelta(days=40))),
        by=sales,
        today=TODAY,
    )
    assert renewal_reminders_send(today=TODAY) == 1
    assert renewal_reminders_send(today=TODAY) == 0  # deduplicated
    reminders = Notification.objects.filter(kind="renewal")
    assert reminders.count() == 1
    reminder = reminders.get()
    assert reminder.recipient == sales
    assert soon.number in reminder.title
    assert later.number not in reminder.title
    # Ten days on, the second contract enters the window; the first is not repeated.
    assert renewal_reminders_send(today=TODAY + dt.timedelta(days=10)) == 1
    assert reminders.count() == 2


# -- termination -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_terminate_requires_a_reason(reason, sales):
    contract = make_contract(sales)
    with pytest.raises(ApplicationError) as exc:
        contract_terminate(contract, by=sales, reason=reason)
    assert "reason" in exc.value.extra
    assert reload(contract).state == ContractState.DRAFT


def test_terminate_records_the_reason(sales):
    contract = make_contract(sales)
    done = contract_terminate(contract, by=sales, reason="  客户改用其他厂商  ")
    assert done.state == ContractState.TERMINATED
    assert reload(contract).terminated_reason == "客户改用其他厂商"
    assert DomainEvent.objects.filter(kind="contract.terminate").count() == 1


# -- entitlement -------------------------------------------------------------------------


@pytest.fixture
def signed(sales, agent):
    """A contract in service: repair (2 a year) and phone support, free until 2027-06-30."""
    contract = make_contract(
        sales,
        scope=(("repair", 2, "year"), ("phone_support", None, "year")),
        free=(dt.date(2026, 7, 1), dt.date(2027, 6, 30)),
    )
    return contract_sign(contract, by=sales, today=TODAY)


def test_entitlement_in_scope(signed):
    result = entitlement_check(
        customer=signed.customer, service_type="repair", on=dt.date(2027, 1, 1)
    )
    assert (result.result, result.code) == ("in_scope", "in_scope")
    assert signed.number in result.reason
    assert result.contract == signed
    assert result.charge is None


def test_entitlement_type_not_covered_charged_at_the_company_standard(signed):
    result = entitlement_check(customer=signed.customer, service_type="training", on=TODAY)
    assert (result.result, result.code) == ("out_of_scope", "type_not_covered")
    assert result.charge.source == "standard"
    assert result.charge.price == Decimal("1200.00")
    assert result.charge.unit == "per_person_day"


def test_entitlement_charge_from_the_contracts_own_rate(sales, agent):
    contract = make_contract(sales, rates=(("training", "per_person_day", "900"),))
    contract_sign(contract, by=sales, today=TODAY)
    result = entitlement_check(customer=contract.customer, service_type="training", on=TODAY)
    assert result.result == "out_of_scope"
    assert (result.charge.source, result.charge.price) == ("contract", Decimal("900.00"))


def test_entitlement_quota_used_up(signed):
    for day in (dt.date(2026, 8, 1), dt.date(2026, 9, 1)):
        service_usage_record(contract=signed, service_type="repair", on=day)
    assert ServiceUsage.objects.count() == 2
    result = entitlement_check(customer=signed.customer, service_type="repair", on=TODAY)
    assert (result.result, result.code) == ("out_of_scope", "quota_used_up")
    assert "2026-07-01" in result.reason and "2027-06-30" in result.reason
    assert result.charge.price == Decimal("800.00")
    # Phone support has no quota: still in scope.
    phone = entitlement_check(customer=signed.customer, service_type="phone_support", on=TODAY)
    assert phone.result == "in_scope"


def test_entitlement_expired_the_day_after_the_period(signed):
    last = entitlement_check(
        customer=signed.customer, service_type="repair", on=dt.date(2027, 6, 30)
    )
    assert last.result == "in_scope"
    after = entitlement_check(
        customer=signed.customer, service_type="repair", on=dt.date(2027, 7, 1)
    )
    assert (after.result, after.code) == ("out_of_scope", "expired")
    assert "2027-06-30" in after.reason
    assert after.extra["ended_on"] == "2027-06-30"
    assert after.charge is not None


def test_entitlement_without_contract_is_undetermined(sales):
    customer = make_customer(sales)
    result = entitlement_check(customer=customer, service_type="repair", on=TODAY)
    assert (result.result, result.code) == ("undetermined", "no_contract")
    # Drafts do not count either.
    make_contract(sales, customer=customer)
    assert entitlement_check(customer=customer, service_type="repair").code == "no_contract"


def test_entitlement_without_scope_is_undetermined(sales):
    contract = in_state(make_contract(sales, scope=()), ContractState.IN_SERVICE)
    result = entitlement_check(customer=contract.customer, service_type="repair", on=TODAY)
    assert (result.result, result.code) == ("undetermined", "no_scope")


def test_entitlement_unknown_service_type_is_undetermined(signed):
    result = entitlement_check(customer=signed.customer, service_type="teleport", on=TODAY)
    assert (result.result, result.code) == ("undetermined", "unknown_service_type")


def test_entitlement_query_count_does_not_grow(sales, agent):
    one = make_customer(sales)
    contract_sign(make_contract(sales, customer=one), by=sales, today=TODAY)
    many = make_customer(sales)
    for year in range(20):
        contract = make_contract(
            sales,
            customer=many,
            free=(dt.date(2000 + year, 1, 1), dt.date(2000 + year, 12, 31)),
            rates=(("repair", "per_visit", "500"),),
        )
        in_state(contract, ContractState.EXPIRED)
    contract_sign(make_contract(sales, customer=many), by=sales, today=TODAY)
    for kind in ("repair", "training"):
        with CaptureQueriesContext(connection) as few:
            entitlement_check(customer=one, service_type=kind, on=TODAY)
        with CaptureQueriesContext(connection) as lots:
            entitlement_check(customer=many, service_type=kind, on=TODAY)
        assert len(few) == len(lots), (kind, len(few), len(lots))
        assert len(few) <= 6


# -- the API -----------------------------------------------------------------------------


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return client_for


def test_api_entitlement(signed, sales, api):
    url = f"/api/v1/contracts/{signed.pk}/entitlement/"
    inside = api(sales).get(url, {"service_type": "repair", "on": "2027-01-01"})
    assert inside.status_code == 200, inside.content
    assert inside.json()["result"] == "in_scope"
    after = api(sales).get(url, {"service_type": "repair", "on": "2027-07-01"}).json()
    assert (after["result"], after["code"]) == ("out_of_scope", "expired")
    assert after["charge"]["price"] == "800.00" or Decimal(after["charge"]["price"]) == 800
    bad = api(sales).get(url, {"service_type": "teleport", "on": "2027-01-01"})
    assert bad.status_code == 400
    assert "service_type" in bad.json()


def test_api_creates_a_draft_with_nested_scope_and_free_period(sales, api):
    customer = make_customer(sales)
    response = api(sales).post(
        "/api/v1/contracts/",
        {
            "number": "HT-API-1",
            "customer": customer.pk,
            "sales_manager": sales.pk,
            "signed_on": "2026-11-01",
            "amount": "50000.00",
            "service_level": "7x24",
            "scope_items": [
                {"service_type": "repair", "quota": 4, "quota_period": "year"},
                {"service_type": "phone_support"},
            ],
            "free_period": {"kind": "free", "starts_on": "2026-11-01", "ends_on": "2027-10-31"},
            "charge_rates": [{"service_type": "repair", "unit": "per_visit", "price": "600"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft"
    assert {s["service_type"] for s in data["scope_items"]} == {"repair", "phone_support"}
    assert data["periods"][0]["ends_on"] == "2027-10-31"
    contract = Contract.objects.get(number="HT-API-1")
    assert contract.charge_rates.get().price == Decimal("600.00")
    assert "sign" in data["available_transitions"]


def test_api_sign_incomplete_is_400_with_the_missing_items(sales, agent, api):
    contract = make_contract(sales, scope=(), amount=None)
    response = api(sales).post(f"/api/v1/contracts/{contract.pk}/transitions/sign/")
    assert response.status_code == 400
    errors = " ".join(response.json()["non_field_errors"])
    assert "the amount" in errors and "the service scope" in errors
    assert reload(contract).state == ContractState.DRAFT


def test_api_sign_then_sign_again_is_409(sales, agent, api):
    contract = make_contract(sales)
    first = api(sales).post(f"/api/v1/contracts/{contract.pk}/transitions/sign/")
    assert first.status_code == 200, first.content
    assert first.json()["state"] in ("signed", "in_service")
    assert FirstVisit.objects.filter(contract=contract).count() == 1
    again = api(sales).post(f"/api/v1/contracts/{contract.pk}/transitions/sign/")
    # Signed already: the signing problems are gone, so the transition itself refuses.
    assert again.status_code == 409
    assert FirstVisit.objects.filter(contract=contract).count() == 1


def test_api_hides_the_amount_from_those_without_the_full_copy(signed, sales, make_user, api):
    consultant = make_user(Role.CONSULTANT)
    assert api(sales).get(f"/api/v1/contracts/{signed.pk}/").json()["amount"] == "120000.00"
    assert api(consultant).get(f"/api/v1/contracts/{signed.pk}/").json()["amount"] is None


def test_api_full_copy_download_is_403_for_a_consultant(signed, sales, make_user, api):
    consultant = make_user(Role.CONSULTANT)
    full, redacted = (
        contract_document_upload(
            contract=signed,
            kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
            by=sales,
        )
        for kind in ("full", "redacted")
    )
    base = f"/api/v1/contracts/{signed.pk}/documents"
    assert api(consultant).get(f"{base}/{full.pk}/").status_code == 403
    ok = api(consultant).get(f"{base}/{redacted.pk}/")
    assert ok.status_code == 200
    assert b"".join(ok.streaming_content).startswith(b"%PDF")
    assert api(sales).get(f"{base}/{full.pk}/").status_code == 200


def test_standard_rates_exist():
    # The data migration's charging standard, which the entitlement falls back to.
    assert ChargeRate.objects.filter(contract__isnull=True, service_type="").exists()


def test_api_creates_a_draft_with_nested_scope(sales, api):
    customer = make_customer(sales)
    response = api(sales).post(
        "/api/v1/contracts/",
        {
            "number": "HT-API-2",
            "customer": customer.pk,
            "service_level": "5x8",
            "scope_items": [
                {"service_type": "repair", "quota": 4, "quota_period": "year"},
                {"service_type": "phone_support"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft"
    assert {s["service_type"]: s["quota"] for s in data["scope_items"]} == {
        "repair": 4,
        "phone_support": None,
    }
    duplicate = api(sales).post(
        "/api/v1/contracts/",
        {
            "number": "HT-API-3",
            "customer": customer.pk,
            "scope_items": [{"service_type": "repair"}, {"service_type": "repair"}],
        },
        format="json",
    )
    assert duplicate.status_code == 400
    assert "scope_items" in duplicate.json()
    assert not Contract.objects.filter(number="HT-API-3").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_signing_at_once_create_one_first_visit(sales, agent, make_user):
    """contract_sign locks the row: the second signer gets a conflict, not a second visit."""
    import threading

    from django.db import connections

    director = make_user(Role.DIRECTOR, username="zhaomin")
    contract = make_contract(sales)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(user):
        try:
            mine = Contract.objects.get(pk=contract.pk)
            barrier.wait(timeout=10)
            contract_sign(mine, by=user, today=TODAY)
            outcomes.append("signed")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(user,)) for user in (sales, director)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "signed"]
    assert FirstVisit.objects.filter(contract=contract).count() == 1
    assert DomainEvent.objects.filter(kind="contract_signed", target_id=contract.pk).count() == 1
