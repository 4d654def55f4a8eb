"""Roles as groups, and the permissions each group holds.

Groups are created by a data migration; their permissions are (re)attached after every
``migrate`` from the declarative tables below, because Django creates permissions only in
its own post_migrate step. Permissions are given to groups, never to users.

Each app may contribute a ``roles.py`` with ``ROLE_PERMISSIONS = {role: [patterns]}``.
A pattern is ``app_label.codename`` with shell wildcards (``contracts.view_*``).
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Iterable

from django.apps import apps

from .choices import Role

# Everyone on the staff sees the shared kernel's reference data and their own inbox.
_EVERYONE = [
    "core.view_workcalendar",
    "core.view_calendarexception",
    "core.view_slapolicy",
    "core.view_slatimer",
    "core.view_notification",
    "core.change_notification",
    "core.view_signature",
    "core.add_signature",
    "core.view_staffprofile",
    "core.view_domainevent",
    "core.view_escalation",
]
_MANAGERS = [
    "core.add_workcalendar",
    "core.change_workcalendar",
    "core.add_calendarexception",
    "core.change_calendarexception",
    "core.delete_calendarexception",
    "core.change_slapolicy",
    "core.add_slapolicy",
    # Customer links and surveys (issue 17): the managers see answers and the links' log.
    "core.view_customerlink",
    "core.view_linkopen",
    "core.view_surveyanswer",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DIRECTOR: _EVERYONE + _MANAGERS,
    Role.SALES_MANAGER: list(_EVERYONE),
    Role.IMPLEMENTATION_MANAGER: _EVERYONE + _MANAGERS,
    Role.PROJECT_MANAGER: list(_EVERYONE),
    Role.CONSULTANT: list(_EVERYONE),
    Role.FIRST_VISIT_AGENT: list(_EVERYONE),
    Role.HOTLINE_ENGINEER: list(_EVERYONE),
    Role.SERVICE_MANAGER: _EVERYONE + _MANAGERS,
    Role.FIELD_ENGINEER: list(_EVERYONE),
    Role.TECH_MANAGER: _EVERYONE + _MANAGERS,
    Role.REGION_LEAD: list(_EVERYONE),
    Role.TESTER: list(_EVERYONE),
    Role.DEVELOPER: list(_EVERYONE),
    # The auditor reads everything and changes nothing, not even the read marks of others.
    # A pattern starting with "-" takes permissions away again: ``view_*`` also matches
    # read rights that are not for him (the full contract copy: contracts/roles.py).
    Role.AUDITOR: ["*.view_*", "core.change_notification"],
}

# Roles whose members use the Django admin (docs/domain.md §roles.admin).
STAFF_ROLES = {
    Role.DIRECTOR,
    Role.SALES_MANAGER,
    Role.IMPLEMENTATION_MANAGER,
    Role.SERVICE_MANAGER,
    Role.TECH_MANAGER,
    Role.AUDITOR,
}


def collected_role_permissions() -> dict[str, list[str]]:
    """The patterns of core plus every app's ``roles.ROLE_PERMISSIONS``."""
    merged: dict[str, list[str]] = {role: list(p) for role, p in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        if config.name == "servicedesk.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        for role, patterns in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, []).extend(patterns)
    return merged


def _match(patterns: Iterable[str], available: dict[str, int]) -> set[int]:
    """The permission ids the patterns give, less those of the ``-pattern`` ones."""
    given: set[int] = set()
    taken: set[int] = set()
    for pattern in patterns:
        ids = taken if pattern.startswith("-") else given
        pattern = pattern.removeprefix("-")
        if any(ch in pattern for ch in "*?["):
            ids.update(pk for name, pk in available.items() if fnmatch.fnmatchcase(name, pattern))
        elif pattern in available:
            ids.add(available[pattern])
    return given - taken


def sync_role_permissions() -> None:
    """Create missing role groups and set each group's permissions to its table."""
    from django.contrib.auth.models import Group, Permission

    available = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, patterns in collected_role_permissions().items():
        group, _created = Group.objects.get_or_create(name=str(role))
        group.permissions.set(_match(patterns, available))


def sync_role_permissions_handler(sender, app_config=None, using="default", **kwargs) -> None:
    # Run once per migrate, after the last app's post_migrate created its permissions.
    last = list(apps.get_app_configs())[-1]
    if app_config is not None and app_config.label != last.label:
        return
    if using != "default":
        return
    sync_role_permissions()
