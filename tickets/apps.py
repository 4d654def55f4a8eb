from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from contracts.archive import register_archive_section
        from servicedesk.core.choices import timer_targets_register
        from servicedesk.core.navigation import NavItem, nav_register
        from servicedesk.core.services import event_subscribe

        from . import printing  # noqa: F401 - registers the printed hotline record
        from .selectors import tickets_for_archive
        from .subscribers import ticket_from_revisit, ticket_resolved_by_defect
        from .worksteps import register as register_waiting_steps

        event_subscribe("revisit.follow_up_requested", ticket_from_revisit)
        event_subscribe("defect.close", ticket_resolved_by_defect)
        from .subscribers import ticket_from_low_survey

        event_subscribe("survey.low_score", ticket_from_low_survey)  # issue 17
        timer_targets_register(duty_check_in=_("Ready on duty"))
        register_waiting_steps()
        register_archive_section(
            "tickets",
            _("Hotline tickets"),
            tickets_for_archive,
            order=30,
            permission="tickets.view_ticket",
            template="tickets/partials/archive_ticket.html",
            takes_user=True,
        )

        nav_register(
            NavItem(
                _("New call"), "tickets:intake", "telephone-plus", "tickets.add_ticket", order=10
            ),
            NavItem(
                _("My tickets"),
                "tickets:queue",
                "inbox",
                "tickets.view_ticket",
                order=11,
                for_field_work=False,
            ),
            # Service manager; tech managers and directors reach it from their queue.
            NavItem(
                _("Ticket board"), "tickets:board", "kanban", "tickets.add_dutyshift", order=12
            ),
            NavItem(
                _("Duty roster"),
                "tickets:roster",
                "calendar-week",
                "tickets.view_dutyshift",
                order=13,
            ),
            NavItem(
                _("Knowledge base"),
                "tickets:knowledge",
                "journal-text",
                "tickets.view_knowledgearticle",
                order=14,
            ),
            NavItem(
                _("Call statistics"),
                "tickets:call-stats",
                "telephone",
                "tickets.view_call",
                order=15,
            ),
        )

        from .search_sources import register as register_search

        register_search()  # docs/architecture.md §search
        from .lists import register as register_lists

        register_lists()  # docs/architecture.md §lists
        nav_register(
            NavItem(_("All tickets"), "tickets:all", "list-ul", "tickets.view_ticket", order=16)
        )
