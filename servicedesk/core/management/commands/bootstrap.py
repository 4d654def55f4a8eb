"""Create the first administrator from environment variables (idempotent).

``ADMIN_USERNAME`` (default ``admin``), ``ADMIN_PASSWORD`` and ``ADMIN_EMAIL``; the
options ``--username`` and ``--email`` win over them. Without ADMIN_PASSWORD the password
is asked on the terminal. An existing user is left exactly as it is.
"""

from __future__ import annotations

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.roles import sync_role_permissions


class Command(BaseCommand):
    help = "Create the first administrator from ADMIN_USERNAME / ADMIN_PASSWORD / ADMIN_EMAIL."
    leave_locale_alone = True

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default=os.environ.get("ADMIN_USERNAME", "admin"))
        parser.add_argument("--email", default=os.environ.get("ADMIN_EMAIL", ""))

    def handle(self, *args, **options) -> None:
        username = (options["username"] or "").strip()
        if not username:
            raise CommandError(_("Give the administrator's user name (ADMIN_USERNAME)."))
        users = get_user_model().objects
        if users.filter(username=username).exists():
            self.stdout.write(
                _("Administrator %(username)s already exists; nothing changed.")
                % {"username": username}
            )
            return
        password = os.environ.get("ADMIN_PASSWORD", "")
        if not password and sys.stdin.isatty():
            password = getpass.getpass(_("Password for %(username)s: ") % {"username": username})
        if not password:
            raise CommandError(_("Set ADMIN_PASSWORD to the first administrator's password."))
        user = users.model(username=username, email=options["email"], first_name=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        sync_role_permissions()
        with transaction.atomic():
            user.email = users.normalize_email(options["email"])
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user._change_reason = _("first administrator (bootstrap)")
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                _("Administrator %(username)s created: log in at /admin/ and add the staff.")
                % {"username": username}
            )
        )
