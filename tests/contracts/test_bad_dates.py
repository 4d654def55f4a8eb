"""Bad dates cannot break pages (issue 10 §7).

A service period is bounded (at most ten years, within sensible years), never overlaps
another, and a gap before a renewal needs confirmation; and every page that computes with
stored dates answers with stored extremes (0001-01-01, 9999-12-31) instead of a 500."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from rest_framework.test import APIClient

from contracts.choices import PeriodKind
from contracts.models import (
    Asset,
    Contract,
    Customer,
    InstalledProduct,
    Revisit,
    ServicePeriod,
)
from contracts.services import contract_renew
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from tests.tickets.factories import make_contract, make_customer, take_call

pytestmark = pytest.mark.django_db

FIRST, LAST = dt.date.min, dt.date.max


@pytest.fixture
def boss(make_user):
    return make_user(
        Role.DIRECTOR,
        Role.SALES_MANAGER,
        Role.SERVICE_MANAGER,
        Role.HOTLINE_ENGINEER,
        username="zhaomin",
        is_staff=True,
    )


def refused(call) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as exc:
        call()
    return exc.value.extra


# -- service periods are validated ------------------------------------------------------


def test_a_renewal_to_9999_is_refused_and_the_page_still_opens(client, boss):
    contract = make_contract(boss)  # free period 2026-01-01 … 2027-12-31
    errors = refused(
        lambda: contract_renew(
            contract, by=boss, starts_on=dt.date(2028, 1, 1), ends_on=dt.date(9999, 12, 31)
        )
    )
    assert "ends_on" in errors
    assert contract.periods.count() == 1
    client.force_login(boss)
    response = client.post(
        reverse("contracts:contract-renew", args=[contract.pk]),
        {"starts_on": "2028-01-01", "ends_on": "9999-12-31"},
    )
    assert response.status_code == 400
    assert "10" in response.content.decode()  # "at most 10 years"
    assert client.get(contract.get_absolute_url()).status_code == 200


def test_a_period_is_at_most_ten_years(boss):
    contract = make_contract(boss)
    errors = refused(
        lambda: contract_renew(
            contract, by=boss, starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2038, 1, 1)
        )
    )
    assert list(errors) == ["ends_on"]
    contract_renew(contract, by=boss, starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2037, 12, 31))
    assert contract.periods.count() == 2


def test_periods_do_not_overlap_and_a_gap_needs_confirmation(boss):
    contract = make_contract(boss)
    errors = refused(
        lambda: contract_renew(
            contract, by=boss, starts_on=dt.date(2027, 12, 1), ends_on=dt.date(2028, 11, 30)
        )
    )
    assert list(errors) == ["starts_on"]
    errors = refused(
        lambda: contract_renew(
            contract, by=boss, starts_on=dt.date(2028, 3, 1), ends_on=dt.date(2029, 2, 28)
        )
    )
    assert list(errors) == ["confirm_gap"]
    assert "60" in errors["confirm_gap"][0]  # 2028-01-01 … 2028-02-29 without service
    contract_renew(
        contract,
        by=boss,
        starts_on=dt.date(2028, 3, 1),
        ends_on=dt.date(2029, 2, 28),
        confirm_gap=True,
    )
    assert contract.periods.count() == 2


def test_the_renewal_form_and_the_api_ask_to_confirm_a_gap(client, boss):
    contract = make_contract(boss)
    client.force_login(boss)
    url = reverse("contracts:contract-renew", args=[contract.pk])
    gap = {"starts_on": "2028-03-01", "ends_on": "2029-02-28"}
    response = client.post(url, gap)
    assert response.status_code == 400
    assert 'name="confirm_gap"' in response.content.decode()
    assert contract.periods.count() == 1
    assert client.post(url, {**gap, "confirm_gap": "on"}).status_code == 302
    assert contract.periods.count() == 2
    api = APIClient()
    api.force_authenticate(boss)
    transition = f"/api/v1/contracts/{contract.pk}/transitions/renew/"
    late = {"starts_on": "2030-01-01", "ends_on": "2030-12-31"}
    response = api.post(transition, late, format="json")
    assert response.status_code == 400 and list(response.json()) == ["confirm_gap"]
    response = api.post(transition, {**late, "confirm_gap": True}, format="json")
    assert response.status_code == 200, response.content
    response = api.post(
        transition, {"starts_on": "2031-01-01", "ends_on": "9999-12-31"}, format="json"
    )
    assert response.status_code == 400 and "ends_on" in response.json()


# -- stored extremes do not break pages -------------------------------------------------


@pytest.fixture
def extreme(boss):
    """A customer whose stored dates are the extremes a database can hold (imported data,
    an old version, a direct edit): pages must still answer."""
    customer = make_customer(boss, name="极端日期测试有限公司", in_use_since=LAST)
    contract = make_contract(boss, customer)
    ServicePeriod.objects.bulk_create(
        [
            ServicePeriod(contract=contract, kind=PeriodKind.PAID, starts_on=FIRST, ends_on=FIRST),
            ServicePeriod(
                contract=contract,
                kind=PeriodKind.PAID,
                starts_on=dt.date(9990, 1, 1),
                ends_on=LAST,
                amount=Decimal("1.00"),
            ),
        ]
    )
    Contract.objects.filter(pk=contract.pk).update(signed_on=LAST)
    InstalledProduct.objects.create(customer=customer, software="U8", go_live_on=FIRST)
    Asset.objects.create(customer=customer, model="SR650", warranty_end=LAST)
    Revisit.objects.create(customer=customer, contract=contract, due_on=LAST)
    Revisit.objects.create(customer=customer, contract=contract, due_on=FIRST, reason="post_visit")
    ticket = take_call(boss, customer)
    return {"customer": customer, "contract": contract, "ticket": ticket}


def test_pages_answer_with_stored_extremes(client, boss, extreme):
    customer, contract = extreme["customer"], extreme["contract"]
    client.force_login(boss)
    client.raise_request_exception = False  # count every 500, not only the first
    contract_ct = ContentType.objects.get_for_model(contract)
    revisit = Revisit.objects.filter(customer=customer).first()
    pages = [
        contract.get_absolute_url(),
        customer.get_absolute_url(),
        reverse("contracts:all-contracts"),
        reverse("contracts:all-contracts") + "?sort=signed",
        reverse("contracts:all-contracts") + "?sort=-signed",
        reverse("contracts:contract-renewals"),
        reverse("contracts:all-customers"),
        reverse("contracts:all-revisits"),
        revisit.get_absolute_url(),
        contract.first_visit.get_absolute_url(),
        reverse("core:dashboard"),
        extreme["ticket"].get_absolute_url(),
        reverse("tickets:intake") + f"?customer={customer.pk}",
        reverse("core:form-pdf", args=[contract_ct.pk, contract.pk, "service_summary"]),
        reverse("admin:contracts_contract_change", args=[contract.pk]),
        reverse("admin:contracts_contract_transition", args=[contract.pk, "renew"]),
        reverse("admin:contracts_serviceperiod_changelist"),
        f"/api/v1/contracts/{contract.pk}/",
        f"/api/v1/customers/{customer.pk}/",
    ]
    # Asking about a day outside 2000–2099 is bad input (docs/architecture.md
    # §text-hygiene): a 400 that says so, never a 500.
    asked = [
        reverse("contracts:entitlement") + f"?customer={customer.pk}&service_type=repair&on={day}"
        for day in ("9999-12-31", "0001-01-01")
    ] + [
        f"/api/v1/contracts/{contract.pk}/entitlement/?service_type=repair&on={day}"
        for day in ("9999-12-31", "0001-01-01")
    ]
    failures = {}
    for url in pages:
        status = client.get(url).status_code
        if status != 200:
            failures[url] = status
    for url in asked:
        status = client.get(url).status_code
        if status != 400:
            failures[url] = status
    assert failures == {}


# -- over-long text is refused with a message, never cut -----------------------------------

LONG_NAME = "华东精密机械制造有限公司" * 34  # 408 characters; the name holds 200


def test_the_customer_form_refuses_a_long_name_instead_of_cutting_it(client, boss):
    client.force_login(boss)
    url = reverse("contracts:customer-add")
    form = client.get(url).content.decode()
    assert " maxlength=" not in form  # the browser would cut a pasted name silently
    response = client.post(url, {"name": LONG_NAME, "category": "B"})
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "at most 200 characters (it has 408)" in page
    assert LONG_NAME in page  # what was typed is kept, nothing lost
    assert not Customer.objects.filter(name__startswith=LONG_NAME[:12]).exists()


def test_the_api_and_the_excel_import_refuse_long_text(boss):
    import tablib

    from contracts.resources import CustomerResource

    api = APIClient()
    api.force_authenticate(boss)
    response = api.post("/api/v1/customers/", {"name": LONG_NAME}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["name"]
    customer = make_customer(boss, address="星湖街 328 号")
    dispatch = api.post(
        "/api/v1/dispatches/",
        {"customer": customer.pk, "problem": "凭证无法保存", "site_address": "星湖街" * 101},
        format="json",
    )
    assert dispatch.status_code == 400, dispatch.content
    assert list(dispatch.json()) == ["site_address"]
    rows = tablib.Dataset(headers=["name"])
    rows.append([LONG_NAME])
    result = CustomerResource().import_data(rows, dry_run=False)
    assert result.has_validation_errors()
    assert not Customer.objects.filter(name__startswith=LONG_NAME[:12]).exists()


def test_other_pages_and_the_daily_revisits_answer_with_stored_extremes(client, boss, make_user):
    from contracts.services.visits import revisits_generate, revisits_mark_missed
    from defects.models import EvaluationReport
    from fieldservice.models import EngineerLeave
    from tests.defects.factories import record_requirement
    from tests.fieldservice.factories import make_engineer

    customer = make_customer(boss, in_use_since=LAST)
    make_contract(boss, customer)
    Revisit.objects.create(customer=customer, due_on=FIRST)
    assert revisits_mark_missed()["missed"] >= 1  # a stored 0001-01-01 revisit is missed
    revisits_generate()  # and the next one is planned from it, without an overflow
    report = EvaluationReport.objects.create(period_start=FIRST, period_end=LAST, created_by=boss)
    requirement = record_requirement(boss, customer)
    type(requirement).objects.filter(pk=requirement.pk).update(
        planned_start=FIRST, planned_delivery=LAST
    )
    engineer = make_engineer(make_user, certified_on=FIRST, expires_on=LAST)
    EngineerLeave.objects.create(engineer=engineer, starts_on=FIRST, ends_on=LAST)
    client.force_login(boss)
    client.raise_request_exception = False
    pages = [
        reverse("defects:report", args=[report.pk]),
        reverse("defects:reports"),
        requirement.get_absolute_url(),
        reverse("defects:requirements"),
        reverse("fieldservice:engineer", args=[engineer.pk]),
        reverse("fieldservice:board"),
        reverse("fieldservice:board") + "?start=9999-12-31",
        reverse("fieldservice:board") + "?start=0001-01-01",
        reverse("fieldservice:person-days") + "?year=9999&month=12",
        reverse("tickets:roster") + "?week=9999-12-31",
        reverse("tickets:roster") + "?week=0001-01-01",
        reverse("tickets:call-stats") + "?start=0001-01-01&end=9999-12-31",
        reverse("contracts:all-revisits") + "?due_before=9999-12-31&due_after=0001-01-01",
        customer.get_absolute_url(),
    ]
    failures = {}
    for url in pages:
        status = client.get(url).status_code
        if status != 200:
            failures[url] = status
    assert failures == {}
