"""Types the services and selectors share (docs/architecture.md §layers).

``User`` is the acting person a service receives as ``by`` (``user``, ``actor``): the
project's user model, ``settings.AUTH_USER_MODEL``, which is Django's own. Services are
checked by mypy (``make lint``) against it, never against ``Any``.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

__all__ = ["AnonymousUser", "User"]
