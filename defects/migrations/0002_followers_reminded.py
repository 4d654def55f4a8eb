"""Followers of a defect are reminded of its deadlines (seed 004 §2.1.1.4: "对于潜在可能超期
的请求，有义务及时提醒开发人员"): the defect policies notify ``followers`` too."""

from django.db import migrations


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    for policy in SlaPolicy.objects.filter(subject__in=["defect", "requirement"]):
        notify = list(policy.notify or [])
        if "followers" not in notify:
            policy.notify = [*notify, "followers"]
            policy.save(update_fields=["notify"])


class Migration(migrations.Migration):
    dependencies = [
        ("defects", "0001_initial"),
        ("core", "0004_default_sla_policies"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
