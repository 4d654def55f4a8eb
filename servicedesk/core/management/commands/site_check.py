"""Check a running site: /healthz, login, portal home, boards, API docs, admin, and
every static file they use answer 200 (README "Production")."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from servicedesk.core.sitecheck import Client, site_check


class Command(BaseCommand):
    help = "Log in to a running site and check its pages and static files."
    leave_locale_alone = True

    def add_arguments(self, parser) -> None:
        parser.add_argument("url", help="e.g. http://127.0.0.1:8000 or https://desk.example.com")
        parser.add_argument("--username", default=os.environ.get("ADMIN_USERNAME", "admin"))
        parser.add_argument(
            "--forwarded-proto",
            default="",
            help="send X-Forwarded-Proto (https: check a web process behind a TLS proxy)",
        )
        parser.add_argument("--host", default="", help="Host header (one of ALLOWED_HOSTS)")
        parser.add_argument(
            "--wait-healthy",
            type=float,
            default=60,
            help="seconds to wait for /healthz to answer 200 (0: do not check it)",
        )

    def handle(self, *args, **options) -> None:
        password = os.environ.get("ADMIN_PASSWORD", "")
        if not password:
            raise CommandError(
                _("Set ADMIN_PASSWORD to the password of %(username)s.")
                % {"username": options["username"]}
            )
        client = Client(
            options["url"], forwarded_proto=options["forwarded_proto"], host=options["host"]
        )
        try:
            report = site_check(
                client,
                username=options["username"],
                password=password,
                health_timeout=options["wait_healthy"],
            )
        except OSError as exc:
            raise CommandError(
                _("Cannot reach %(url)s: %(error)s") % {"url": options["url"], "error": exc}
            ) from exc
        for line in report.lines:
            self.stdout.write(line)
        if report.failures:
            raise CommandError(
                _("%(count)s checks failed: %(first)s")
                % {"count": len(report.failures), "first": report.failures[0]}
            )
        self.stdout.write(self.style.SUCCESS(_("The site answers as it should.")))
