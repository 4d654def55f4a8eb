from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Implementation projects")

    def ready(self) -> None:
        from servicedesk.core.choices import timer_targets_register
        from servicedesk.core.navigation import NavItem, nav_register
        from servicedesk.core.services import event_subscribe

        from . import checks, printing  # noqa: F401 - registers the checks and the forms
        from .subscribers import project_from_contract, project_from_first_visit, project_signed

        timer_targets_register(
            stage_review=_("Stage result reviewed by the PM"),
            log_confirmation=_("Daily log confirmed by the customer"),
        )
        event_subscribe("contract_signed", project_from_contract)
        event_subscribe("firstvisit.needs_routed", project_from_first_visit)
        event_subscribe("form.signed", project_signed)
        nav_register(
            NavItem(
                _("Today's log"),
                "projects:today",
                "journal-text",
                "projects.work_project",
                order=40,
            ),
            NavItem(_("My projects"), "projects:mine", "kanban", "projects.run_project", order=41),
            NavItem(
                _("All projects"),
                "projects:all",
                "diagram-3",
                "projects.view_all_projects",
                order=42,
            ),
        )

        from .search_sources import register as register_search

        register_search()  # docs/architecture.md §search
        from .lists import register as register_lists

        register_lists()  # docs/architecture.md §lists
