"""How people are named on screen and paper: Chinese names family name first, no space."""

from __future__ import annotations

import unicodedata
from typing import Any


def _is_cjk(text: str) -> bool:
    return any("CJK" in unicodedata.name(ch, "") for ch in text)


def display_name(user: Any) -> str:
    if user is None:
        return ""
    last, first = (user.last_name or "").strip(), (user.first_name or "").strip()
    if not (last or first):
        return user.get_username()
    if _is_cjk(last + first):
        return f"{last}{first}"
    return f"{first} {last}".strip()
