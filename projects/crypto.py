"""Credentials of the hand-over book encrypted at rest (docs/architecture.md
§credentials): Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) with
the keys of ``settings.CREDENTIAL_KEYS``.

Rotation: put a new key first in ``CREDENTIAL_KEYS`` (the old ones after it, so existing
values still decrypt), run ``manage.py rotate_credentials`` to re-encrypt every value with
the new key, then drop the old keys. Without ``CREDENTIAL_KEYS`` a key is derived from
``SECRET_KEY`` (development only; production sets the keys).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _keys() -> list[bytes]:
    keys = [
        k.encode() if isinstance(k, str) else k for k in getattr(settings, "CREDENTIAL_KEYS", [])
    ]
    if not keys:
        digest = hashlib.sha256(f"credentials:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest)]
    return keys


def cipher() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _keys()])


def encrypt(plain: str) -> str:
    return cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was dropped before rotating
        raise ValueError("credential cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    return cipher().rotate(token.encode()).decode()
