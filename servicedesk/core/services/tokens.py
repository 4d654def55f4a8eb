"""API tokens (docs/architecture.md §access-and-sessions).

A token is issued by ``POST /api/v1/auth/token/`` (DRF's authtoken ``Token``, one per
user). It lives ``API_TOKEN_DAYS`` days from its issue; an expired one is refused (401)
and the next login issues a new key. A password change (or reset, or the admin setting a
new one) deletes the user's tokens, so a leaked token dies with the old password.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ..types import User


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.API_TOKEN_DAYS)


def token_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    return token.created + token_lifetime() <= (now or timezone.now())


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's token: the current one while it lives, else a new key."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_expired(token):
        return token
    if token is not None:
        token.delete()
    return Token.objects.create(user=user)


def tokens_revoke(*, user: Any) -> int:
    """Delete the user's API tokens; returns how many there were."""
    deleted, _detail = Token.objects.filter(user=user).delete()
    return deleted


def tokens_revoke_on_password_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``pre_save`` of the user model: a new password hash ends the API tokens."""
    if instance.pk is None or kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "password" not in update_fields:
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True)
    old = stored.first()
    if old is not None and old != instance.password:
        tokens_revoke(user=instance)
