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
                "fieldservice:list",
                "truck",
                "fieldservice.view_dispatch",
                order=22,
            ),
            NavItem(
                _("Person-days"),
                "fieldservice:person-days",
                "table",
                "fieldservice.manage_dispatch",
                order=23,
            ),
        )

        from .ready_inspections import ready as inspections_ready

        inspections_ready()
