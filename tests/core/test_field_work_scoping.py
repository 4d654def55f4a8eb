"""Field engineers see only the work they do (docs/domain.md §visibility.field,
servicedesk/core/scoping.py).

Our own engineer sees the customers, contacts, installed products, assets, first visits
and revisits of the customers of his dispatches, the contracts and tickets behind them and
only the deadlines of records he may open; a partner engineer the same for his partner's
dispatches. Outside that, every list leaves it out and every page and endpoint is a 404,
in the portal and the API. Managers and the hotline still see everything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from contracts.models import Asset, FirstVisit, InstalledProduct, Revisit
from contracts.services import contract_document_upload
from fieldservice.choices import DispatchState
from servicedesk.core.choices import Role
from servicedesk.core.models import SlaTimer
from servicedesk.core.navigation import nav_for
from tests.fieldservice.factories import advance, make_engineer, make_partner, new_dispatch
from tests.tickets.factories import make_contact, make_contract, make_customer, take_call

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _customer_world(sales, name: str) -> dict:
    customer = make_customer(sales, name=name, address="苏州工业园区星湖街 328 号")
    contract = make_contract(sales, customer)
    contact = make_contact(customer, name=f"{name[:2]}会计", mobile="13912345678")
    product = InstalledProduct.objects.create(
        customer=customer, contract=contract, software="U8", licence_number=f"DG-{customer.pk}"
    )
    asset = Asset.objects.create(customer=customer, contract=contract, model="SR650")
    revisit = Revisit.objects.create(
        customer=customer, contract=contract, due_on=dt.date(2026, 12, 20)
    )
    document = contract_document_upload(
        contract=contract,
        kind="redacted",
        file=SimpleUploadedFile("copy.pdf", PDF, content_type="application/pdf"),
        by=sales,
    )
    return {
        "customer": customer,
        "contract": contract,
        "contact": contact,
        "product": product,
        "asset": asset,
        "revisit": revisit,
        "first_visit": FirstVisit.objects.get(contract=contract),
        "document": document,
    }


@pytest.fixture
def world(make_user):
    sales = make_user(Role.SALES_MANAGER, username="qianjun")
    manager = make_user(Role.SERVICE_MANAGER, username="zhengwei")
    hotline = make_user(Role.HOTLINE_ENGINEER, username="wangjing")
    ours = make_engineer(make_user, username="chengang")
    xinda = make_partner(name="苏州信达")
    partner = make_engineer(make_user, partner=xinda, username="chuyang")
    colleague = make_engineer(make_user, partner=xinda, username="xinda2")
    elsewhere = make_engineer(make_user, partner=make_partner(name="无锡华信"), username="hx")

    a = _customer_world(sales, "苏州精工机械制造有限公司")  # ours
    b = _customer_world(sales, "和平医院")  # the partner's (a colleague's visit)
    c = _customer_world(sales, "恒达物流有限公司")  # nobody's

    a["ticket"] = take_call(hotline, a["customer"])
    a["other_ticket"] = take_call(hotline, a["customer"], description="报表打不开")
    c["ticket"] = take_call(hotline, c["customer"], description="恒达物流账套无法登录")
    a["dispatch"] = advance(
        new_dispatch(manager, a["customer"], ticket=a["ticket"]),
        DispatchState.SCHEDULED,  # with its arrival deadline
        manager=manager,
        engineer=ours,
    )
    b["dispatch"] = advance(
        new_dispatch(manager, b["customer"]),
        DispatchState.SCHEDULED,
        manager=manager,
        engineer=colleague,
    )
    c["dispatch"] = new_dispatch(manager, c["customer"])  # not assigned to anyone
    return {
        "sales": sales,
        "manager": manager,
        "hotline": hotline,
        "ours": ours.user,
        "partner": partner.user,
        "elsewhere": elsewhere.user,
        "a": a,
        "b": b,
        "c": c,
    }


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def listed(client: APIClient, resource: str) -> set[int]:
    response = client.get(f"/api/v1/{resource}/", {"page_size": 200})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# What each API resource lists, by the key of the record in a customer's world.
API = {
    "customers": "customer",
    "contacts": "contact",
    "installed-products": "product",
    "assets": "asset",
    "contracts": "contract",
    "first-visits": "first_visit",
    "revisits": "revisit",
}


def _visible_worlds(world, who: str) -> tuple[list[dict], list[dict]]:
    """(the customer worlds ``who`` works for, the others)."""
    mine = {"ours": ["a"], "partner": ["b"], "elsewhere": []}[who]
    return [world[k] for k in mine], [world[k] for k in "abc" if k not in mine]


@pytest.mark.parametrize("who", ["ours", "partner", "elsewhere"])
@pytest.mark.parametrize("resource", list(API))
def test_api_lists_and_details_only_the_customers_of_their_dispatches(world, who, resource):
    client = api_for(world[who])
    key = API[resource]
    mine, others = _visible_worlds(world, who)
    assert listed(client, resource) == {w[key].pk for w in mine}
    for w in mine:
        assert client.get(f"/api/v1/{resource}/{w[key].pk}/").status_code == 200
    for w in others:
        assert client.get(f"/api/v1/{resource}/{w[key].pk}/").status_code == 404
        assert client.get(f"/api/v1/{resource}/{w[key].pk}/history/").status_code == 404


@pytest.mark.parametrize("resource", list(API))
def test_managers_and_the_hotline_still_see_everything(world, resource):
    key = API[resource]
    everything = {world[k][key].pk for k in "abc"}
    for who in ("manager", "hotline"):
        assert everything <= listed(api_for(world[who]), resource)


def test_tickets_only_behind_their_dispatches(world):
    a, c = world["a"], world["c"]
    client = api_for(world["ours"])
    assert listed(client, "tickets") == {a["ticket"].pk}
    assert client.get(f"/api/v1/tickets/{a['ticket'].pk}/").status_code == 200
    # another ticket of the same customer, and a ticket of a customer he never visits
    for ticket in (a["other_ticket"], c["ticket"]):
        assert client.get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404
        assert client.get(f"/api/v1/tickets/{ticket.pk}/history/").status_code == 404
    assert listed(api_for(world["partner"]), "tickets") == set()
    everything = {a["ticket"].pk, a["other_ticket"].pk, c["ticket"].pk}
    assert listed(api_for(world["manager"]), "tickets") == everything


def _subjects(timer_ids) -> set[tuple[str, int]]:
    return {
        (t.subject_type.model, t.subject_id)
        for t in SlaTimer.objects.filter(pk__in=timer_ids).select_related("subject_type")
    }


def test_timers_only_of_records_they_may_open(world):
    a, b, c = world["a"], world["b"], world["c"]
    ticket_ct = ContentType.objects.get_for_model(c["ticket"])
    theirs = SlaTimer.objects.filter(subject_type=ticket_ct, subject_id=c["ticket"].pk)
    assert theirs.exists()  # the hotline's deadlines of a ticket he has nothing to do with

    ours = api_for(world["ours"])
    seen = _subjects(listed(ours, "timers"))
    assert ("dispatch", a["dispatch"].pk) in seen
    assert seen <= {
        ("dispatch", a["dispatch"].pk),
        ("ticket", a["ticket"].pk),
        ("contract", a["contract"].pk),
        ("firstvisit", a["first_visit"].pk),
        ("revisit", a["revisit"].pk),
    }
    for timer in theirs:
        assert ours.get(f"/api/v1/timers/{timer.pk}/").status_code == 404

    partner_seen = _subjects(listed(api_for(world["partner"]), "timers"))
    assert ("dispatch", b["dispatch"].pk) in partner_seen
    assert {s for s in partner_seen if s[0] == "dispatch"} == {("dispatch", b["dispatch"].pk)}
    assert not ({("ticket", c["ticket"].pk), ("ticket", a["ticket"].pk)} & partner_seen)

    everything = set(SlaTimer.objects.values_list("pk", flat=True))
    assert listed(api_for(world["manager"]), "timers") == everything


def test_portal_pages_are_404_outside_their_work(client, world):
    a, b, c = world["a"], world["b"], world["c"]
    client.force_login(world["ours"])

    def status(url: str) -> int:
        return client.get(url).status_code

    contract_ct = ContentType.objects.get_for_model(a["contract"])
    for w, expected in ((a, 200), (b, 404), (c, 404)):
        assert status(w["customer"].get_absolute_url()) == expected
        assert status(w["contract"].get_absolute_url()) == expected
        assert status(w["first_visit"].get_absolute_url()) == expected
        assert status(w["revisit"].get_absolute_url()) == expected
        copy = reverse("contracts:contract-document", args=[w["contract"].pk, w["document"].pk])
        assert status(copy) == expected
        assert (
            status(
                reverse("core:form-pdf", args=[contract_ct.pk, w["contract"].pk, "service_summary"])
            )
            == expected
        )
    assert status(a["ticket"].get_absolute_url()) == 200
    assert status(a["other_ticket"].get_absolute_url()) == 404
    assert status(c["ticket"].get_absolute_url()) == 404


def test_portal_lists_name_only_their_customers(client, world):
    a, b, c = world["a"], world["b"], world["c"]
    client.force_login(world["partner"])
    pages = [
        reverse("contracts:all-customers"),
        reverse("contracts:all-contracts"),
        reverse("fieldservice:all"),
        reverse("contracts:all-first-visits"),
        reverse("core:timers") + "?state=all",
        reverse("core:timers"),
        reverse("core:dashboard"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for other in (a, c):
            assert other["customer"].name not in html, url
            assert other["contract"].number not in html, url
    customers = client.get(reverse("contracts:all-customers")).content.decode()
    assert b["customer"].name in customers
    # the customer archive shows the contacts, mobiles and dongles of his own customer only
    archive = client.get(b["customer"].get_absolute_url()).content.decode()
    assert b["contact"].name in archive and b["product"].licence_number in archive
    search = client.get(reverse("contracts:customers"), {"q": "13912345678"}, follow=True)
    search = search.content.decode()
    assert a["customer"].name not in search and c["customer"].name not in search


def test_deadline_page_names_no_record_he_cannot_open(client, world):
    c = world["c"]
    client.force_login(world["ours"])
    html = client.get(reverse("core:timers") + "?state=all").content.decode()
    assert c["ticket"].number not in html
    assert c["ticket"].caller_company not in html
    assert world["a"]["dispatch"].number in html


def test_menu_hides_what_field_engineers_do_not_do(world):
    def urls(user) -> set[str]:
        return {entry["url"] for entry in nav_for(user)}

    hidden = {reverse("tickets:queue"), reverse("contracts:all-first-visits")}
    assert not (urls(world["ours"]) & hidden)
    assert not (urls(world["partner"]) & hidden)
    assert hidden <= urls(world["manager"])
    # what they do keeps its place
    assert reverse("fieldservice:mine") in urls(world["ours"])
    assert reverse("contracts:all-customers") in urls(world["ours"])


def test_recording_pages_offer_only_their_customers(client, world):
    a, b, c = world["a"], world["b"], world["c"]
    client.force_login(world["ours"])
    for url in (reverse("defects:defect-create"), reverse("defects:requirement-create")):
        html = client.get(url).content.decode()
        assert a["customer"].name in html, url
        assert b["customer"].name not in html and c["customer"].name not in html, url


def test_api_refuses_references_to_records_outside_their_work(world):
    a, c = world["a"], world["c"]
    client = api_for(world["ours"])
    defect = {
        "severity": "general",
        "title": "月末结账提示未记账凭证",
        "steps": "月末结账→提示存在未记账凭证",
        "customer_sees": "提示存在未记账凭证",
        "product": "U8",
        "version": "V16.0",
        "module": "总账",
        "site": "财务部",
    }
    for field, value in (
        ("customer", c["customer"].pk),
        ("contract", c["contract"].pk),
        ("ticket", c["ticket"].pk),
        ("dispatch", c["dispatch"].pk),
    ):
        response = client.post("/api/v1/defects/", {**defect, field: value}, format="json")
        assert response.status_code == 400, field
        assert list(response.json()) == [field]
    ok = client.post(
        "/api/v1/defects/",
        {**defect, "customer": a["customer"].pk, "dispatch": a["dispatch"].pk},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    requirement = {
        "customer": c["customer"].pk,
        "title": "应收账龄表按业务员汇总",
        "description": "按业务员汇总应收账龄",
        "intent": "考核业务员回款",
        "product": "U8",
    }
    response = client.post("/api/v1/requirements/", requirement, format="json")
    assert response.status_code == 400 and list(response.json()) == ["customer"]
