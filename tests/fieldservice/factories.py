"""Helpers for field-service tests: engineers, partners, dispatches in any state."""

from __future__ import annotations

import base64
import datetime as dt
import io
from itertools import count
from typing import Any

from django.utils import timezone

from fieldservice.choices import DispatchState, Outcome
from fieldservice.models import Dispatch, Engineer, Partner
from fieldservice.services import (
    dispatch_assign,
    dispatch_check_in,
    dispatch_complete,
    dispatch_confirm,
    dispatch_create,
    dispatch_schedule,
    dispatch_verify,
)
from servicedesk.core.choices import Role
from tests.tickets.factories import make_contact, make_contract, make_customer, sh  # noqa: F401

_n = count(1)

REPORT = {
    "outcome": Outcome.SOLVED,
    "cause": "凭证模板损坏",
    "solution": "重建凭证模板",
    "steps": "备份账套→删除模板→重新引入",
    "precautions": "月末结账前先备份",
    "backup_done": True,
    "backup_location": "D:\\备份\\2026-12",
}


def signature_png() -> str:
    """A small drawn-looking signature as a PNG data URL."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.line(
        [(10, 60), (60, 15), (110, 60), (160, 20), (230, 55)], fill=(20, 20, 80, 255), width=4
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def make_partner(**fields: Any) -> Partner:
    values = {
        "name": f"苏州信达科技有限公司{next(_n)}",
        "billing_mode": "person_day",
        "person_day_rate": "800.00",
        **fields,
    }
    return Partner.objects.create(**values)


def make_engineer(
    make_user: Any,
    *,
    partner: Partner | None = None,
    certified_on: dt.date | None = dt.date(2025, 1, 1),
    expires_on: dt.date | None = None,
    username: str | None = None,
    **fields: Any,
) -> Engineer:
    user = make_user(
        Role.FIELD_ENGINEER,
        username=username or f"eng{next(_n)}",
        last_name="陈",
        first_name=f"工{next(_n)}",
    )
    return Engineer.objects.create(
        user=user,
        partner=partner,
        certified_on=certified_on,
        certification_expires_on=expires_on,
        region=fields.pop("region", "华东"),
        **fields,
    )


def new_dispatch(by: Any, customer: Any = None, **fields: Any) -> Dispatch:
    customer = customer or make_customer(by, address="上海市浦东新区张江路 100 号")
    if not customer.contacts.exists():
        make_contact(customer, name="王主任", mobile="13900001111", is_primary=True)
    values = {"problem": "凭证无法保存，提示模板错误", "product": "U8", **fields}
    return dispatch_create(by=by, customer=customer, **values)


def reload(dispatch: Dispatch) -> Dispatch:
    return Dispatch.objects.get(pk=dispatch.pk)


def advance(
    dispatch: Dispatch,
    to: str,
    *,
    manager: Any,
    engineer: Engineer,
    appointment: dt.datetime | None = None,
) -> Dispatch:
    """Walk a dispatch through its services up to state ``to``."""
    order = [
        DispatchState.REQUESTED,
        DispatchState.VERIFIED,
        DispatchState.ASSIGNED,
        DispatchState.CONFIRMED,
        DispatchState.SCHEDULED,
        DispatchState.ON_SITE,
        DispatchState.COMPLETED,
    ]
    user = engineer.user
    appointment = appointment or (timezone.now() + dt.timedelta(hours=2))
    steps = {
        DispatchState.VERIFIED: lambda d: dispatch_verify(d, by=manager),
        DispatchState.ASSIGNED: lambda d: dispatch_assign(
            d, by=manager, engineer=engineer, planned_start=appointment
        ),
        DispatchState.CONFIRMED: lambda d: dispatch_confirm(d, by=user),
        # The tests run at any hour: a time outside the service hours carries its reason.
        DispatchState.SCHEDULED: lambda d: dispatch_schedule(
            d, by=user, appointment_at=appointment, out_of_hours_reason="客户要求"
        ),
        DispatchState.ON_SITE: lambda d: dispatch_check_in(d, by=user),
        DispatchState.COMPLETED: lambda d: dispatch_complete(
            d, by=user, signature_image=signature_png(), signer_name="王主任", **REPORT
        ),
    }
    for state in order[order.index(dispatch.state) + 1 : order.index(to) + 1]:
        dispatch = steps[state](dispatch)
    return dispatch
