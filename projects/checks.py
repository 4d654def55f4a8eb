"""System checks of the credential keys (docs/architecture.md §credentials)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def credential_keys_valid(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed key would only fail when a credential is first saved or revealed: say so
    at start instead."""
    from cryptography.fernet import Fernet

    errors: list[checks.CheckMessage] = []
    for position, key in enumerate(getattr(settings, "CREDENTIAL_KEYS", []), start=1):
        try:
            Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            errors.append(
                checks.Error(
                    f"CREDENTIAL_KEYS: key {position} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes).",
                    hint='Generate one with: python -c "from cryptography.fernet import '
                    'Fernet; print(Fernet.generate_key().decode())"',
                    id="projects.E001",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def credential_keys_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "CREDENTIAL_KEYS", []):
        return []
    return [
        checks.Warning(
            "CREDENTIAL_KEYS is not set: hand-over book credentials are encrypted with a key "
            "derived from SECRET_KEY, so changing SECRET_KEY would make them unreadable.",
            hint="Set CREDENTIAL_KEYS (README, Configuration).",
            id="projects.W001",
        )
    ]
