"""The field-service API (docs/api.md §resources) and row scoping
(docs/domain.md §visibility: an engineer sees the dispatches assigned to them, a partner's engineer
their partner's work, 404 otherwise — through the API and the portal)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fieldservice.choices import DispatchState
from fieldservice.models import Dispatch
from fieldservice.services import dispatch_verify
from servicedesk.core.choices import Role
from tests.fieldservice.factories import (
    REPORT,
    advance,
    make_engineer,
    make_partner,
    new_dispatch,
    signature_png,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(pk=None, action=None) -> str:
    base = "/api/v1/dispatches/"
    if pk is None:
        return base
    return f"{base}{pk}/{action + '/' if action else ''}"


def test_walk_through_the_api(manager, engineer):
    mgr, eng = api_for(manager), api_for(engineer.user)
    d = new_dispatch(manager)
    body = mgr.get(url(d.pk)).json()
    assert body["state"] == "requested"
    assert set(body["available_transitions"]) == {"verify", "cancel"}
    assert mgr.post(url(d.pk, "transitions/verify")).status_code == 200
    body = mgr.get(url(d.pk)).json()
    assert "assign" in body["available_transitions"]
    start = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    r = mgr.post(
        url(d.pk, "transitions/assign"),
        {"engineer": engineer.pk, "planned_start": start.isoformat()},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["engineer_name"] == str(engineer)
    assert eng.post(url(d.pk, "transitions/confirm")).status_code == 200
    r = eng.post(
        url(d.pk, "transitions/schedule"),
        {"appointment_at": start.isoformat(), "out_of_hours_reason": "客户要求"},
        format="json",
    )
    assert r.status_code == 200
    timers = {t["target"]: t["state"] for t in r.json()["timers"]}
    assert timers == {"verification": "met", "assignment": "met", "arrival": "running"}
    assert eng.post(url(d.pk, "transitions/check_in")).status_code == 200
    # Completing without the signature: 400 with the field, nothing changes.
    r = eng.post(url(d.pk, "transitions/complete"), REPORT, format="json")
    assert r.status_code == 400 and "signature" in r.json()
    r = eng.post(
        url(d.pk, "transitions/complete"),
        {
            **REPORT,
            "signature_image": signature_png(),
            "signer_name": "王主任",
            "leads": [{"kind": "new_module", "description": "固定资产模块"}],
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["customer_signed"] is True
    # The engineer may not write off; the manager may.
    assert eng.post(url(d.pk, "transitions/write_off"), {}, format="json").status_code == 403
    assert mgr.post(url(d.pk, "transitions/write_off"), {}, format="json").status_code == 200
    # A transition not allowed now: 409.
    assert mgr.post(url(d.pk, "transitions/verify")).status_code == 409
    forms = mgr.get(url(d.pk, "forms")).json()
    assert {f["code"] for f in forms} == {"dispatch_form", "service_report"}
    pdf = mgr.get(url(d.pk, "forms/service_report"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    history = mgr.get(url(d.pk, "history")).json()
    assert any(h["reason"] == "write_off" for h in history)


def test_create_bad_input_is_400(manager):
    r = api_for(manager).post(url(), {"problem": ""}, format="json")
    assert r.status_code == 400 and {"customer", "problem"} <= set(r.json())


def test_assign_conflict_is_400_with_the_reason(manager, make_user):
    d = dispatch_verify(new_dispatch(manager), by=manager)
    uncertified = make_engineer(make_user, certified_on=None)
    r = api_for(manager).post(
        url(d.pk, "transitions/assign"), {"engineer": uncertified.pk}, format="json"
    )
    assert r.status_code == 400
    assert "certification" in r.json()["engineer"][0]


def test_partner_engineers_see_only_their_partners_work(client, manager, make_user):
    alpha, beta = make_partner(name="甲方伙伴"), make_partner(name="乙方伙伴")
    a1 = make_engineer(make_user, partner=alpha)
    a2 = make_engineer(make_user, partner=alpha)
    b1 = make_engineer(make_user, partner=beta)
    ours = make_engineer(make_user)
    mine = advance(new_dispatch(manager), DispatchState.ASSIGNED, manager=manager, engineer=a2)
    theirs = advance(new_dispatch(manager), DispatchState.ASSIGNED, manager=manager, engineer=b1)
    unassigned = new_dispatch(manager)
    api = api_for(a1.user)
    listed = {row["id"] for row in api.get(url()).json()["results"]}
    assert listed == {mine.pk}
    assert api.get(url(mine.pk)).status_code == 200
    for other in (theirs, unassigned):
        assert api.get(url(other.pk)).status_code == 404
        assert api.post(url(other.pk, "transitions/confirm")).status_code == 404
        assert api.get(url(other.pk, "forms/service_report")).status_code == 404
    client.force_login(a1.user)
    assert client.get(reverse("fieldservice:dispatch", args=[mine.pk])).status_code == 200
    assert client.get(reverse("fieldservice:dispatch", args=[theirs.pk])).status_code == 404
    assert (
        client.post(
            reverse("fieldservice:dispatch-action", args=[theirs.pk, "confirm"])
        ).status_code
        == 404
    )
    assert client.get(reverse("fieldservice:complete", args=[theirs.pk])).status_code == 404
    assert theirs.number not in client.get(reverse("fieldservice:all")).content.decode()
    # Engineers and partners are scoped the same way.
    assert {e["id"] for e in api.get("/api/v1/engineers/").json()["results"]} == {a1.pk, a2.pk}
    assert {p["id"] for p in api.get("/api/v1/partners/").json()["results"]} == {alpha.pk}
    # Our own engineer sees only what is assigned to them.
    assert api_for(ours.user).get(url(mine.pk)).status_code == 404
    assert api_for(ours.user).get(url()).json()["count"] == 0
    # Managers and the hotline see everything.
    assert api_for(manager).get(url()).json()["count"] == 3


def test_partner_api_validates_billing(manager):
    api = api_for(manager)
    r = api.post(
        "/api/v1/partners/", {"name": "某伙伴", "billing_mode": "fee_share"}, format="json"
    )
    assert r.status_code == 400 and "fee_share_percent" in r.json()
    r = api.post(
        "/api/v1/partners/",
        {"name": "某伙伴", "billing_mode": "fee_share", "fee_share_percent": "35"},
        format="json",
    )
    assert r.status_code == 201


def test_list_query_count_does_not_grow_with_rows(manager, make_user):
    api = api_for(manager)
    engineers = [make_engineer(make_user) for _ in range(3)]
    for e in engineers[:1]:
        advance(new_dispatch(manager), DispatchState.SCHEDULED, manager=manager, engineer=e)
    with CaptureQueriesContext(connection) as few:
        assert api.get(url()).status_code == 200
    for i, e in enumerate(engineers):
        advance(
            new_dispatch(manager),
            DispatchState.SCHEDULED,
            manager=manager,
            engineer=e,
            appointment=timezone.now() + dt.timedelta(days=2 + i),
        )
        new_dispatch(manager)
    with CaptureQueriesContext(connection) as many:
        assert api.get(url()).json()["count"] == 7
    assert len(many) == len(few)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_assign_at_once_one_gets_409(make_user):
    import threading

    from django.db import connections

    from fieldservice.api.apis import DispatchViewSet

    first = make_user(Role.SERVICE_MANAGER)
    second = make_user(Role.SERVICE_MANAGER)
    e1, e2 = make_engineer(make_user), make_engineer(make_user)
    d = dispatch_verify(new_dispatch(first), by=first)
    barrier = threading.Barrier(2)
    original = DispatchViewSet.get_object

    def get_object(self):
        obj = original(self)
        if "assign" in self.request.path:
            barrier.wait(timeout=10)  # both requests read the dispatch as verified
        return obj

    statuses: list[int] = []

    def attempt(user, engineer):
        try:
            r = api_for(user).post(
                url(d.pk, "transitions/assign"), {"engineer": engineer.pk}, format="json"
            )
            statuses.append(r.status_code)
        finally:
            connections.close_all()

    DispatchViewSet.get_object = get_object
    try:
        threads = [
            threading.Thread(target=attempt, args=(first, e1)),
            threading.Thread(target=attempt, args=(second, e2)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        DispatchViewSet.get_object = original
    assert sorted(statuses) == [200, 409]
    d = Dispatch.objects.get(pk=d.pk)
    assert d.state == DispatchState.ASSIGNED
    assert d.history.filter(history_change_reason="assign").count() == 1


def test_spare_parts_resource_is_scoped_and_approvable(manager, make_user):
    from fieldservice.services import part_add

    tech = make_user(Role.TECH_MANAGER)
    alpha, beta = make_partner(name="甲"), make_partner(name="乙")
    a, b = make_engineer(make_user, partner=alpha), make_engineer(make_user, partner=beta)
    da = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=a)
    db = advance(
        new_dispatch(manager),
        DispatchState.ON_SITE,
        manager=manager,
        engineer=b,
        appointment=timezone.now() + dt.timedelta(days=2),
    )
    pa = part_add(da, by=a.user, part_name="电源", kind="loan", emergency=True)
    pb = part_add(db, by=b.user, part_name="硬盘")
    assert {p["id"] for p in api_for(a.user).get("/api/v1/spare-parts/").json()["results"]} == {
        pa.pk
    }
    assert api_for(a.user).get(f"/api/v1/spare-parts/{pb.pk}/").status_code == 404
    assert api_for(a.user).post(f"/api/v1/spare-parts/{pa.pk}/approve/").status_code == 403
    r = api_for(tech).post(f"/api/v1/spare-parts/{pa.pk}/approve/")
    assert r.status_code == 200 and r.json()["approved_by"] == tech.pk


def test_api_completion_body_is_the_phone_form(manager, engineer):
    """The API's completion body is derived from the phone's form: lists of leads and
    parts (checked row by row, 400 naming the list), both signatures under the contract's
    names, and the phone-only single-lead fields ignored."""
    from fieldservice.models import SalesLead, SparePartUsage
    from servicedesk.core.models import Signature

    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    api = api_for(engineer.user)
    body = {**REPORT, "signature_image": signature_png(), "signer_name": "王主任"}
    r = api.post(
        url(d.pk, "transitions/complete"),
        {**body, "leads": [{"kind": "no-such-kind", "description": "x"}]},
        format="json",
    )
    assert r.status_code == 400 and set(r.json()) == {"leads"}
    assert Dispatch.objects.get(pk=d.pk).state == DispatchState.ON_SITE
    r = api.post(
        url(d.pk, "transitions/complete"),
        {
            **body,
            "engineer_signature_image": signature_png(),
            "lead_kind": "new_module",  # the phone's field: not part of the API body
            "lead_description": "不应记录",
            "leads": [{"kind": "new_module", "description": "固定资产模块"}],
            "parts": [
                {"part_name": "电源模块", "serial_number": "PS-1"},
                {"part_name": "硬盘", "serial_number": "HD-2", "quantity": 2},
            ],
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert [lead.description for lead in SalesLead.objects.filter(dispatch=d)] == ["固定资产模块"]
    parts = SparePartUsage.objects.filter(dispatch=d).order_by("pk")
    assert [(p.part_name, p.quantity) for p in parts] == [("电源模块", 1), ("硬盘", 2)]
    roles = set(
        Signature.objects.filter(form="service_report").values_list("signer_role", flat=True)
    )
    assert len(roles) == 2
