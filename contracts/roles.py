"""Which roles may do what with customers and contracts (merged by core.roles)."""

from servicedesk.core.choices import Role

_READ = [
    "contracts.view_customer",
    "contracts.view_contact",
    "contracts.view_installedproduct",
    "contracts.view_asset",
    "contracts.view_contract",
    "contracts.view_servicescopeitem",
    "contracts.view_serviceperiod",
    "contracts.view_chargerate",
    "contracts.view_contractdocument",
    "contracts.view_firstvisit",
    "contracts.view_firstvisitneed",
    "contracts.view_revisit",
    "contracts.view_revisitcycle",
    "contracts.view_serviceusage",
    "contracts.view_renewaldecision",
]
_CUSTOMER_WRITE = [
    "contracts.add_customer",
    "contracts.change_customer",
    "contracts.add_contact",
    "contracts.change_contact",
    "contracts.add_installedproduct",
    "contracts.change_installedproduct",
    "contracts.add_asset",
    "contracts.change_asset",
]
_CONTRACT_WRITE = [
    "contracts.add_contract",
    "contracts.change_contract",
    "contracts.add_servicescopeitem",
    "contracts.change_servicescopeitem",
    "contracts.delete_servicescopeitem",
    "contracts.add_serviceperiod",
    "contracts.change_serviceperiod",
    "contracts.add_chargerate",
    "contracts.change_chargerate",
    "contracts.delete_chargerate",
    "contracts.add_contractdocument",
    "contracts.sign_contract",
    "contracts.renew_contract",
    "contracts.terminate_contract",
    "contracts.view_full_copy",
]
_REVISITS = ["contracts.perform_revisit", "contracts.add_revisit", "contracts.change_revisit"]

ROLE_PERMISSIONS = {
    Role.DIRECTOR: _READ + _CUSTOMER_WRITE + _CONTRACT_WRITE + ["contracts.change_revisitcycle"],
    Role.SALES_MANAGER: _READ + _CUSTOMER_WRITE + _CONTRACT_WRITE,
    # Implementation and service file the technical documents of the customer archive
    # (docs/domain.md §customer.archive: design, installation and acceptance reports; the redacted
    # copy).
    Role.IMPLEMENTATION_MANAGER: [*_READ, "contracts.add_contractdocument"],
    Role.PROJECT_MANAGER: [*_READ, "contracts.add_contractdocument"],
    Role.CONSULTANT: _READ,
    Role.FIRST_VISIT_AGENT: _READ
    + _CUSTOMER_WRITE
    + _REVISITS
    + [
        "contracts.perform_first_visit",
        "contracts.change_firstvisit",
        "contracts.add_firstvisitneed",
        "contracts.change_firstvisitneed",
    ],
    Role.HOTLINE_ENGINEER: _READ + _REVISITS,
    Role.SERVICE_MANAGER: _READ
    + _CUSTOMER_WRITE
    + _REVISITS
    + ["contracts.change_revisitcycle", "contracts.add_contractdocument"],
    Role.FIELD_ENGINEER: _READ,
    Role.TECH_MANAGER: [*_READ, "contracts.add_contractdocument"],
    Role.REGION_LEAD: _READ,
    Role.TESTER: ["contracts.view_customer", "contracts.view_contract"],
    Role.DEVELOPER: ["contracts.view_customer", "contracts.view_contract"],
    # The auditor reads all but the full copy: its prices are for director and sales
    # (docs/architecture.md §access-and-sessions).
    Role.AUDITOR: ["-contracts.view_full_copy"],
}
