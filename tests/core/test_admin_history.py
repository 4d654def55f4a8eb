"""simple-history's admin "Revert" needs change permission on every model's admin
(servicedesk/core/admin_history.py): one base class for all apps, and view-only staff
(the auditor) get 403 on every revert, with nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contracts.models import Asset, Contact, Contract, ContractDocument, Customer, FirstVisit
from defects.models import EvaluationReport
from fieldservice.models import Dispatch, DispatchReschedule, SparePartUsage
from servicedesk.core.admin_history import HistoryAdmin
from servicedesk.core.choices import Role
from tickets.models import Call, DutyShift, HotlineLine, PasswordDisclosure, Ticket, TicketNote

pytestmark = pytest.mark.django_db


def history_admins() -> list[tuple[type, admin.ModelAdmin]]:
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    ]


def _fill_the_models_the_demo_leaves_empty(user) -> None:
    """One row of each model with history that the demo company does not create."""
    now = timezone.now()
    customer = Customer.objects.order_by("pk").first()
    contract = Contract.objects.order_by("pk").first()
    ticket = Ticket.objects.order_by("pk").first()
    dispatch = Dispatch.objects.order_by("pk").first()
    if not Asset.objects.exists():
        Asset.objects.create(customer=customer, model="ThinkSystem SR650", serial_number="SN1")
    if not ContractDocument.objects.exists():
        document = ContractDocument(contract=contract, kind="redacted", sha256="0" * 64)
        document.uploaded_by = user
        document.file.save("copy.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        document.save()
    visit = FirstVisit.objects.order_by("pk").first()
    if not visit.needs.exists():
        visit.needs.create(department="service", description="希望增加培训")
    if not DutyShift.objects.exists():
        DutyShift.objects.create(
            line=HotlineLine.objects.first(),
            engineer=user,
            starts_at=now,
            ends_at=now + dt.timedelta(hours=8),
        )
    if not TicketNote.objects.exists():
        TicketNote.objects.create(ticket=ticket, author=user, text="已回电")
    if not Call.objects.exists():
        Call.objects.create(caller_phone="021-55550000", started_at=now, answered=True)
    if not PasswordDisclosure.objects.exists():
        PasswordDisclosure.objects.create(
            ticket=ticket,
            contact=Contact.objects.filter(customer=ticket.customer).first()
            or Contact.objects.first(),
            what="账套主管口令",
            disclosed_by=user,
        )
    if not EvaluationReport.objects.exists():
        EvaluationReport.objects.create(
            period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30), created_by=user
        )
    if not SparePartUsage.objects.exists():
        SparePartUsage.objects.create(dispatch=dispatch, part_name="电源模块", recorded_by=user)
    if not DispatchReschedule.objects.exists():
        DispatchReschedule.objects.create(
            dispatch=dispatch,
            previous_at=now,
            new_at=now + dt.timedelta(days=1),
            reason="客户临时外出",
            by=user,
        )
    from fieldservice.models import Engineer, EngineerHandover, TrainingSession
    from servicedesk.core.models.channels import MessageTemplate, NotificationChannel

    if not NotificationChannel.objects.exists():
        NotificationChannel.objects.create(name="服务部群", kind="wecom", team="服务部")
    if not MessageTemplate.objects.exists():
        MessageTemplate.objects.create(kind="", channel_kind="wecom")
    if not TrainingSession.objects.exists():
        TrainingSession.objects.create(
            number="PX-TEST-1",
            customer=customer,
            title="总账月结培训",
            trainer=Engineer.objects.order_by("pk").first(),
            location="客户会议室",
            starts_on=now.date(),
            ends_on=now.date(),
            plan="月末结账流程",
            planned_by=user,
        )
    from tickets.models import InboundMail

    if not InboundMail.objects.exists():
        InboundMail.objects.create(
            message_id="<1@example.com>", sender="a@example.com", outcome="ticket", ticket=ticket
        )
    if not EngineerHandover.objects.exists():
        EngineerHandover.objects.create(
            engineer=Engineer.objects.order_by("pk").first(),
            reason="departure",
            open_work="两张未销单的派工单",
            effective_on=now.date(),
            recorded_by=user,
        )


def test_every_admin_with_history_uses_the_core_base_class():
    offenders = [
        model._meta.label
        for model, model_admin in history_admins()
        if not isinstance(model_admin, HistoryAdmin)
    ]
    assert offenders == []


def test_view_only_staff_get_403_on_every_revert(client, make_user):
    call_command("demo")
    root = make_user(username="root_history", is_staff=True, is_superuser=True)
    _fill_the_models_the_demo_leaves_empty(root)
    auditor = make_user(Role.AUDITOR, username="auditor_history", is_staff=True)
    client.force_login(auditor)

    refused, allowed, empty = [], [], []
    for model, _model_admin in history_admins():
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            empty.append(model._meta.label)
            continue
        manager = getattr(obj, model._meta.simple_history_manager_attribute)
        if not manager.exists():  # seeded with bulk_create: give it a first version
            obj.save()
        version = manager.order_by("history_id").first()
        rows_before = manager.count()
        opts = model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_simple_history",
            args=[obj.pk, version.history_id],
        )
        assert client.get(url).status_code == 200, opts.label  # looking is allowed
        response = client.post(url, {})
        if response.status_code == 403 and manager.count() == rows_before:
            refused.append(opts.label)
        else:
            allowed.append((opts.label, response.status_code))
    assert empty == [], empty
    assert allowed == []
    assert len(refused) == len(history_admins())


def test_revert_button_only_for_those_who_may_change(rf, make_user):
    customer_admin = admin.site._registry[Customer]
    director = make_user(Role.DIRECTOR, is_staff=True)
    auditor = make_user(Role.AUDITOR, is_staff=True)
    customer = Customer.objects.create(name="华东精密机械有限公司")
    for user, disabled in ((director, False), (auditor, True)):
        request = rf.get("/")
        request.user = user
        assert customer_admin.revert_disabled(request, customer) is disabled
