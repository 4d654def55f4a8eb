"""The emergency loan's paperwork deadline (docs/domain.md §stock.loans): an emergency loan
taken before approval is approved by the technical manager within one working day, on
the office calendar (an internal step)."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    SlaPolicy.objects.get_or_create(
        subject="part_loan",
        target="paperwork",
        condition="",
        defaults={
            "amount": Decimal(1),
            "unit": "working_days",
            "calendar_basis": "office",
            "notify": ["tech_manager"],
            "description": "紧急借用备件：借出后 1 个工作日内由技术部经理补批手续",
            "warn_percent": 50,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_event_reactions"),
        ("fieldservice", "0005_spare_parts_stock"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
