"""Demo field service (``manage.py demo``): the partner 苏州信达, engineers (our 陈刚, the
partner's 褚阳, one whose certification expired), and dispatches in the states a service
manager meets in a normal week. Idempotent: skipped once the demo dispatches exist.

Runs through the same services a user would call, so timers, history, events and
notifications are the real ones. The hotline demo's on-site request already became a
``requested`` dispatch through the ``ticket.dispatch_requested`` subscriber.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contracts.models import Customer

from .choices import BillingMode, CooperationModel, DispatchKind, LeadKind, Outcome
from .models import Dispatch, Engineer, EngineerLeave, Partner
from .services import (
    dispatch_assign,
    dispatch_check_in,
    dispatch_complete,
    dispatch_confirm,
    dispatch_create,
    dispatch_schedule,
    dispatch_verify,
    dispatch_write_off,
)

# The first demo dispatch: once it exists, the demo is loaded (idempotent).
UPGRADE_PROBLEM = "U8 从 V13 升级到 V15，需要现场备份并升级。"
# The demo is built at any hour: a visit "now" may be outside the 5×8 service hours.
OUT_OF_HOURS = "客户要求当天上门，已与客户确认。"


def _signature() -> str:
    import base64
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    points = [(20, 90), (60, 30), (95, 85), (140, 25), (170, 80), (220, 40), (260, 85), (330, 50)]
    draw.line(points, fill=(25, 35, 90, 255), width=5, joint="curve")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _next_working_morning(days: int = 1) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def load(stdout: Any = None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    if "zhengwei" not in users or "chengang" not in users:
        return
    if Dispatch.objects.filter(problem=UPGRADE_PROBLEM, source="manager").exists():
        if stdout:
            stdout.write("Field service demo already loaded.")
        return
    manager = users["zhengwei"]
    with transaction.atomic():
        partner, _created = Partner.objects.get_or_create(
            name="苏州信达信息技术有限公司",
            defaults={
                "short_name": "苏州信达",
                "contact_name": "褚总",
                "phone": "0512-65550000",
                "region": "苏南",
                "cooperation_model": CooperationModel.SELF_MANAGED,
                "billing_mode": BillingMode.PERSON_DAY,
                "person_day_rate": Decimal("800.00"),
            },
        )
        Partner.objects.get_or_create(
            name="无锡云帆软件服务有限公司",
            defaults={
                "short_name": "无锡云帆",
                "region": "苏南",
                "cooperation_model": CooperationModel.WE_MANAGE,
                "billing_mode": BillingMode.FEE_SHARE,
                "fee_share_percent": Decimal("40.00"),
            },
        )
        ours, _created = Engineer.objects.get_or_create(
            user=users["chengang"],
            defaults={
                "region": "华东",
                "skills": "U8, HIS, 数据库",
                "phone": "13801000010",
                "certified_on": dt.date(2025, 3, 1),
            },
        )
        theirs = None
        if "chuyang" in users:
            theirs, _created = Engineer.objects.get_or_create(
                user=users["chuyang"],
                defaults={
                    "partner": partner,
                    "region": "苏南",
                    "skills": "U8, T+",
                    "phone": "13801000011",
                    "certified_on": dt.date(2025, 6, 1),
                    "certification_expires_on": dt.date(2027, 6, 1),
                },
            )
            EngineerLeave.objects.get_or_create(
                engineer=theirs,
                starts_on=timezone.localdate() + dt.timedelta(days=3),
                ends_on=timezone.localdate() + dt.timedelta(days=4),
                defaults={"reason": "年假"},
            )
        customers = {c.short_name: c for c in Customer.objects.all()}
        jinggong = customers.get("苏州精工") or next(iter(customers.values()), None)
        hospital = customers.get("和平医院") or jinggong
        if jinggong is None:
            return
        tomorrow = _next_working_morning()

        # Verified, waiting on the board.
        waiting = dispatch_create(
            by=manager,
            customer=jinggong,
            site_address=jinggong.address or "苏州工业园区星湖街 328 号 财务部",
            kind=DispatchKind.UPGRADE,
            problem=UPGRADE_PROBLEM,
            product="U8 ERP",
            required_skills="U8",
            due_by=tomorrow + dt.timedelta(days=5),
        )
        dispatch_verify(waiting, by=manager)

        # Scheduled for tomorrow with our engineer.
        scheduled = dispatch_create(
            by=manager,
            customer=hospital,
            site_address=hospital.address or "上海市黄浦区和平路 88 号 信息科（门诊楼 3 楼）",
            kind=DispatchKind.ROUTINE_INSPECTION,
            problem="季度例行巡检：机房环境、服务器日志、备份检查。",
            product="HIS",
            software_work=False,
        )
        scheduled = dispatch_verify(scheduled, by=manager)
        scheduled = dispatch_assign(scheduled, by=manager, engineer=ours, planned_start=tomorrow)
        scheduled = dispatch_confirm(scheduled, by=ours.user)
        dispatch_schedule(
            scheduled,
            by=ours.user,
            appointment_at=tomorrow,
            note="信息科王主任",
            out_of_hours_reason=OUT_OF_HOURS,
        )

        if theirs is not None:
            # Assigned to the partner engineer, to confirm.
            assigned = dispatch_create(
                by=manager,
                customer=jinggong,
                site_address=jinggong.address or "苏州工业园区星湖街 328 号 财务部",
                kind=DispatchKind.REPAIR,
                problem="存货核算月末处理报错“出库成本为负”。",
                product="U8 存货",
            )
            assigned = dispatch_verify(assigned, by=manager)
            dispatch_assign(
                assigned,
                by=manager,
                engineer=theirs,
                planned_start=tomorrow + dt.timedelta(hours=4),
            )

        # Completed today, partially solved: waiting for the write-off and its next step.
        done = dispatch_create(
            by=manager,
            customer=jinggong,
            site_address=jinggong.address or "苏州工业园区星湖街 328 号 财务部",
            kind=DispatchKind.REPAIR,
            problem="打印凭证时程序退出，错误日志显示内存访问冲突。",
            product="U8 总账",
        )
        done = dispatch_verify(done, by=manager)
        now = timezone.now()
        done = dispatch_assign(done, by=manager, engineer=ours, planned_start=now)
        done = dispatch_confirm(done, by=ours.user)
        done = dispatch_schedule(
            done,
            by=ours.user,
            appointment_at=now + dt.timedelta(minutes=6),
            out_of_hours_reason=OUT_OF_HOURS,
        )
        done = dispatch_check_in(done, by=ours.user)
        dispatch_complete(
            done,
            by=ours.user,
            outcome=Outcome.PARTIALLY_SOLVED,
            cause="打印控件版本与操作系统补丁不兼容",
            solution="回退打印控件到上一版本，单张凭证可打印；批量打印仍退出，需总部分析",
            steps="1. 备份账套\n2. 卸载打印控件 6.2\n3. 安装 6.1 并重启",
            precautions="批量打印前先分批（每批不超过 50 张），每月结账前备份账套",
            backup_done=True,
            backup_location="财务服务器 D:\\U8备份\\2026-12（另存移动硬盘一份）",
            leads=[{"kind": LeadKind.NEW_MODULE, "description": "客户希望增加固定资产模块"}],
            signature_image=_signature(),
            signer_name="李会计",
        )

        # A solved visit, already written off.
        solved = dispatch_create(
            by=manager,
            customer=hospital,
            site_address=hospital.address or "上海市黄浦区和平路 88 号 信息科（门诊楼 3 楼）",
            kind=DispatchKind.REPAIR,
            problem="门诊收费工作站打印发票错位。",
            product="HIS 门诊收费",
            software_work=False,
        )
        solved = dispatch_verify(solved, by=manager)
        solved = dispatch_assign(
            solved, by=manager, engineer=ours, planned_start=now + dt.timedelta(hours=3)
        )
        solved = dispatch_confirm(solved, by=ours.user)
        solved = dispatch_schedule(
            solved,
            by=ours.user,
            appointment_at=now + dt.timedelta(minutes=5),
            out_of_hours_reason=OUT_OF_HOURS,
        )
        solved = dispatch_check_in(solved, by=ours.user)
        solved = dispatch_complete(
            solved,
            by=ours.user,
            outcome=Outcome.SOLVED,
            cause="打印机驱动更新后纸张边距改变",
            solution="调整发票模板边距并固定打印机驱动版本",
            steps="1. 打开发票模板\n2. 上边距 +3mm\n3. 试打 3 张",
            precautions="不要自动更新打印机驱动",
            signature_image=_signature(),
            signer_name="王主任",
        )
        dispatch_write_off(solved, by=manager)

        if theirs is not None:
            # The partner's visit of today, written off: it counts in the partner's
            # person-days (cost allocation).
            partner_visit = dispatch_create(
                by=manager,
                customer=jinggong,
                site_address=jinggong.address or "苏州工业园区星湖街 328 号 财务部",
                kind=DispatchKind.DATA_SERVICE,
                problem="年度结转前整理往来科目数据。",
                product="U8 ERP",
            )
            partner_visit = dispatch_verify(partner_visit, by=manager)
            partner_visit = dispatch_assign(
                partner_visit, by=manager, engineer=theirs, planned_start=now
            )
            partner_visit = dispatch_confirm(partner_visit, by=theirs.user)
            partner_visit = dispatch_schedule(
                partner_visit,
                by=theirs.user,
                appointment_at=now + dt.timedelta(minutes=5),
                out_of_hours_reason=OUT_OF_HOURS,
            )
            partner_visit = dispatch_check_in(partner_visit, by=theirs.user)
            partner_visit = dispatch_complete(
                partner_visit,
                by=theirs.user,
                outcome=Outcome.SOLVED,
                cause="往来科目辅助核算设置不一致",
                solution="统一辅助核算并重新对账",
                steps="1. 备份账套\n2. 调整辅助核算\n3. 重新对账",
                precautions="新增科目时同步设置辅助核算",
                backup_done=True,
                backup_location="财务服务器 E:\\备份",
                signature_image=_signature(),
                signer_name="李会计",
            )
            dispatch_write_off(partner_visit, by=manager)
    if stdout:
        stdout.write(
            f"Demo dispatches: {Dispatch.objects.count()}, engineers: {Engineer.objects.count()}"
        )


# Issue 15: upgrades, restores and partner records, after the dispatches
# (fieldservice/demo_upgrades.py).
_load_dispatches = load


def load(stdout: Any = None) -> None:  # extends the loader above
    """The dispatches, then upgrades, restores and partner records (demo_upgrades), the
    spare-parts stock and trainings (demo_stock), routine inspections and an installation
    (demo_inspections)."""
    from .demo_inspections import load as load_inspections
    from .demo_stock import load as load_stock
    from .demo_upgrades import load as load_upgrades

    _load_dispatches(stdout)
    load_upgrades(stdout)
    load_stock(stdout)
    load_inspections({u.username: u for u in get_user_model().objects.all()}, stdout)
