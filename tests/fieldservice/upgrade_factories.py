"""Helpers for upgrade, restore and partner tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fieldservice.models.upgrades import UPGRADE_PLAN_FORM, Upgrade, in_office_hours
from fieldservice.services import upgrades as us
from servicedesk.core.services.signatures import signature_record
from tests.fieldservice.factories import make_customer, signature_png


def off_hours(days_ahead: int = 7) -> dt.datetime:
    """A Saturday evening at least ``days_ahead`` days from now (outside office hours)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() != 5:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(20, 0)))


def office_time(days_ahead: int = 7) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() != 2:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def manual_file(name: str = "U8升级手册.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% upgrade manual\n", "application/pdf")


PLAN = {
    "content": "U8 V13.0 升级到 V16.1：总账、应收应付、存货模块",
    "risks": "升级脚本失败导致账套不可用；报表模板丢失",
    "contingency_plan": "按备份恢复到 V13.0，次日重新安排",
}


def new_upgrade(by: Any, *, engineer: Any = None, customer: Any = None, **fields: Any) -> Upgrade:
    customer = customer or make_customer(by, address="上海市浦东新区张江路 100 号")
    values = {
        "product": "U8",
        "from_version": "V13.0",
        "to_version": "V16.1",
        "planned_start": off_hours(),
        **PLAN,
        **fields,
    }
    return us.upgrade_create(by=by, customer=customer, engineer=engineer, **values)


def customer_signs(upgrade: Upgrade, by: Any) -> None:
    signature_record(
        target=upgrade,
        form=UPGRADE_PLAN_FORM,
        signer_role="customer",
        by=by,
        signer_name="王主任",
        image=signature_png(),
    )


def reload(upgrade: Upgrade) -> Upgrade:
    return Upgrade.objects.get(pk=upgrade.pk)


def walk(upgrade: Upgrade, to: str, *, manager: Any, engineer_user: Any) -> Upgrade:
    """Give each gate its evidence and pass it, up to state ``to``."""
    order = ["planned", "approved", "rehearsed", "backed_up", "executed", "reported"]
    for state in order[order.index(upgrade.state) + 1 : order.index(to) + 1]:
        if state == "approved":
            upgrade = us.upgrade_attach_manual(upgrade, by=manager, manual=manual_file())
            customer_signs(upgrade, manager)
            upgrade = us.upgrade_approve(reload(upgrade), by=manager)
        elif state == "rehearsed":
            upgrade = us.upgrade_rehearse(
                upgrade,
                by=engineer_user,
                rehearsal_environment="测试账套 998（生产备份还原）",
                rehearsal_passed=True,
            )
        elif state == "backed_up":
            upgrade = us.upgrade_back_up(
                upgrade,
                by=engineer_user,
                backup_programs=True,
                backup_database=True,
                backup_attachments=True,
                backup_location="\\\\NAS01\\backup\\U8\\2026-12",
            )
        elif state == "executed":
            us.upgrade_notify_customer(
                upgrade, by=engineer_user, when="before", channel="phone", contact="王主任"
            )
            upgrade = us.upgrade_execute(
                reload(upgrade), by=engineer_user, executed_at=_last_off_hours()
            )
        elif state == "reported":
            us.upgrade_notify_customer(
                upgrade, by=engineer_user, when="after", channel="email", contact="王主任"
            )
            upgrade = us.upgrade_submit_report(
                reload(upgrade), by=engineer_user, report="升级顺利，报表模板已重新引入。"
            )
    return upgrade


def _last_off_hours() -> dt.datetime:
    """The last Saturday evening before now (a past time outside office hours)."""
    now = timezone.localtime()
    day = now.date() - dt.timedelta(days=1)
    while day.weekday() != 5:
        day -= dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(20, 0)))
    assert not in_office_hours(None, at)  # type: ignore[arg-type]
    return at
