"""Load the demo company idempotently: staff of every role, then each app's demo data."""

import importlib

from django.apps import apps
from django.core.management.base import BaseCommand

from servicedesk.core.demo import DEMO_PASSWORD, load_staff
from servicedesk.core.roles import sync_role_permissions
from servicedesk.core.services.calendar import calendar_ensure_defaults


class Command(BaseCommand):
    help = "Create a believable small service company for trying the desk (idempotent)."

    def handle(self, *args, **options) -> None:
        sync_role_permissions()
        calendar_ensure_defaults()
        staff = load_staff()
        for config in apps.get_app_configs():
            if config.name == "servicedesk.core":
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo logins (password for all: %s):" % DEMO_PASSWORD))
        for username, name, role in staff:
            self.stdout.write(f"  {username:<12} {name:<8} {role}")
