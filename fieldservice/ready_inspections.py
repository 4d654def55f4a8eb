"""What routine inspections register when the app is ready (docs/architecture.md
§apps.registries): printed forms, the ``form.signed`` reaction, menus, the archive."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from contracts.archive import register_archive_section
    from servicedesk.core.navigation import NavItem, nav_register
    from servicedesk.core.services import event_subscribe

    from . import printing_inspections  # noqa: F401 - registers the schedule and the report
    from .selectors_inspections import goods_inspections_for_archive, inspections_for_archive
    from .subscribers_inspections import inspection_signed, installation_signed

    event_subscribe("form.signed", inspection_signed)
    event_subscribe("form.signed", installation_signed)
    register_archive_section(
        "inspections",
        _("Routine inspections"),
        inspections_for_archive,
        order=46,
        permission="fieldservice.view_inspection",
        template="fieldservice/inspections/archive_section.html",
        takes_user=True,
    )
    register_archive_section(
        "goods_inspections",
        _("Goods inspections"),
        goods_inspections_for_archive,
        order=47,
        permission="fieldservice.view_goodsinspection",
        template="fieldservice/goods/archive_section.html",
        takes_user=True,
    )
    nav_register(
        NavItem(
            _("Inspection calendar"),
            "fieldservice:inspection-calendar",
            "calendar-check",
            "fieldservice.view_all_dispatches",
            order=24,
        ),
        NavItem(
            _("Inspection schedules"),
            "fieldservice:inspection-schedules",
            "list-check",
            "fieldservice.manage_inspections",
            order=25,
        ),
    )
