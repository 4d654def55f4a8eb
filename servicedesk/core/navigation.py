"""Portal navigation by role: apps register their entries in ``AppConfig.ready``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .scoping import field_work


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    icon: str = "circle"
    permission: str | None = None  # shown only to users with this permission
    # Menu group; by default the app the URL belongs to (``tickets:queue`` → tickets).
    section: str = ""
    order: int = 100
    # False: hidden from field engineers, whose view is limited to their dispatches
    # (core.scoping) and who have nothing to do there (the hotline queue, first visits).
    for_field_work: bool = True


# Menu groups, in the order of the work: what comes in, goes on site, goes to
# headquarters; then the customers, then what everyone shares. "start" has no heading.
SECTIONS: dict[str, tuple[int, Any]] = {
    "start": (0, ""),
    "tickets": (10, _("Hotline")),
    "fieldservice": (20, _("Field service")),
    "defects": (30, _("Defects and requirements")),
    "projects": (40, _("Implementation")),
    "contracts": (50, _("Customers and contracts")),
    "reports": (60, _("Work reports")),
    "core": (90, _("General")),
}

_items: list[NavItem] = []


def _section_of(item: NavItem) -> str:
    return item.section or item.url_name.split(":", 1)[0]


def _sort_key(item: NavItem) -> tuple[int, int, str]:
    section_order = SECTIONS.get(_section_of(item), (80, ""))[0]
    return (section_order, item.order, str(item.label))


def nav_register(*items: NavItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)


def nav_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    """The menu entries ``user`` may open, grouped by section; ``heading`` is set on the
    first entry of each section that has one."""
    out: list[dict[str, Any]] = []
    previous_section = None
    limited = field_work(user) is not None
    for item in sorted(_items, key=_sort_key):
        if item.permission and not user.has_perm(item.permission):
            continue
        if limited and not item.for_field_work:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        section = _section_of(item)
        heading = SECTIONS.get(section, (0, ""))[1] if section != previous_section else ""
        previous_section = section
        out.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": active,
                "section": section,
                "heading": heading,
            }
        )
    # Only the most specific entry is highlighted (/tickets/new/ is "New call", not both).
    longest = max((len(entry["url"]) for entry in out if entry["active"]), default=0)
    for entry in out:
        entry["active"] = entry["active"] and len(entry["url"]) == longest
    return out
