"""Channel addresses and signing secrets encrypted at rest (docs/architecture.md
§credentials): Fernet with the keys of ``settings.CREDENTIAL_KEYS`` (newest first), else a
key derived from ``SECRET_KEY`` for development."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _cipher() -> MultiFernet:
    keys = [
        k.encode() if isinstance(k, str) else k for k in getattr(settings, "CREDENTIAL_KEYS", [])
    ]
    if not keys:
        digest = hashlib.sha256(f"credentials:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest)]
    return MultiFernet([Fernet(k) for k in keys])


def seal(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode() if plain else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("channel secret cannot be decrypted with the configured keys") from exc
