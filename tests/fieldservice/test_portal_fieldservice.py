"""Portal pages of field service: they render for the right people, scope partner work
(404), refuse conflicts with a clear message, and run in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fieldservice.choices import DispatchState
from fieldservice.models import EngineerLeave
from servicedesk.core.choices import Role
from tests.fieldservice.factories import (
    REPORT,
    advance,
    make_engineer,
    make_partner,
    new_dispatch,
    reload,
    signature_png,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user, username="chengang")


def test_pages_render_for_the_manager(client, manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=engineer)
    new_dispatch(manager)
    client.force_login(manager)
    for url in [
        reverse("fieldservice:all"),
        reverse("fieldservice:all") + "?open=true&sort=-customer",
        reverse("fieldservice:create"),
        reverse("fieldservice:board"),
        reverse("fieldservice:person-days"),
        reverse("fieldservice:dispatch", args=[d.pk]),
        reverse("fieldservice:engineer", args=[engineer.pk]),
        d.customer.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("fieldservice:dispatch", args=[d.pk])).content.decode()
    assert "action-write_off" in page
    assert d.number in client.get(d.customer.get_absolute_url()).content.decode()


def test_engineer_phone_pages(client, manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    client.force_login(engineer.user)
    mine = client.get(reverse("fieldservice:mine"))
    assert mine.status_code == 200
    assert d.number in mine.content.decode()
    page = client.get(reverse("fieldservice:complete", args=[d.pk]))
    assert page.status_code == 200
    assert b"signature-pad" in page.content
    # No signature: refused with the reason, nothing typed is lost.
    data = {**REPORT, "signer_name": "王主任", "image": ""}
    response = client.post(reverse("fieldservice:complete", args=[d.pk]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "signature is missing" in text
    assert REPORT["cause"] in text
    assert reload(d).state == DispatchState.ON_SITE
    data["image"] = signature_png()
    response = client.post(reverse("fieldservice:complete", args=[d.pk]), data)
    assert response.status_code == 200
    assert reload(d).state == DispatchState.COMPLETED


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_board_and_list_queries_do_not_grow(client, manager, make_user):
    engineers = [make_engineer(make_user) for _ in range(2)]
    advance(new_dispatch(manager), DispatchState.ASSIGNED, manager=manager, engineer=engineers[0])
    new_dispatch(manager)
    client.force_login(manager)
    board, listing = reverse("fieldservice:board"), reverse("fieldservice:all")
    few = (_count(client, board), _count(client, listing))
    for i in range(4):
        e = make_engineer(make_user)
        EngineerLeave.objects.create(
            engineer=e, starts_on=timezone.localdate(), ends_on=timezone.localdate()
        )
        advance(
            new_dispatch(manager),
            DispatchState.SCHEDULED,
            manager=manager,
            engineer=engineers[1],
            appointment=timezone.now() + dt.timedelta(days=1, hours=3 * i),
        )
        new_dispatch(manager)
    assert (_count(client, board), _count(client, listing)) == few


def test_board_drop_assigns_or_explains_the_conflict(client, manager, make_user):
    ok = make_engineer(make_user)
    never = make_engineer(make_user, certified_on=None)
    d = new_dispatch(manager)
    client.force_login(manager)
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    headers = {"Accept": "application/json"}
    r = client.post(
        reverse("fieldservice:board-assign"),
        {"dispatch": d.pk, "engineer": never.pk, "day": day},
        headers=headers,
    )
    assert r.status_code == 400 and "has not passed certification" in r.json()["message"]
    assert reload(d).state == DispatchState.REQUESTED  # the verification rolled back too
    r = client.post(
        reverse("fieldservice:board-assign"),
        {"dispatch": d.pk, "engineer": ok.pk, "day": day},
        headers=headers,
    )
    assert r.json()["ok"] is True
    d = reload(d)
    assert (d.state, d.engineer) == (DispatchState.ASSIGNED, ok)
    assert timezone.localtime(d.planned_start).strftime("%H:%M") == "09:00"
    # The form fallback, with a conflict: the message is shown on the board.
    other = new_dispatch(manager)
    r = client.post(
        reverse("fieldservice:board-assign"),
        {
            "dispatch": other.pk,
            "engineer": ok.pk,
            "planned_start": f"{day}T10:00",
            "planned_minutes": 60,
        },
        follow=True,
    )
    assert "already has" in r.content.decode()
    assert reload(other).state == DispatchState.REQUESTED


def test_partner_engineer_gets_404_on_the_board_and_other_partners_pages(
    client, manager, make_user
):
    partner = make_partner()
    e = make_engineer(make_user, partner=partner)
    client.force_login(e.user)
    assert client.get(reverse("fieldservice:board")).status_code == 403
    assert client.get(reverse("fieldservice:person-days")).status_code == 403


def test_write_off_page_offers_the_next_step_and_creates_the_follow_up(client, manager, engineer):
    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    from fieldservice.services import dispatch_complete

    dispatch_complete(
        d,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": "unsolved"},
    )
    client.force_login(manager)
    page = client.get(reverse("fieldservice:dispatch", args=[d.pk])).content.decode()
    assert 'data-testid="action-write_off"' in page
    r = client.post(
        reverse("fieldservice:dispatch-action", args=[d.pk, "write_off"]), {"next_step": ""}
    )
    assert r.status_code == 400 and "follow-up dispatch or escalate" in r.content.decode()
    r = client.post(
        reverse("fieldservice:dispatch-action", args=[d.pk, "write_off"]),
        {"next_step": "follow_up", "note": "带备件"},
    )
    assert r.status_code == 302
    assert reload(d).follow_ups.get().state == DispatchState.VERIFIED


def test_person_days_per_partner(client, manager, make_user):
    partner = make_partner(person_day_rate="800.00")
    e = make_engineer(make_user, partner=partner)
    advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=e)
    client.force_login(manager)
    page = client.get(reverse("fieldservice:person-days")).content.decode()
    assert partner.name in page and "¥400.00" in page  # half a day × 800


def test_admin_pages(client, make_user, manager, engineer):
    admin_user = make_user(username="root", is_superuser=True, is_staff=True)
    d = advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=engineer)
    client.force_login(admin_user)
    for name in ["dispatch", "engineer", "partner", "saleslead", "sparepartusage"]:
        assert client.get(reverse(f"admin:fieldservice_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:fieldservice_dispatch_change", args=[d.pk])).status_code == 200
    assert (
        client.get(reverse("admin:fieldservice_engineer_change", args=[engineer.pk])).status_code
        == 200
    )


def test_dispatch_page_and_my_visits_queries_do_not_grow(client, manager, engineer):
    from fieldservice.services import part_add

    d = advance(new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer)
    client.force_login(manager)
    page = reverse("fieldservice:dispatch", args=[d.pk])
    _count(client, page)
    few = _count(client, page)
    for i in range(5):
        part_add(d, by=engineer.user, part_name=f"备件{i}")
    assert _count(client, page) == few
    client.force_login(engineer.user)
    mine = reverse("fieldservice:mine")
    _count(client, mine)
    few = _count(client, mine)
    for i in range(4):
        advance(
            new_dispatch(manager),
            DispatchState.SCHEDULED,
            manager=manager,
            engineer=engineer,
            appointment=timezone.now() + dt.timedelta(days=1, hours=3 * i),
        )
    assert _count(client, mine) == few


def test_board_drop_notes_missing_skills(client, manager, make_user):
    e = make_engineer(make_user, skills="U8")
    d = new_dispatch(manager, required_skills="U8、数据库")
    client.force_login(manager)
    r = client.post(
        reverse("fieldservice:board-assign"),
        {"dispatch": d.pk, "engineer": e.pk, "day": timezone.localdate().isoformat()},
        headers={"Accept": "application/json"},
    )
    assert r.json()["ok"] is True and "数据库" in r.json()["message"]


def test_fee_share_partner_gets_its_share_of_the_fee_set_at_write_off(client, manager, make_user):
    partner = make_partner(billing_mode="fee_share", person_day_rate=None, fee_share_percent="40")
    e = make_engineer(make_user, partner=partner)
    d = advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=e)
    client.force_login(manager)
    r = client.post(
        reverse("fieldservice:dispatch-action", args=[d.pk, "write_off"]),
        {"next_step": "", "service_fee": "-5"},
    )
    assert r.status_code == 400
    r = client.post(
        reverse("fieldservice:dispatch-action", args=[d.pk, "write_off"]),
        {"next_step": "", "service_fee": "500.00"},
    )
    assert r.status_code == 302 and str(reload(d).service_fee) == "500.00"
    page = client.get(reverse("fieldservice:person-days")).content.decode()
    assert "¥200.00" in page  # 40 % of 500


def test_declared_dispatch_list_reads_engineers_with_their_users(client, manager, make_user):
    """The list's engineer filter names each engineer by their user: one query for all of
    them, not one each (it drew 60 engineers in 60 queries; docs/architecture.md §load)."""
    make_engineer(make_user)
    new_dispatch(manager)
    client.force_login(manager)
    listing = reverse("fieldservice:all")
    few = _count(client, listing)
    for _ in range(5):
        make_engineer(make_user)
    assert _count(client, listing) == few
