"""Each SLA policy states its calendar basis (docs/domain.md §deadlines.calendar): internal steps
run on the office calendar whatever the contract, promises to the customer on the contract's service
level. The seeded policies get theirs (the complaint policy of the hotline app gets its
own in that app); a policy added later defaults to the contract's."""

import django.db.models.deletion
from django.db import migrations, models

# (subject, target) of the internal steps: whoever must act works office hours.
OFFICE = [
    ("ticket", "handover_to_manager"),  # 次日上班前提交服务部经理
    ("duty_shift", "shift_handover"),  # 接班
    ("dispatch", "write_off"),  # 销单
    ("dispatch", "follow_up"),  # 电话回访
    ("first_visit", "needs_routing"),  # 首访需求转交部门
    ("requirement", "evaluation"),  # 需求评估
    ("defect", "escalation"),  # 通知片区负责人和后台
    ("defect", "report"),  # 验证并上报总部
    ("defect", "verify"),  # 测试人员验证
]
# (subject, target) of the promises to the customer: the contract's service level.
SERVICE_LEVEL = [
    ("ticket", "dispatch_submission"),
    ("ticket", "callback"),
    ("ticket", "reply"),
    ("dispatch", "arrival"),
    ("defect", "fix"),
    ("defect", "resolve"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    for basis, pairs in (("office", OFFICE), ("service_level", SERVICE_LEVEL)):
        for subject, target in pairs:
            SlaPolicy.objects.filter(subject=subject, target=target).update(calendar_basis=basis)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_warn_percent_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalslapolicy",
            name="calendar_basis",
            field=models.CharField(
                choices=[
                    ("office", "Office calendar (internal step)"),
                    ("service_level", "Contract service level (promise to the customer)"),
                ],
                db_default="service_level",
                default="service_level",
                help_text="Internal steps run on the office calendar whatever the contract; promises to the customer on the calendar of the contract's service level (else the office calendar). A calendar chosen above overrides both.",
                max_length=20,
                verbose_name="calendar basis",
            ),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="calendar_basis",
            field=models.CharField(
                choices=[
                    ("office", "Office calendar (internal step)"),
                    ("service_level", "Contract service level (promise to the customer)"),
                ],
                db_default="service_level",
                default="service_level",
                help_text="Internal steps run on the office calendar whatever the contract; promises to the customer on the calendar of the contract's service level (else the office calendar). A calendar chosen above overrides both.",
                max_length=20,
                verbose_name="calendar basis",
            ),
        ),
        migrations.AlterField(
            model_name="historicalslapolicy",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Empty: the calendar basis decides.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="core.workcalendar",
                verbose_name="calendar",
            ),
        ),
        migrations.AlterField(
            model_name="slapolicy",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the calendar basis decides.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="core.workcalendar",
                verbose_name="calendar",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
