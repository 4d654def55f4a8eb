"""Compile every .po file to .mo in pure Python (no GNU gettext on a fresh machine)."""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def locale_dirs() -> list[Path]:
    """The project's LOCALE_PATHS and each of our apps' own ``locale/`` folder (Django
    looks in both; an app keeps the catalogue of its own messages)."""
    dirs = [Path(base) for base in settings.LOCALE_PATHS]
    base_dir = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        # Only our own apps: a virtualenv inside the checkout holds installed packages.
        if "site-packages" in path.parts:
            continue
        if base_dir in path.parents and (path / "locale").is_dir():
            dirs.append(path / "locale")
    return dirs


class Command(BaseCommand):
    help = "Compile the .po files of LOCALE_PATHS and of each app's locale/ (idempotent)."

    def handle(self, *args, **options) -> None:
        compiled = 0
        for base in locale_dirs():
            for po_path in base.glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                compiled += 1
        self.stdout.write(f"compiled {compiled} translation file(s)")
