"""Installations (docs/domain.md §installation): the assets an installation visit records
go into the customer's asset register and are shown at intake (is this serial under
warranty?) and on the customer archive; daily service reports; acceptance signed by the
customer; the follow-up call scheduled when the visit completes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.choices import RevisitReason
from contracts.models import Asset, Revisit
from fieldservice.choices import DispatchKind, DispatchState
from fieldservice.models import Dispatch
from fieldservice.models.installations import Installation, InstallationState
from fieldservice.services.installations import (
    INSTALLATION_REPORT,
    installation_accept,
    installation_asset_record,
    installation_day_record,
    installation_start,
)
from servicedesk.core import printforms
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from servicedesk.core.services import signature_record
from tests.fieldservice.factories import REPORT, advance, make_engineer, new_dispatch, signature_png

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER)


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user)


def _installing(manager, engineer) -> Installation:
    dispatch = new_dispatch(manager, kind=DispatchKind.INSTALLATION, problem="安装两台服务器")
    dispatch = advance(dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    return installation_start(dispatch, by=engineer.user)


def _record_two(installation, user) -> None:
    warranty = timezone.localdate() + dt.timedelta(days=3 * 365)
    installation_asset_record(
        installation,
        by=user,
        product="财务服务器",
        model="ThinkSystem SR650",
        part_number="7X06A0",
        serial_number="J30A1B2C",
        location="一楼机房 A3 机柜",
        warranty_end=warranty,
        licence="U8-2026-0001",
    )
    installation_asset_record(
        installation,
        by=user,
        model="DS5020",
        serial_number="SN-OLD-77",
        warranty_end=timezone.localdate() - dt.timedelta(days=1),
    )


def test_assets_from_an_installation_reach_the_register_and_the_intake(
    manager, engineer, make_user, client
):
    installation = _installing(manager, engineer)
    assert installation_start(installation.dispatch, by=engineer.user) == installation  # once
    _record_two(installation, engineer.user)
    asset = Asset.objects.get(serial_number="J30A1B2C")
    assert asset.customer == installation.customer
    assert asset.installation_number == installation.dispatch.number
    assert asset.under_warranty() is True
    assert Asset.objects.get(serial_number="SN-OLD-77").under_warranty() is False
    with pytest.raises(ApplicationError) as exc:
        installation_asset_record(installation, by=engineer.user, model="X", serial_number="")
    assert "serial_number" in exc.value.extra

    # At intake: the hotline finds the customer by the serial number and sees the warranty.
    hotline = make_user(Role.HOTLINE_ENGINEER)
    client.force_login(hotline)
    found = client.get("/tickets/new/lookup/", {"q": "J30A1B2C"}, **HTMX).content.decode()
    assert installation.customer.name in found and 'data-testid="match-serial"' in found
    card = client.get(
        "/tickets/new/customer/",
        {"customer": installation.customer_id, "service_type": "repair"},
        **HTMX,
    ).content.decode()
    assert "J30A1B2C" in card and "under warranty until" in card
    assert "SN-OLD-77" in card and "warranty ended" in card

    # And on the customer archive, with the visit that installed it.
    client.force_login(manager)
    archive = client.get(installation.customer.get_absolute_url()).content.decode()
    assert "J30A1B2C" in archive and installation.dispatch.number in archive


def test_daily_reports_and_acceptance(manager, engineer, django_capture_on_commit_callbacks):
    installation = _installing(manager, engineer)
    user = engineer.user
    today = timezone.localdate()
    installation_day_record(installation, by=user, day=today, work_done="上架、布线、装系统")
    installation_day_record(installation, by=user, day=today, work_done="上架、布线、装系统、测试")
    assert installation.days.count() == 1
    with pytest.raises(ApplicationError):
        installation_day_record(
            installation, by=user, day=today + dt.timedelta(days=1), work_done="x"
        )
    with pytest.raises(ApplicationError):
        installation_day_record(installation, by=user, day=today, work_done="x", hours=30)
    with pytest.raises(ApplicationError):
        installation_accept(installation, by=user)  # no asset, nobody signed
    _record_two(installation, user)
    # The engineer drafts the visit's service report before the customer signs.
    from fieldservice.services import dispatch_save_report

    dispatch_save_report(installation.dispatch, by=user, **REPORT)
    with django_capture_on_commit_callbacks(execute=True):
        signature_record(
            target=installation,
            form=INSTALLATION_REPORT,
            signer_name="周主任",
            signer_role="customer",
            image=signature_png(),
            by=user,
        )
    installation = Installation.objects.get(pk=installation.pk)
    assert installation.state == InstallationState.ACCEPTED
    with pytest.raises(TransitionConflict):
        installation_asset_record(installation, by=user, model="X", serial_number="Y")
    pdf = printforms.render(printforms.form_get(Installation, INSTALLATION_REPORT), installation)
    assert pdf.startswith(b"%PDF")

    # The signed report stands for the service report: the visit completes, and the
    # follow-up call 1–2 working days later is scheduled by the dispatch's completion.
    from fieldservice.services import dispatch_complete

    dispatch = Dispatch.objects.get(pk=installation.dispatch_id)
    assert dispatch.customer_signature_id == installation.acceptance_signature_id
    dispatch_complete(dispatch, by=user, **REPORT)
    follow_up = Revisit.objects.get(reason=RevisitReason.POST_VISIT, customer=dispatch.customer)
    assert today < follow_up.due_on <= today + dt.timedelta(days=5)


def test_only_an_installation_visit_records_assets(manager, engineer):
    dispatch = new_dispatch(manager)
    with pytest.raises(ApplicationError):
        installation_start(dispatch, by=manager)


def test_portal_and_api(manager, engineer, client):
    dispatch = new_dispatch(manager, kind=DispatchKind.INSTALLATION, problem="安装两台服务器")
    dispatch = advance(dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    client.force_login(engineer.user)
    page = client.get(dispatch.get_absolute_url()).content.decode()
    assert 'data-testid="start-installation"' in page
    started = client.post(f"/installations/start/{dispatch.pk}/")
    installation = Installation.objects.get(dispatch=dispatch)
    assert started.status_code == 302 and started.url == installation.get_absolute_url()
    assert client.get(installation.get_absolute_url()).status_code == 200
    bad = client.post(f"/installations/{installation.pk}/assets/", {"model": "SR650"})
    assert bad.status_code == 400
    ok = client.post(
        f"/installations/{installation.pk}/assets/",
        {"model": "SR650", "serial_number": "SN-P1"},
    )
    assert ok.status_code == 302 and Asset.objects.filter(serial_number="SN-P1").exists()
    api = APIClient()
    api.force_authenticate(engineer.user)
    body = api.get(f"/api/v1/installations/{installation.pk}/").json()
    assert body["assets"][0]["serial_number"] == "SN-P1"
    assert (
        api.post(f"/api/v1/installations/{installation.pk}/assets/", {"model": "X"}).status_code
        == 400
    )
    day = api.post(
        f"/api/v1/installations/{installation.pk}/days/",
        {"day": timezone.localdate().isoformat(), "work_done": "装机"},
    )
    assert day.status_code == 201
    refused = api.post(f"/api/v1/installations/{installation.pk}/transitions/accept/", {})
    assert refused.status_code == 409
