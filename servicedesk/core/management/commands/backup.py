"""Back up the database and the media files into one folder (README "Backup and restore")."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.services.backup import backup_create


class Command(BaseCommand):
    help = "Write database + media + manifest into <output>/servicedesk-<time>/."
    leave_locale_alone = True

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            default=str(Path(settings.VAR_DIR) / "backups"),
            help="folder that receives the backup (default var/backups)",
        )

    def handle(self, *args, **options) -> None:
        try:
            folder = backup_create(Path(options["output"]))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(_("Backup written to %(folder)s") % {"folder": folder})
        )
