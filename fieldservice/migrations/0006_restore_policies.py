"""The deadlines of a restore request (docs/domain.md §restore): its plan within 4 working
hours of the request, the restore itself within 1 working day of the plan, on the
contract's service level calendar (none on the policy)."""

from decimal import Decimal

from django.db import migrations

# target, amount, unit, rule
POLICIES = [
    ("restore_plan", 4, "working_hours", "数据恢复申请：4 个工作小时内制定恢复方案"),
    ("restore", 1, "working_days", "数据恢复：方案确定后 1 个工作日内完成恢复"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    for target, amount, unit, rule in POLICIES:
        SlaPolicy.objects.get_or_create(
            subject="restore",
            target=target,
            condition="",
            defaults={
                "amount": Decimal(amount),
                "unit": unit,
                "notify": ["service_manager"],
                "description": rule,
                "warn_percent": 80,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("fieldservice", "0005_upgrades_partners_restores"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
