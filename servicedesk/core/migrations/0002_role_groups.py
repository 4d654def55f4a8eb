"""Create one group per role (docs/domain.md §roles). Permissions are attached after migrate
(servicedesk.core.roles), because Django creates permissions only in post_migrate."""

from django.db import migrations

ROLES = [
    "director",
    "sales_manager",
    "implementation_manager",
    "project_manager",
    "consultant",
    "first_visit_agent",
    "hotline_engineer",
    "service_manager",
    "field_engineer",
    "tech_manager",
    "region_lead",
    "tester",
    "developer",
    "auditor",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
