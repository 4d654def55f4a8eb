"""What issue 15's parts of field service add to shared pages (docs/architecture.md
§apps.registries): menu entries, deadline labels, customer-archive sections."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


def backup_policies_for_archive(customer: Any, contracts: list[Any], *, user: Any) -> dict:
    """The customer's backup policies (docs/domain.md §restore), not tied to a contract."""
    from .models.backups import BackupPolicy

    items = BackupPolicy.objects.restrict(user).filter(customer=customer).order_by("system")
    return {None: list(items)}


def upgrades_for_archive(customer: Any, contracts: list[Any], *, user: Any) -> dict:
    from contracts.archive import group_by_contract

    from .models.upgrades import Upgrade

    items = (
        Upgrade.objects.restrict(user)
        .filter(customer=customer)
        .select_related("engineer__user")
        .order_by("-created_at", "-id")[:100]
    )
    return group_by_contract(items)


def register() -> None:
    from contracts.archive import register_archive_section
    from servicedesk.core.choices import timer_targets_register
    from servicedesk.core.navigation import NavItem, nav_register

    timer_targets_register(restore_plan=_("Plan the restore"), restore=_("Restore the data"))
    register_archive_section(
        "backup_policies",
        _("Backup policies"),
        backup_policies_for_archive,
        order=47,
        permission="fieldservice.view_backuppolicy",
        template="fieldservice/partials/archive_backup_policy.html",
        takes_user=True,
    )
    register_archive_section(
        "upgrades",
        _("Upgrades"),
        upgrades_for_archive,
        order=46,
        permission="fieldservice.view_upgrade",
        template="fieldservice/partials/archive_upgrade.html",
        takes_user=True,
    )
    nav_register(
        NavItem(
            _("Upgrades"),
            "fieldservice:upgrades",
            "arrow-up-circle",
            "fieldservice.view_upgrade",
            order=24,
        ),
        NavItem(
            _("Restore requests"),
            "fieldservice:restores",
            "arrow-repeat",
            "fieldservice.view_restorerequest",
            order=25,
            for_field_work=False,
        ),
        NavItem(
            _("On-site support plans"),
            "fieldservice:support-plans",
            "clipboard-data",
            "fieldservice.view_supportplan",
            order=25,
        ),
        NavItem(
            _("Partner companies"),
            "fieldservice:partners",
            "buildings",
            "fieldservice.manage_dispatch",
            order=26,
        ),
    )
