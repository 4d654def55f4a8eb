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
        reverse("fieldservice:list"),
        reverse("fieldservice:list") + "?state=&sort=-customer",
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
