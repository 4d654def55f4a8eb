"""Demo defects and requirement requests (``manage.py demo``): a few of each in the states
the technical manager meets on a normal morning. Idempotent: each record is made once (by
customer and title). Runs through the services, so deadlines, history, events and
notifications are the real ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from contracts.models import Customer

from .models import Defect, Requirement
from .services import (
    defect_record,
    defect_report,
    defect_save_workaround,
    defect_start_fix,
    defect_verify,
    requirement_evaluate,
    requirement_record,
)

DEFECTS: list[dict[str, Any]] = [
    {
        "customer": "苏州精工",
        "severity": "serious",
        "title": "月末结账提示“存在未记账凭证”但查询不到",
        "customer_sees": "结账向导第 3 步报“存在未记账凭证”，凭证查询中没有未记账凭证，无法结账。",
        "steps": "1. 总账→期末→结账\n2. 选择 11 月，下一步至对账\n3. 提示存在未记账凭证",
        "product": "U8 ERP",
        "version": "V13.0",
        "module": "总账",
        "site": "苏州工业园区星湖街 88 号 财务部",
        "hours_ago": 5,
        "then": "verify",
        "workaround": "在系统管理中清除异常任务后重新结账。",
    },
    {
        "customer": "和平医院",
        "severity": "fatal",
        "title": "门诊收费工作站无法登录",
        "customer_sees": "所有收费工作站提示“数据库连接失败”。",
        "steps": "任一收费工作站登录即出现。",
        "product": "HIS",
        "version": "5.2",
        "module": "门诊收费",
        "site": "上海和平医院 机房 3 楼",
        "hours_ago": 1,
        "then": "report",
    },
    {
        "customer": "恒达物流",
        "severity": "important",
        "title": "资产负债表“应收账款”期末数与总账不一致",
        "customer_sees": "报表中应收账款比总账余额少 1,280.00 元。",
        "steps": "1. 打开资产负债表模板\n2. 计算 11 月\n3. 与总账科目余额表对比",
        "product": "T+",
        "version": "17.0",
        "module": "报表",
        "site": "无锡市新吴区长江路 21 号",
        "hours_ago": 30,
        "then": "fix",
    },
    {
        "customer": "恒达物流",
        "severity": "general",
        "title": "凭证打印预览“摘要”二字显示为乱码",
        "customer_sees": "打印预览表头“摘要”显示为方框。",
        "steps": "填制凭证→打印→预览",
        "product": "T+",
        "version": "17.0",
        "module": "总账",
        "site": "无锡市新吴区长江路 21 号",
        "hours_ago": 50,
        "then": "",
    },
]

REQUIREMENTS: list[dict[str, Any]] = [
    {
        "customer": "苏州精工",
        "title": "应收账龄表按业务员汇总",
        "description": "应收账龄分析表增加按业务员汇总的视图，可按部门筛选并导出 Excel。",
        "intent": "销售部每周一按业务员催收货款，目前需手工汇总约两小时。",
        "product": "U8 ERP",
        "module": "应收",
        "then": "quoted",
    },
    {
        "customer": "和平医院",
        "title": "收费日报增加医保统筹支付列",
        "description": "门诊收费日报在“实收”后增加“医保统筹支付”一列，按收费员小计。",
        "intent": "财务科每日与医保中心对账，需要直接看到统筹支付金额。",
        "product": "HIS",
        "module": "门诊收费",
        "then": "",
    },
]


def load(stdout: Any = None) -> None:
    users = get_user_model().objects
    engineer = users.filter(username="chengang").first()
    tester = users.filter(username="shenyu").first()
    developer = users.filter(username="hanbo").first()
    manager = users.filter(username="weidong").first()
    sales = users.filter(username="qianjun").first()
    if None in (engineer, tester, developer, manager, sales):
        return
    now = timezone.now()
    made = 0
    for row in DEFECTS:
        customer = Customer.objects.filter(short_name=row["customer"]).first()
        if (
            customer is None
            or Defect.objects.filter(customer=customer, title=row["title"]).exists()
        ):
            continue
        defect = defect_record(
            by=engineer,
            severity=row["severity"],
            title=row["title"],
            steps=row["steps"],
            customer_sees=row["customer_sees"],
            product=row["product"],
            version=row["version"],
            module=row["module"],
            site=row["site"],
            customer=customer,
            reported_at=now - dt.timedelta(hours=row["hours_ago"]),
        )
        if row.get("workaround"):
            defect = defect_save_workaround(defect, by=engineer, workaround=row["workaround"])
        then = row["then"]
        if then in ("report", "verify", "fix"):
            defect = defect_report(defect, by=engineer, note="现场已复现并上报")
        if then in ("verify", "fix"):
            defect = defect_verify(defect, by=tester, note="测试环境已复现")
        if then == "fix":
            defect_start_fix(defect, by=developer)
        made += 1
    for row in REQUIREMENTS:
        customer = Customer.objects.filter(short_name=row["customer"]).first()
        if (
            customer is None
            or Requirement.objects.filter(customer=customer, title=row["title"]).exists()
        ):
            continue
        item = requirement_record(
            by=sales,
            customer=customer,
            title=row["title"],
            description=row["description"],
            intent=row["intent"],
            product=row["product"],
            module=row["module"],
        )
        if row["then"] == "quoted":
            requirement_evaluate(
                item,
                by=manager,
                outcome="quoted",
                in_scope=False,
                urgent=False,
                affects_operation=False,
                effort_days=Decimal("2.5"),
                note="超出合同范围的二次开发，按收费标准报价。",
            )
        made += 1
    if stdout is not None:
        stdout.write(f"Demo defects and requirements: {made}")
