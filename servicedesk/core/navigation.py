"""Portal navigation by role: apps register their entries in ``AppConfig.ready``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str = "circle"
    permission: str | None = None  # shown only to users with this permission
    section: Any = ""
    order: int = 100


_items: list[NavItem] = []


def nav_register(*items: NavItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)


def nav_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    out = []
    for item in sorted(_items, key=lambda i: (i.order, str(i.label))):
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        out.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": active,
                "section": item.section,
            }
        )
    # Only the most specific entry is highlighted (/tickets/new/ is "New call", not both).
    longest = max((len(entry["url"]) for entry in out if entry["active"]), default=0)
    for entry in out:
        entry["active"] = entry["active"] and len(entry["url"]) == longest
    return out
