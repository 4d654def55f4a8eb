from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts and customers")

    def ready(self) -> None:
        from servicedesk.core.navigation import NavItem, nav_register

        from . import printing  # noqa: F401 - first-visit record, contract service summary
        from .worksteps import register as register_waiting_steps

        register_waiting_steps()

        from servicedesk.core.services import event_subscribe

        from .subscribers import revisit_from_survey

        event_subscribe("survey.answered", revisit_from_survey)  # docs/domain.md §revisit.survey

        nav_register(
            NavItem(
                _("Customers"),
                "contracts:all-customers",
                "buildings",
                permission="contracts.view_customer",
                order=20,
            ),
            NavItem(
                _("Contracts"),
                "contracts:all-contracts",
                "file-earmark-text",
                permission="contracts.view_contract",
                order=21,
            ),
            NavItem(
                _("Renewals due"),
                "contracts:contract-renewals",
                "arrow-repeat",
                permission="contracts.renew_contract",
                order=22,
            ),
            NavItem(
                _("First visits"),
                "contracts:all-first-visits",
                "person-check",
                permission="contracts.view_firstvisit",
                order=30,
                for_field_work=False,
            ),
            NavItem(
                _("Revisits"),
                "contracts:all-revisits",
                "telephone-outbound",
                permission="contracts.perform_revisit",
                order=31,
            ),
        )

        from .search_sources import register as register_search

        register_search()  # docs/architecture.md §search
        from .lists import register as register_lists

        register_lists()  # docs/architecture.md §lists
