"""``manage.py receive_mail``: the SMTP listener of the support address, run as its own
service (deploy/systemd/servicedesk-mailin.service; docs/architecture.md §mail-in)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Receive mail for the support address over SMTP and turn it into tickets."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.SUPPORT_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.SUPPORT_SMTP_PORT)

    def handle(self, *args, host: str, port: int, **options):
        from tickets.smtp import support_listener

        if not settings.SUPPORT_MAIL_ADDRESSES:
            raise CommandError("Set SUPPORT_MAIL_ADDRESSES (the support address) first.")
        listener = support_listener(host, port)
        listener.start()
        self.stdout.write(
            f"Receiving mail for {', '.join(settings.SUPPORT_MAIL_ADDRESSES)} on {host}:{port}"
        )
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            listener.stop()
