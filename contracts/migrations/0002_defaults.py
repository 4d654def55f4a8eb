"""Default revisit cycles (docs/domain.md §revisit.cycle) and the
company's standard charging rates (客户服务工作收费标准), both editable in the admin."""

from decimal import Decimal

from django.db import migrations

CYCLES = [("A", 1, None), ("B", 2, None), ("C", 3, None)]
STANDARD_RATES = [
    ("", "per_visit", Decimal("800.00"), "标准上门服务费（每次）"),
    ("repair", "per_visit", Decimal("800.00"), "现场维修（每次）"),
    ("implementation", "per_person_day", Decimal("1500.00"), "实施服务（每人天）"),
    ("development", "per_person_day", Decimal("1800.00"), "二次开发（每人天）"),
    ("remote_support", "per_hour", Decimal("200.00"), "远程支持（每小时）"),
    ("phone_support", "per_hour", Decimal("100.00"), "电话支持（每小时）"),
    ("training", "per_person_day", Decimal("1200.00"), "培训（每人天）"),
    ("data_service", "per_person_day", Decimal("1500.00"), "数据服务（每人天）"),
]


def seed(apps, schema_editor):
    RevisitCycle = apps.get_model("contracts", "RevisitCycle")
    ChargeRate = apps.get_model("contracts", "ChargeRate")
    for category, months, later in CYCLES:
        RevisitCycle.objects.get_or_create(
            category=category, defaults={"months": months, "months_after_first_year": later}
        )
    if not ChargeRate.objects.filter(contract__isnull=True).exists():
        for service_type, unit, price, note in STANDARD_RATES:
            ChargeRate.objects.create(
                contract=None, service_type=service_type, unit=unit, price=price, note=note
            )


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
