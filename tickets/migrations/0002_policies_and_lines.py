"""Hotline defaults: the complaint acknowledgement policy and a first hotline line."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    HotlineLine = apps.get_model("tickets", "HotlineLine")
    SlaPolicy.objects.get_or_create(
        subject="ticket",
        target="acknowledge",
        condition="kind=complaint",
        defaults={
            "amount": Decimal(1),
            "unit": "working_hours",
            "notify": ["tech_manager", "assignee"],
            "description": "投诉：1 个工作小时内由技术经理受理",
            "warn_percent": 80,
        },
    )
    HotlineLine.objects.get_or_create(name="400 热线", defaults={"number": "400-800-0000"})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial"), ("core", "0004_default_sla_policies")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
