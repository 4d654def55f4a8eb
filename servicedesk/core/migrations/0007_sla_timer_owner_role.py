"""Who must act for a deadline while no one person is responsible: a role (a serious
defect's fix belongs to the testers until a developer takes it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_sla_policy_calendar_basis"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalslatimer",
            name="owner_role",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="The role that must act while no one person is responsible.",
                max_length=40,
                verbose_name="responsible role",
            ),
        ),
        migrations.AddField(
            model_name="slatimer",
            name="owner_role",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                help_text="The role that must act while no one person is responsible.",
                max_length=40,
                verbose_name="responsible role",
            ),
        ),
    ]
