"""Demo hotline work (``manage.py demo``): a few calls of the last hours in the states a
service manager meets on a normal morning. Idempotent: a call already recorded for its
customer is not recorded again.

Runs after the contracts demo (app order), through the same services a user would call,
so timers, history, events and notifications are the real ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contracts.models import Customer

from .choices import Severity, TicketKind
from .models import Ticket
from .services import (
    ticket_answer,
    ticket_close,
    ticket_intake,
    ticket_request_dispatch,
    ticket_shelve,
)
from .services.knowledge import (
    article_draft_from_ticket,
    article_publish,
    article_submit,
    article_vote,
)

# customer short name, caller, phone, product, symptoms, minutes ago, what happens next
CALLS: list[dict[str, Any]] = [
    {
        "customer": "苏州精工",
        "caller": "李会计",
        "phone": "13912345678",
        "product": "U8 ERP 总账",
        "symptoms": "月末结账时提示“存在未记账凭证”，但凭证查询里找不到未记账的凭证。",
        "ago": 25,
        "then": "shelve",
        "reason": "需要查看客户账套数据，与研发确认结账检查逻辑后回电。",
    },
    {
        "customer": "和平医院",
        "caller": "王主任",
        "phone": "13800138000",
        "product": "HIS 门诊收费",
        "symptoms": "门诊收费工作站全部无法登录，提示“数据库连接失败”，患者排队中。",
        "ago": 12,
        "severity": Severity.SYSTEM_DOWN,
        "on_site": True,
        "then": "dispatch",
        "notes": "医院机房 3 楼，数据库服务器疑似宕机；带上系统恢复 U 盘，到后先联系信息科王主任。",
    },
    {
        "customer": "恒达物流",
        "caller": "赵经理",
        "phone": "13706181234",
        "product": "T+ 财务 报表",
        "symptoms": "资产负债表期末数与总账余额不一致。",
        "ago": 90,
        "then": "answer",
        "answer": {
            "problem": "资产负债表期末数与总账余额不一致",
            "cause": "报表公式引用的是上一年度的科目编码，新增的二级科目没有取数",
            "solution": "在报表公式中把新增二级科目加入取数范围，重新计算报表",
            "steps": "1. 打开报表格式设计\n2. 修改“货币资金”单元格公式\n3. 保存并重算",
            "precautions": "新增科目后同步检查报表公式的取数范围，月末出报表前先与总账核对",
        },
    },
    {
        "customer": "绿源食品",
        "caller": "陈出纳",
        "phone": "13588889999",
        "product": "T+ 财务 出纳",
        "symptoms": "银行对账单导入后金额全部为零。",
        "ago": 40,
        "then": "",  # the contract has expired: intake routes it to the sales manager
    },
    {
        "customer": "苏州精工",
        "caller": "张主管",
        "phone": "0512-66668888",
        "product": "U8 ERP 生产制造",
        "symptoms": "上周上门处理后 MRP 运算仍然很慢，对服务响应速度不满意。",
        "ago": 5,
        "kind": TicketKind.COMPLAINT,
        "then": "",
    },
]


@transaction.atomic
def load(stdout: Any = None) -> None:
    users = get_user_model().objects
    engineer = users.filter(username="wangjing").first()
    second = users.filter(username="fenglei").first() or engineer
    reviewer = users.filter(username="zhengwei").first()  # the service manager
    if engineer is None:
        return
    now = timezone.now()
    made = 0
    for index, call in enumerate(CALLS):
        customer = Customer.objects.filter(short_name=call["customer"]).first()
        if (
            customer is None
            or Ticket.objects.filter(customer=customer, description=call["symptoms"]).exists()
        ):
            continue
        by = engineer if index % 2 == 0 else second
        ticket = ticket_intake(
            by=by,
            customer=customer,
            caller_name=call["caller"],
            caller_company=customer.name,
            caller_phone=call["phone"],
            product=call["product"],
            description=call["symptoms"],
            received_at=now - dt.timedelta(minutes=call["ago"]),
            severity=call.get("severity", Severity.NORMAL),
            kind=call.get("kind", TicketKind.REQUEST),
            needs_on_site=call.get("on_site", False),
            service_type="repair" if call.get("on_site") else "phone_support",
        )
        then = call["then"]
        if then == "shelve":
            ticket_shelve(ticket, by=by, reason=call["reason"])
        elif then == "dispatch":
            ticket_request_dispatch(ticket, by=by, notes=call["notes"])
        elif then == "answer":
            ticket = ticket_answer(ticket, by=by, **call["answer"])
            ticket = ticket_close(ticket, by=by)
            article = article_draft_from_ticket(ticket, by=by, title="资产负债表与总账余额不一致")
            article = article_submit(article, by=by)
            if reviewer is not None:
                article = article_publish(article, by=reviewer)
                article_vote(article, by=second, helpful=True)  # a colleague found it useful
        made += 1
    if stdout is not None:
        stdout.write(f"Demo tickets: {made}")
