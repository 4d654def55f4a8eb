"""Restore a backup into a new, empty database and media storage, then verify every
signed document against its fingerprint (README "Backup and restore")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.services.backup import backup_restore


class Command(BaseCommand):
    help = "Restore <backup folder> into the configured empty database and media storage."
    leave_locale_alone = True

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", help="a folder written by manage.py backup")

    def handle(self, *args, **options) -> None:
        try:
            result = backup_restore(Path(options["folder"]))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        check = result.verification
        self.stdout.write(
            _("Restored the database and %(files)s media files.") % {"files": result.media_files}
        )
        for problem in check.problems:
            self.stderr.write(problem)
        if not check.ok:
            raise CommandError(
                _("%(count)s of the signed documents do not verify.")
                % {"count": len(check.problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("All %(count)s signatures verify against their fingerprints.")
                % {"count": check.checked}
            )
        )
