"""Re-encrypt the hand-over credentials with the first of CREDENTIAL_KEYS
(docs/architecture.md §credentials)."""

from django.core.management.base import BaseCommand

from projects.services import credentials_rotate


class Command(BaseCommand):
    help = "Re-encrypt every hand-over credential with the newest key (CREDENTIAL_KEYS[0])."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"re-encrypted {credentials_rotate()} credential(s)")
