"""Check that every signed document in the media storage still matches its fingerprint."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.core.services.backup import signatures_verify_stored


class Command(BaseCommand):
    help = "Verify every signature's stored files against the SHA-256 kept when it was signed."
    leave_locale_alone = True

    def handle(self, *args, **options) -> None:
        check = signatures_verify_stored()
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
