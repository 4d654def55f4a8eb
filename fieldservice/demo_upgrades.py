"""Demo of issue 15 (``manage.py demo``, after the dispatches): the partners' terms, exams,
an evaluation, a penalty and a training; three upgrades (one waiting for its manual, one
backed up and waiting for the customer to be told, one reported); a backup policy and
two restore requests. Idempotent: skipped once the demo upgrades exist. Runs through the
services, so history, events, timers and notifications are the real ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from contracts.models import Customer

from .models import Engineer, Partner
from .models.partners import TrainingFeeRate
from .models.upgrades import UPGRADE_PLAN_FORM, Upgrade
from .services import backups as bs
from .services import partners as ps
from .services import upgrades as us

PRODUCT = "U8 ERP"


def _saturday_evening(weeks: int) -> dt.datetime:
    """A Saturday 20:00, ``weeks`` from now (negative: in the past)."""
    day = timezone.localdate() + dt.timedelta(weeks=weeks)
    while day.weekday() != 5:
        day += dt.timedelta(days=1 if weeks >= 0 else -1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(20, 0)))


def _manual() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "U8_V16.1_升级手册.pdf", b"%PDF-1.4\n% U8 upgrade manual\n", "application/pdf"
    )


def _sign(upgrade: Upgrade, by: Any) -> None:
    from servicedesk.core.services.signatures import signature_record

    from .demo import _signature

    signature_record(
        target=upgrade,
        form=UPGRADE_PLAN_FORM,
        signer_role="customer",
        by=by,
        signer_name="王主任",
        image=_signature(),
    )


def _partners(manager: Any) -> None:
    first = timezone.localdate().replace(day=1)
    start = dt.date(first.year, 1, 1)
    xinda = Partner.objects.filter(short_name="苏州信达").first()
    yunfan = Partner.objects.filter(short_name="无锡云帆").first()
    if xinda is not None:
        ps.partner_terms_save(
            by=manager,
            partner=xinda,
            valid_from=start,
            cooperation_model="self_managed",
            billing_mode="person_day",
            person_day_rate=Decimal(800),
            free_training_days=5,
            note="2026 年度合作协议",
        )
        rate, _ = TrainingFeeRate.objects.get_or_create(
            course="U8 财务实施", defaults={"price_per_day": Decimal(400)}
        )
        TrainingFeeRate.objects.get_or_create(
            course="U8 供应链", defaults={"price_per_day": Decimal(450)}
        )
        ps.training_record(
            by=manager, partner=xinda, rate=rate, starts_on=first, days=5, trainees=2
        )
        ps.penalty_record(
            by=manager,
            partner=xinda,
            occurred_on=timezone.localdate(),
            incident="未按约定时间上门，客户投诉",
            amount=Decimal(300),
        )
        for engineer in Engineer.objects.filter(partner=xinda):
            ps.exam_record(
                by=manager,
                engineer=engineer,
                taken_on=engineer.certified_on or dt.date(2025, 6, 1),
                score=Decimal(86),
                subject="U8 财务与供应链上岗考核",
                valid_until=engineer.certification_expires_on,
            )
            ps.evaluation_record(
                by=manager,
                engineer=engineer,
                period_start=first - dt.timedelta(days=90),
                period_end=first - dt.timedelta(days=1),
                skill_score=4,
                attitude_score=5,
                customer_score=4,
                remarks="响应及时，客户评价好",
            )
    if yunfan is not None:
        ps.partner_terms_save(
            by=manager,
            partner=yunfan,
            valid_from=start,
            cooperation_model="we_manage",
            billing_mode="fee_share",
            fee_share_percent=Decimal(40),
            management_fee=Decimal(600),
            free_training_days=3,
        )


def _upgrades(manager: Any, engineer: Engineer, customer: Customer) -> None:
    plan = {
        "product": PRODUCT,
        "from_version": "V13.0",
        "to_version": "V16.1",
        "content": "总账、应收应付、存货、固定资产模块升级到 V16.1；报表模板迁移。",
        "risks": "升级脚本中断导致账套不可用；自定义报表模板丢失。",
        "contingency_plan": "中断时按升级前备份恢复 V13.0 账套，周一照常使用，另约时间。",
    }
    # 1. Planned, waiting for its manual and the customer's signature.
    us.upgrade_create(
        by=manager, customer=customer, engineer=engineer, planned_start=_saturday_evening(2), **plan
    )
    # 2. Approved, rehearsed and backed up; the customer not told yet.
    second = us.upgrade_create(
        by=manager,
        customer=customer,
        engineer=engineer,
        planned_start=_saturday_evening(1),
        **{**plan, "to_version": "V16.0"},
    )
    second = _through_backup(second, manager, engineer)
    # 3. Run last Saturday and reported to the region lead.
    third = us.upgrade_create(
        by=manager,
        customer=customer,
        engineer=engineer,
        planned_start=_saturday_evening(1),
        self_service=True,
        **{**plan, "product": "T+ 畅捷通", "from_version": "12.3", "to_version": "13.0"},
    )
    third = _through_backup(third, manager, engineer)
    us.upgrade_notify_customer(
        third, by=engineer.user, when="before", channel="printed", contact="王主任"
    )
    third = us.upgrade_execute(
        Upgrade.objects.get(pk=third.pk),
        by=engineer.user,
        executed_at=_saturday_evening(-1),
        execution_notes="客户信息部按清单自行升级，工程师远程指导。",
        problems="升级后凭证打印模板错位",
    )
    us.upgrade_record_problem(
        third,
        by=engineer.user,
        phase="after",
        description="周一月结报表运行慢",
        resolution="重建索引后恢复正常",
    )
    us.upgrade_notify_customer(
        third, by=engineer.user, when="after", channel="phone", contact="王主任"
    )
    us.upgrade_submit_report(
        Upgrade.objects.get(pk=third.pk),
        by=engineer.user,
        report="升级按计划完成，打印模板已调整，报表性能问题已处理；客户已确认可正常使用。",
    )


def _through_backup(upgrade: Upgrade, manager: Any, engineer: Engineer) -> Upgrade:
    upgrade = us.upgrade_attach_manual(upgrade, by=manager, manual=_manual())
    _sign(upgrade, manager)
    upgrade = us.upgrade_approve(Upgrade.objects.get(pk=upgrade.pk), by=manager)
    upgrade = us.upgrade_rehearse(
        upgrade,
        by=engineer.user,
        rehearsal_environment="测试服务器：生产账套昨日备份还原",
        rehearsal_passed=True,
        rehearsal_notes="升级耗时 95 分钟，无报错。",
    )
    return us.upgrade_back_up(
        upgrade,
        by=engineer.user,
        backup_programs=True,
        backup_database=True,
        backup_attachments=True,
        backup_location="财务服务器 E:\\升级前备份\\",
    )


def _restores(manager: Any, customer: Customer) -> None:
    policy = bs.backup_policy_save(
        by=manager,
        customer=customer,
        system="U8 生产账套",
        what="数据库（全备）、附件目录、程序目录",
        frequency="daily",
        at_time=dt.time(23, 30),
        location="财务服务器 E:\\备份 + NAS 异地副本",
        retention_days=30,
        responsible="信息部 张工",
    )
    bs.restore_request_create(
        by=manager,
        customer=customer,
        policy=policy,
        reason="出纳误删本月 15 日后的收款凭证。",
        requested_by_name="王主任",
    )
    planned = bs.restore_request_create(
        by=manager,
        customer=customer,
        policy=policy,
        reason="存货模块期初数据被覆盖。",
        requested_by_name="李会计",
    )
    bs.restore_plan(
        planned,
        by=manager,
        scope="存货模块期初数据",
        expected_minutes=60,
        impact="恢复期间存货模块暂停录入",
        backup_used="昨日 23:30 全备",
    )


def _support_plan(manager: Any, engineer: Engineer, customer: Customer, back: Any) -> None:
    from .services import support as ss

    today = timezone.localdate()
    plan = ss.support_plan_create(
        by=manager,
        customer=customer,
        back_office=back,
        engineer=engineer,
        scope="财务、供应链模块的日常使用支持与月结协助",
        content="每周二上午驻场；每月最后一个工作日全天驻场协助月结；紧急问题 2 小时内到场。",
        agreed_with="王主任",
        starts_on=today.replace(day=1),
    )
    done = ss.support_item_add(
        plan, by=manager, what="检查上月凭证断号与结账状态", due_on=today.replace(day=1)
    )
    ss.support_item_done(done, by=engineer.user, done_note="无断号，已结账")
    ss.support_item_add(
        plan, by=manager, what="月结前全天驻场", due_on=today + dt.timedelta(days=7)
    )
    question = ss.question_record(
        plan, by=engineer.user, asked_by="李会计", question="资产负债表期末数与总账不一致"
    )
    ss.question_reply(
        question, by=engineer.user, route="back_office", reply="已转后台核查报表公式，明天答复。"
    )
    ss.question_record(
        plan, by=engineer.user, asked_by="王主任", question="能否增加部门费用分析表？"
    )


def load(stdout: Any = None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    if "zhengwei" not in users or "chengang" not in users:
        return
    if Upgrade.objects.exists():
        if stdout:
            stdout.write("Upgrade demo already loaded.")
        return
    manager = users["zhengwei"]
    engineer = Engineer.objects.filter(user=users["chengang"]).first()
    customers = {c.short_name: c for c in Customer.objects.all()}
    customer = customers.get("苏州精工") or next(iter(customers.values()), None)
    if engineer is None or customer is None:
        return
    with transaction.atomic():
        _partners(manager)
        _upgrades(manager, engineer, customer)
        _restores(manager, customer)
        _support_plan(manager, engineer, customer, users.get("weidong") or manager)
    if stdout:
        stdout.write(f"Demo upgrades: {Upgrade.objects.count()}")
