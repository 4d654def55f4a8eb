"""The default SLA policies (docs/domain.md §deadlines.table), editable later in the admin."""

from decimal import Decimal

from django.db import migrations

# subject, target, condition, amount, unit, notify, rule
POLICIES = [
    (
        "ticket",
        "dispatch_submission",
        "",
        30,
        "working_minutes",
        ["assignee", "service_manager"],
        "直接上门需求：接听后 30 个工作分钟内提交服务部经理",
    ),
    (
        "ticket",
        "callback",
        "",
        60,
        "working_minutes",
        ["assignee"],
        "挂起的电话：挂机后 1 小时内回电客户",
    ),
    (
        "ticket",
        "reply",
        "",
        3,
        "working_hours",
        ["assignee", "service_manager"],
        "挂起的电话：3 个工作小时内答复结果或上门时间",
    ),
    (
        "ticket",
        "handover_to_manager",
        "",
        0,
        "next_working_day_start",
        ["assignee", "service_manager"],
        "当日未解决：次日上班前提交服务部经理",
    ),
    (
        "duty_shift",
        "shift_handover",
        "",
        30,
        "minutes",
        ["assignee", "service_manager"],
        "接班工程师在班次开始 30 分钟内接手上一班的未结事项",
    ),
    (
        "dispatch",
        "arrival",
        "",
        0,
        "minutes",
        ["assignee", "service_manager"],
        "按预约时间到达现场",
    ),
    (
        "dispatch",
        "write_off",
        "",
        0,
        "next_working_day_start",
        ["assignee", "service_manager"],
        "完工后次日上班前交回服务单（销单）",
    ),
    (
        "dispatch",
        "follow_up",
        "",
        2,
        "working_days",
        ["assignee", "service_manager"],
        "完工后 2 个工作日内电话回访",
    ),
    (
        "defect",
        "escalation",
        "severity=fatal",
        0,
        "minutes",
        ["region_lead", "tech_manager"],
        "致命：立即通知片区负责人和后台，尽快恢复",
    ),
    (
        "defect",
        "report",
        "severity=serious",
        1,
        "working_days",
        ["assignee", "region_lead"],
        "严重：1 个工作日内验证并上报",
    ),
    (
        "defect",
        "fix",
        "severity=serious",
        24,
        "hours",
        ["assignee", "region_lead"],
        "严重：上报后 24 小时内修复",
    ),
    (
        "defect",
        "report",
        "severity=important",
        1,
        "working_days",
        ["assignee"],
        "重要：1 个工作日内上报",
    ),
    (
        "defect",
        "verify",
        "severity=important",
        2,
        "working_days",
        ["assignee"],
        "重要：2 个工作日内验证",
    ),
    (
        "defect",
        "resolve",
        "severity=important",
        3,
        "working_days",
        ["assignee"],
        "重要：3 个工作日内解决",
    ),
    (
        "defect",
        "report",
        "severity=general",
        3,
        "working_days",
        ["assignee"],
        "一般：3 个工作日内上报",
    ),
    (
        "first_visit",
        "needs_routing",
        "",
        0,
        "next_working_day_start",
        ["assignee"],
        "首访记录的需求次日上班前转交相关部门",
    ),
    (
        "requirement",
        "evaluation",
        "",
        3,
        "working_days",
        ["assignee"],
        "新增需求：3 个工作日内完成评估",
    ),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    for subject, target, condition, amount, unit, notify, rule in POLICIES:
        SlaPolicy.objects.get_or_create(
            subject=subject,
            target=target,
            condition=condition,
            defaults={
                "amount": Decimal(amount),
                "unit": unit,
                "notify": notify,
                "description": rule,
                "warn_percent": 80,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_default_calendars")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
