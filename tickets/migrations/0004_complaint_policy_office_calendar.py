"""Acknowledging a complaint is the technical manager's internal step: it runs on the
office calendar whatever the contract (docs/domain.md §deadlines.calendar)."""

from django.db import migrations


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    SlaPolicy.objects.filter(subject="ticket", target="acknowledge").update(calendar_basis="office")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_portal_indexes"),
        ("core", "0006_sla_policy_calendar_basis"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
