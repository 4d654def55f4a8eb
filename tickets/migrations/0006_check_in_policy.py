"""The shift check-in policy (docs/domain.md §hotline.check-in: "热线工程师准时到岗就位，十分钟内做好值班准备"),
editable in the admin afterwards."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    SlaPolicy.objects.get_or_create(
        subject="duty_shift",
        target="duty_check_in",
        condition="",
        defaults={
            "amount": Decimal(10),
            "unit": "minutes",
            "notify": ["assignee", "service_manager"],
            "description": "热线工程师准时到岗就位，班次开始后 10 分钟内做好值班准备",
            "warn_percent": 80,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_duty_shift_check_in"), ("core", "0004_default_sla_policies")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
