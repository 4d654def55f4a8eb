"""Helpers for routine inspection tests and the bench: contracts in service with routine
inspections in scope, written in bulk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from contracts.models import Contact, Contract, Customer, ServicePeriod, ServiceScopeItem
from fieldservice.models import Engineer
from fieldservice.models.inspections import InspectionSchedule


def serving_contracts(
    n: int,
    *,
    start: int = 0,
    ends_on: dt.date | None = None,
    quota: int | None = None,
    quota_period: str = "year",
    frequency_months: int = 1,
    starts_on: dt.date | None = None,
    engineer: Engineer | None = None,
    includes_software: bool = True,
) -> list[InspectionSchedule]:
    """``n`` customers, each with a contract in service whose free period ends on
    ``ends_on`` (a year from now by default), routine inspections in scope (``quota`` per
    ``quota_period``), and a schedule every ``frequency_months`` from ``starts_on``."""
    today = timezone.localdate()
    customers = Customer.objects.bulk_create(
        Customer(
            name=f"例检客户{i:05d}有限公司",
            short_name=f"例检{i:05d}",
            address=f"苏州工业园区星湖街{i}号",
        )
        for i in range(start, start + n)
    )
    Contact.objects.bulk_create(
        Contact(customer=c, name="王主任", mobile=f"139{i:08d}", is_primary=True)
        for i, c in enumerate(customers)
    )
    contracts = Contract.objects.bulk_create(
        Contract(
            number=f"HT-XJ{i:06d}",
            customer=c,
            signed_on=today - dt.timedelta(days=60),
            amount=Decimal("36000"),
            state="in_service",
        )
        for i, c in zip(range(start, start + n), customers, strict=True)
    )
    ServicePeriod.objects.bulk_create(
        ServicePeriod(
            contract=c,
            kind="free",
            starts_on=today - dt.timedelta(days=60),
            ends_on=ends_on or today + dt.timedelta(days=365),
        )
        for c in contracts
    )
    ServiceScopeItem.objects.bulk_create(
        ServiceScopeItem(
            contract=c, service_type="routine_inspection", quota=quota, quota_period=quota_period
        )
        for c in contracts
    )
    return InspectionSchedule.objects.bulk_create(
        InspectionSchedule(
            contract=c,
            starts_on=starts_on or today + dt.timedelta(days=3),
            frequency_months=frequency_months,
            equipment="IBM Power 750 小型机\n存储 DS5020",
            includes_software=includes_software,
            engineer=engineer,
        )
        for c in contracts
    )
