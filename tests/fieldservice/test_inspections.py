"""Routine inspections (docs/domain.md §inspection): generation ahead of time, never twice
(run twice, and on two workers at once on PostgreSQL), stopping at the contract's service
end and at its quota; the checklist item by item, issues raised in one step, the report
signed by the customer; the portal pages and the API."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from fieldservice.choices import DispatchKind, DispatchSource, DispatchState
from fieldservice.models import Dispatch
from fieldservice.models.inspections import Inspection, InspectionItem, InspectionState
from fieldservice.printing_inspections import yearly_schedule
from fieldservice.services.inspections import (
    INSPECTION_REPORT,
    inspection_finish,
    inspection_item_raise,
    inspection_item_record,
    inspection_schedule_save,
    inspections_generate,
)
from servicedesk.core import printforms
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from servicedesk.core.services import signature_record
from tests.fieldservice.factories import advance, make_engineer, signature_png
from tests.fieldservice.inspection_factories import serving_contracts

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER)


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user)


def _today() -> dt.date:
    return timezone.localdate()


def test_generation_makes_the_dispatches_ahead_once(engineer):
    serving_contracts(3, engineer=engineer, frequency_months=1)
    first = inspections_generate(today=_today())
    assert first["created"] == 3
    again = inspections_generate(today=_today())
    assert again["created"] == 0
    assert Inspection.objects.count() == 3
    dispatch = Dispatch.objects.filter(kind=DispatchKind.ROUTINE_INSPECTION).first()
    assert dispatch.source == DispatchSource.SCHEDULE
    assert dispatch.state == DispatchState.REQUESTED
    assert dispatch.engineer == engineer
    assert dispatch.number.startswith("PG")
    assert dispatch.history.count() == 1  # the creation, in words in the history panel
    inspection = dispatch.inspection
    assert inspection.due_on == _today() + dt.timedelta(days=3)
    assert inspection.items.count() == 12  # with the software checks
    # Two weeks ahead only: next month's inspection is made later, not now.
    later = inspections_generate(today=_today() + dt.timedelta(days=25))
    assert later["created"] == 3
    assert Inspection.objects.count() == 6


def test_generation_stops_at_the_end_of_service():
    today = _today()
    # Monthly from 3 days on, service ends 20 days from now: one inspection, never the next.
    serving_contracts(2, ends_on=today + dt.timedelta(days=20), frequency_months=1)
    assert inspections_generate(today=today)["created"] == 2
    result = inspections_generate(today=today + dt.timedelta(days=25))
    assert result["created"] == 0
    assert result["beyond_service"] == 2
    assert Inspection.objects.count() == 2


def test_generation_stops_when_the_quota_is_used():
    today = _today()
    # Weekly-ish rhythm via fixed days would be long; monthly with a quota of one a year.
    serving_contracts(1, quota=1, quota_period="period", frequency_months=1)
    assert inspections_generate(today=today)["created"] == 1
    result = inspections_generate(today=today + dt.timedelta(days=25))
    assert result["created"] == 0 and result["quota_used"] == 1


def test_a_terminated_contract_gets_no_more_inspections():
    schedule = serving_contracts(1)[0]
    Dispatch.objects.none()
    from contracts.models import Contract

    Contract.objects.filter(pk=schedule.contract_id).update(state="terminated")
    assert inspections_generate(today=_today())["created"] == 0


def test_schedule_save_refuses_a_contract_without_inspections(manager):
    schedule = serving_contracts(1)[0]
    contract = schedule.contract
    contract.scope_items.all().delete()
    with pytest.raises(ApplicationError) as exc:
        inspection_schedule_save(
            by=manager, contract=contract, starts_on=_today(), frequency_months=3
        )
    assert "contract" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        inspection_schedule_save(
            by=manager, contract=contract, starts_on=_today(), fixed_days="13-40"
        )
    assert "fixed_days" in exc.value.extra


def test_fixed_days_schedule(manager):
    contract = serving_contracts(1)[0].contract
    today = _today()
    day = today + dt.timedelta(days=5)
    schedule = inspection_schedule_save(
        by=manager,
        contract=contract,
        starts_on=today,
        fixed_days=f"{day:%m-%d}，{(day + dt.timedelta(days=100)):%m-%d}",
    )
    assert schedule.dates_between(today, today + dt.timedelta(days=14)) == [day]
    table = yearly_schedule(schedule).blocks[-1]
    assert [row[1] for row in table.rows] == [
        day.isoformat(),
        (day + dt.timedelta(days=100)).isoformat(),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_each_inspection_once():
    serving_contracts(120, frequency_months=1)
    barrier = threading.Barrier(2)
    results: list[dict] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(inspections_generate(today=_today(), batch_size=20))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    assert sum(r["created"] for r in results) == 120
    assert Inspection.objects.count() == 120
    assert Dispatch.objects.count() == 120


# -- on site ----------------------------------------------------------------------------


def _on_site(manager, engineer) -> Inspection:
    serving_contracts(1, engineer=engineer, includes_software=False)
    inspections_generate(today=_today())
    inspection = Inspection.objects.get()
    advance(inspection.dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer)
    return Inspection.objects.get(pk=inspection.pk)


def test_the_checklist_item_by_item_to_the_signed_report(
    manager, engineer, django_capture_on_commit_callbacks
):
    inspection = _on_site(manager, engineer)
    user = engineer.user
    items = list(inspection.items.all())
    assert len(items) == 10
    with pytest.raises(ApplicationError):
        inspection_finish(inspection, by=user)  # nothing answered yet
    with pytest.raises(ApplicationError) as exc:
        inspection_item_record(items[0], by=user, result="issue", note="")
    assert "note" in exc.value.extra
    inspection_item_record(items[0], by=user, result="issue", note="机房温度 31℃，空调故障")
    for item in items[1:]:
        inspection_item_record(item, by=user, result="ok")
    raised = inspection_item_raise(
        InspectionItem.objects.get(pk=items[0].pk), by=user, to="dispatch"
    )
    follow_up = raised.follow_up
    assert follow_up.follow_up_of == inspection.dispatch
    assert follow_up.source == DispatchSource.FOLLOW_UP
    with pytest.raises(TransitionConflict):
        inspection_item_raise(raised, by=user, to="ticket")

    inspection = inspection_finish(inspection, by=user, summary="建议维修空调")
    assert inspection.state == InspectionState.CHECKED
    dispatch = Dispatch.objects.get(pk=inspection.dispatch_id)
    assert dispatch.report_missing() == []  # the service report is drafted from the checklist
    with pytest.raises(TransitionConflict):
        inspection_item_record(items[1], by=user, result="issue", note="x")

    with django_capture_on_commit_callbacks(execute=True):
        signature_record(
            target=inspection,
            form=INSPECTION_REPORT,
            signer_name="王主任",
            signer_role="customer",
            image=signature_png(),
            by=user,
        )
    inspection = Inspection.objects.get(pk=inspection.pk)
    assert inspection.state == InspectionState.SIGNED
    assert inspection.customer_signature is not None
    dispatch = Dispatch.objects.get(pk=inspection.dispatch_id)
    assert dispatch.customer_signature_id == inspection.customer_signature_id
    pdf = printforms.render(printforms.form_get(Inspection, INSPECTION_REPORT), inspection)
    assert pdf.startswith(b"%PDF")


def test_someone_elses_engineer_may_not_fill_the_checklist(manager, engineer, make_user):
    inspection = _on_site(manager, engineer)
    other = make_engineer(make_user)
    from servicedesk.core.exceptions import NotPermitted

    with pytest.raises(NotPermitted):
        inspection_item_record(inspection.items.first(), by=other.user, result="ok")


def test_portal_pages_and_the_phone_checklist(client, manager, engineer):
    inspection = _on_site(manager, engineer)
    client.force_login(manager)
    month = inspection.due_on.strftime("%Y-%m")
    page = client.get(f"/inspections/calendar/?month={month}")
    assert page.status_code == 200
    assert inspection.dispatch.number in page.content.decode()
    assert client.get("/inspections/calendar/?month=bad").status_code == 200
    assert client.get("/inspections/schedules/").status_code == 200
    assert client.get(inspection.schedule.get_absolute_url()).status_code == 200
    client.force_login(engineer.user)
    page = client.get(inspection.get_absolute_url())
    assert page.status_code == 200
    item = inspection.items.first()
    bad = client.post(
        f"/inspections/{inspection.pk}/items/{item.pk}/", {f"i{item.pk}-result": "issue"}
    )
    assert bad.status_code == 400
    ok = client.post(f"/inspections/{inspection.pk}/items/{item.pk}/", {f"i{item.pk}-result": "ok"})
    assert ok.status_code == 302
    assert InspectionItem.objects.get(pk=item.pk).result == "ok"
    refused = client.post(f"/inspections/{inspection.pk}/finish/", {"summary": ""})
    assert refused.status_code == 409


def test_api_records_an_item_and_lists_transitions(manager, engineer):
    inspection = _on_site(manager, engineer)
    api = APIClient()
    api.force_authenticate(engineer.user)
    body = api.get(f"/api/v1/inspections/{inspection.pk}/").json()
    assert body["state"] == "open" and len(body["items"]) == 10
    item = body["items"][0]
    bad = api.post(f"/api/v1/inspections/{inspection.pk}/items/{item['id']}/", {"result": "maybe"})
    assert bad.status_code == 400
    ok = api.post(f"/api/v1/inspections/{inspection.pk}/items/{item['id']}/", {"result": "ok"})
    assert ok.status_code == 200 and ok.json()["result"] == "ok"
    refused = api.post(f"/api/v1/inspections/{inspection.pk}/transitions/finish/", {})
    assert refused.status_code == 409


def test_the_yearly_schedule_is_emailed_or_printed(manager, settings, client):
    from django.core import mail

    from contracts.models import Contact
    from fieldservice.services.inspections import inspection_schedule_send

    schedule = serving_contracts(1)[0]
    settings.EMAIL_CONFIGURED = False
    kept = inspection_schedule_send(schedule, by=manager)
    assert kept.sent_at is None and "print" in kept.send_error  # no address: printed
    Contact.objects.filter(customer=schedule.contract.customer).update(email="wang@example.com")
    not_set_up = inspection_schedule_send(schedule, by=manager)
    assert not_set_up.sent_at is None and not_set_up.send_error
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(manager)
    response = client.post(f"/inspections/schedules/{schedule.pk}/send/")
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.sent_at is not None and schedule.sent_to == "wang@example.com"
    assert len(mail.outbox) == 1
    _name, content, mimetype = mail.outbox[0].attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_a_photo_is_a_picture_by_its_content(manager, engineer):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    inspection = _on_site(manager, engineer)
    item = inspection.items.first()
    with pytest.raises(ApplicationError) as exc:
        inspection_item_record(
            item,
            by=engineer.user,
            result="issue",
            note="灰尘多",
            photo=SimpleUploadedFile("vents.jpg", b"not a picture", content_type="image/jpeg"),
        )
    assert "photo" in exc.value.extra
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    saved = inspection_item_record(
        item,
        by=engineer.user,
        result="issue",
        note="灰尘多",
        photo=SimpleUploadedFile("vents.jpg", buffer.getvalue(), content_type="image/jpeg"),
    )
    assert saved.photo.name.endswith(".png")  # named by what it is
