from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefectsConfig(AppConfig):
    name = "defects"
    verbose_name = _("Defects and requirements")

    def ready(self) -> None:
        from contracts.archive import register_archive_section
        from servicedesk.core.navigation import NavItem, nav_register

        from . import printing  # noqa: F401 - registers the printed forms
        from .subscribers import defects_for_archive, requirements_for_archive
        from .worksteps import register as register_waiting_steps

        register_waiting_steps()
        register_archive_section(
            "defects", _("Defects"), defects_for_archive, order=50, permission="defects.view_defect"
        )
        register_archive_section(
            "requirements",
            _("Requirement requests"),
            requirements_for_archive,
            order=51,
            permission="defects.view_requirement",
        )

        nav_register(
            NavItem(_("Defect board"), "defects:board", "bug", "defects.view_defect", order=30),
            NavItem(
                _("Record a defect"),
                "defects:defect-create",
                "bug-fill",
                "defects.add_defect",
                order=31,
            ),
            NavItem(
                _("Requirement pipeline"),
                "defects:requirements",
                "lightbulb",
                "defects.view_requirement",
                order=32,
            ),
            NavItem(
                _("Evaluation reports"),
                "defects:reports",
                "clipboard-data",
                "defects.view_evaluationreport",
                order=33,
            ),
        )

        from .search_sources import register as register_search

        register_search()  # docs/architecture.md §search
        from .lists import register as register_lists

        register_lists()  # docs/architecture.md §lists
