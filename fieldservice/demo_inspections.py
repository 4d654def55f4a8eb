"""Demo data of routine inspections, installations and goods inspections (docs/domain.md
§inspection, §installation, §goods-inspection): schedules for the contracts in service,
the inspections made ahead, one installation on site with its assets and a daily report,
one goods inspection before shipment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from contracts.models import Contract


def load(users: dict[str, Any], stdout: Any = None) -> None:
    from .models import Engineer
    from .models.inspections import InspectionSchedule

    manager = users.get("zhengwei")
    engineer = Engineer.objects.filter(user__username="chengang").first()
    backup = Engineer.objects.filter(user__username="chuyang").first()
    if manager is None or engineer is None:
        return
    if not InspectionSchedule.objects.exists():
        _schedules(manager, engineer, backup, stdout)
    _installation(users, engineer)
    _goods_inspection(users, engineer)


def _schedules(manager: Any, engineer: Any, backup: Any, stdout: Any) -> None:
    from .services.inspections import inspection_schedule_save, inspections_generate

    today = timezone.localdate()
    contracts = Contract.objects.filter(
        state__in=["signed", "in_service"], scope_items__service_type="routine_inspection"
    ).distinct()
    with transaction.atomic():
        for index, contract in enumerate(contracts.order_by("pk")[:3]):
            inspection_schedule_save(
                by=manager,
                contract=contract,
                starts_on=today + dt.timedelta(days=2 + 4 * index),
                frequency_months=3,
                equipment="IBM Power 750 小型机\n存储 DS5020\nUPS 电源 10kVA",
                includes_software=index != 1,
                engineer=engineer,
                backup_engineer=backup,
                notes="进机房需提前一天预约",
            )
    result = inspections_generate(today=today)
    if stdout:
        stdout.write(f"Demo inspections: {result['created']} made ahead")


def _installation(users: dict[str, Any], engineer: Any) -> None:
    from .choices import DispatchKind
    from .models.installations import Installation
    from .services import (
        dispatch_assign,
        dispatch_check_in,
        dispatch_confirm,
        dispatch_create,
        dispatch_schedule,
        dispatch_verify,
    )
    from .services.installations import (
        installation_asset_record,
        installation_day_record,
        installation_start,
    )

    manager = users["zhengwei"]
    contract = Contract.objects.filter(state="in_service").order_by("pk").first()
    if contract is None or Installation.objects.exists():
        return
    customer = contract.customer
    now = timezone.now()
    with transaction.atomic():
        dispatch = dispatch_create(
            by=manager,
            customer=customer,
            contract=contract,
            site_address=customer.address or "苏州工业园区星湖街 328 号 一楼机房",
            contact_name="" if customer.contacts.exists() else "信息科王主任",
            contact_phone="" if customer.contacts.exists() else "0512-62880000",
            kind=DispatchKind.INSTALLATION,
            problem="新购服务器上架、安装操作系统与数据库，并迁移账套。",
            product="ThinkSystem SR650",
        )
        dispatch = dispatch_verify(dispatch, by=manager)
        dispatch = dispatch_assign(dispatch, by=manager, engineer=engineer, planned_start=now)
        dispatch = dispatch_confirm(dispatch, by=engineer.user)
        dispatch = dispatch_schedule(
            dispatch,
            by=engineer.user,
            appointment_at=now + dt.timedelta(minutes=5),
            out_of_hours_reason="客户要求当天安装",
        )
        dispatch = dispatch_check_in(dispatch, by=engineer.user)
        installation = installation_start(dispatch, by=engineer.user)
        warranty = timezone.localdate() + dt.timedelta(days=3 * 365)
        for serial, location in (
            ("J30A1B2C", "一楼机房 A3 机柜"),
            ("J30A1B2D", "一楼机房 A4 机柜"),
        ):
            installation_asset_record(
                installation,
                by=engineer.user,
                product="财务服务器",
                model="ThinkSystem SR650",
                part_number="7X06A0",
                serial_number=serial,
                location=location,
                warranty_end=warranty,
                licence="U8-2026-0001",
            )
        installation_day_record(
            installation,
            by=engineer.user,
            day=timezone.localdate(),
            work_done="两台服务器上架、布线，安装操作系统与数据库。",
            next_steps="明天迁移账套并做切换演练。",
        )


def _on_site(manager: Any, engineer: Any, *, at: dt.datetime, **create: Any) -> Any:
    from .services import (
        dispatch_assign,
        dispatch_check_in,
        dispatch_confirm,
        dispatch_create,
        dispatch_schedule,
        dispatch_verify,
    )

    dispatch = dispatch_create(by=manager, **create)
    dispatch = dispatch_verify(dispatch, by=manager)
    dispatch = dispatch_assign(dispatch, by=manager, engineer=engineer, planned_start=at)
    dispatch = dispatch_confirm(dispatch, by=engineer.user)
    dispatch = dispatch_schedule(
        dispatch,
        by=engineer.user,
        appointment_at=at,
        out_of_hours_reason="客户要求当天上门",
    )
    return dispatch_check_in(dispatch, by=engineer.user)


def _goods_inspection(users: dict[str, Any], engineer: Any) -> None:
    from .choices import DispatchKind
    from .models.goods import GoodsInspection
    from .services.goods import earliest_delivery, goods_inspection_record

    contract = Contract.objects.filter(state="in_service").order_by("-pk").first()
    if contract is None or GoodsInspection.objects.exists():
        return
    customer = contract.customer
    has_contact = customer.contacts.exists()
    with transaction.atomic():
        dispatch = _on_site(
            users["zhengwei"],
            engineer,
            at=timezone.now() + dt.timedelta(hours=3),
            customer=customer,
            contract=contract,
            site_address=customer.address or "公司库房（上海市浦东新区示例路 88 号）",
            contact_name="" if has_contact else "库房张工",
            contact_phone="" if has_contact else "021-50800000",
            kind=DispatchKind.GOODS_INSPECTION,
            problem="发货前货品检查：两台服务器烤机 12 小时，申请许可证。",
            product="ThinkSystem SR650",
        )
        goods_inspection_record(
            dispatch,
            by=engineer.user,
            goods="ThinkSystem SR650 ×2（SN J30A1B2E、J30A1B2F）\n随机光盘、导轨各 2 套",
            delivery_on=earliest_delivery() + dt.timedelta(days=1),
            test_result="连续烤机 12 小时，CPU、内存、磁盘无报错；RAID 重建测试通过。",
            box_sealed=True,
            unpacking_consent_by="信息科王主任",
            licences_requested="U8 财务 20 用户许可证",
            backup_location="客户档案柜 B-3：安装介质与许可证备份光盘",
        )
