"""Chinese message templates to start from (docs/architecture.md §channels.templates):
one for every kind and channel, and a tag in front of the title of the urgent kinds.
Administrators change them in the admin; a template they already wrote is kept."""

from django.db import migrations

DEFAULTS = [
    ("", "{{ title }}", "{{ body }}\n\n时间：{{ time }}"),
    ("sla_warning", "【即将超时】{{ title }}", "{{ body }}\n\n时间：{{ time }}"),
    ("sla_breach", "【已超时】{{ title }}", "{{ body }}\n\n时间：{{ time }}"),
    ("system_down", "【系统瘫痪】{{ title }}", "{{ body }}\n\n请立即响应。时间：{{ time }}"),
    ("defect_fatal", "【致命缺陷】{{ title }}", "{{ body }}\n\n请立即响应。时间：{{ time }}"),
    ("channel_test", "{{ title }}", "{{ body }}"),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("core", "MessageTemplate")
    for kind, title, body in DEFAULTS:
        MessageTemplate.objects.get_or_create(
            kind=kind, channel_kind="", defaults={"title": title, "body": body}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0012_merge_0011_notification_channels_0011_saved_filters")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
