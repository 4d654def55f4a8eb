from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldserviceConfig(AppConfig):
    name = "fieldservice"
    verbose_name = _("Field service")

    def ready(self) -> None:
        from contracts.archive import register_archive_section
        from servicedesk.core.choices import timer_targets_register
        from servicedesk.core.navigation import NavItem, nav_register
        from servicedesk.core.scoping import field_work_register
        from servicedesk.core.services import event_subscribe

        from . import printing  # noqa: F401 - registers the dispatch form and service report
        from .selectors import dispatches_for_archive, field_work, service_reports_for_archive
        from .subscribers import (
            dispatch_escalated_as_defect,
            dispatch_follow_up_call,
            dispatch_from_revisit,
            dispatch_from_ticket_requested,
            dispatch_signed,
        )
        from .worksteps import register as register_waiting_steps

        timer_targets_register(
            verification=_("Verify the request"), assignment=_("Assign an engineer")
        )
        register_waiting_steps()
        event_subscribe("ticket.dispatch_requested", dispatch_from_ticket_requested)
        event_subscribe("defect.recorded", dispatch_escalated_as_defect)
        event_subscribe("form.signed", dispatch_signed)
        event_subscribe("revisit.record", dispatch_follow_up_call)
        event_subscribe("revisit.follow_up_requested", dispatch_from_revisit)

        field_work_register(field_work)
        register_archive_section(
            "dispatches",
            _("On-site services"),
            dispatches_for_archive,
            order=40,
            permission="fieldservice.view_dispatch",
            template="fieldservice/partials/archive_dispatch.html",
            takes_user=True,
        )
        register_archive_section(
            "service_reports",
            _("Customer service reports"),
            service_reports_for_archive,
            order=45,
            permission="fieldservice.view_dispatch",
            template="fieldservice/partials/archive_service_report.html",
            takes_user=True,
        )
        nav_register(
            NavItem(
                _("My visits today"),
                "fieldservice:mine",
                "geo-alt",
                "fieldservice.work_dispatch",
                order=20,
            ),
            NavItem(
                _("Dispatch board"),
                "fieldservice:board",
                "calendar3-week",
                "fieldservice.manage_dispatch",
                order=21,
            ),
            NavItem(
                _("Dispatches"),
                "fieldservice:all",
                "truck",
                "fieldservice.view_dispatch",
                order=22,
            ),
            NavItem(
                _("Leave calendar"),
                "fieldservice:leave-month",
                "calendar-x",
                "fieldservice.manage_dispatch",
                order=23,
            ),
            NavItem(
                _("Person-days"),
                "fieldservice:person-days",
                "table",
                "fieldservice.manage_dispatch",
                order=23,
            ),
        )
        from .registrations import register as register_issue_15

        register_issue_15()  # upgrades, restores, partners (fieldservice/registrations.py)

        from .search_sources import register as register_search

        register_search()  # docs/architecture.md §search
        from .lists import register as register_lists

        register_lists()  # docs/architecture.md §lists
        from .ready_inspections import ready as inspections_ready

        inspections_ready()  # routine inspections, installations, goods inspections
        self._ready_stock()

    def _ready_stock(self) -> None:
        """Spare-parts stock (docs/domain.md §stock): its printed tag label, the emergency
        loan's paperwork clock and the menu."""
        from servicedesk.core.choices import timer_targets_register
        from servicedesk.core.navigation import NavItem, nav_register

        from . import printing_stock  # noqa: F401 - registers the faulty part's tag label

        timer_targets_register(paperwork=_("Complete the loan paperwork"))
        nav_register(
            NavItem(
                _("Spare-parts stock"),
                "fieldservice:stock",
                "box-seam",
                "fieldservice.view_stocklevel",
                order=24,
            ),
            NavItem(
                _("Loans and repairs"),
                "fieldservice:stock-outstanding",
                "arrow-repeat",
                "fieldservice.view_partloan",
                order=25,
            ),
        )
        self._ready_training()

    def _ready_training(self) -> None:
        """Customer training (docs/domain.md §training): its printed forms, the training
        reports in the customer archive, the menu."""
        from contracts.archive import register_archive_section
        from servicedesk.core.navigation import NavItem, nav_register

        from . import printing_training  # noqa: F401 - plan, sign-in, feedback, report, certificate
        from .selectors_training import trainings_for_archive

        register_archive_section(
            "trainings",
            _("Training reports"),
            trainings_for_archive,
            order=46,
            permission="fieldservice.view_trainingsession",
            template="fieldservice/partials/archive_training.html",
            takes_user=True,
        )
        nav_register(
            NavItem(
                _("Trainings"),
                "fieldservice:trainings",
                "easel",
                "fieldservice.view_trainingsession",
                order=26,
            )
        )
