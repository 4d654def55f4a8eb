"""Who does what in field service (merged into the role groups by core.roles)."""

from servicedesk.core.choices import Role

_READ = [
    "fieldservice.view_dispatch",
    "fieldservice.view_engineer",
    "fieldservice.view_partner",
    "fieldservice.view_engineerleave",
    "fieldservice.view_sparepartusage",
    "fieldservice.view_saleslead",
    "fieldservice.view_dispatchreschedule",
]
_ALL = [*_READ, "fieldservice.view_all_dispatches"]
_MANAGE = [
    "fieldservice.add_dispatch",
    "fieldservice.change_dispatch",
    "fieldservice.manage_dispatch",
    "fieldservice.write_off_dispatch",
    "fieldservice.work_dispatch",
    "fieldservice.add_engineer",
    "fieldservice.change_engineer",
    "fieldservice.add_partner",
    "fieldservice.change_partner",
    "fieldservice.add_engineerleave",
    "fieldservice.change_engineerleave",
    "fieldservice.delete_engineerleave",
    "fieldservice.add_sparepartusage",
]

ROLE_PERMISSIONS = {
    Role.SERVICE_MANAGER: _ALL + _MANAGE,
    Role.FIELD_ENGINEER: [
        *_READ,
        "fieldservice.work_dispatch",
        "fieldservice.add_sparepartusage",
        "fieldservice.add_saleslead",
    ],
    # The technical manager approves spare parts (docs/domain.md §dispatch.parts) and may stand in.
    Role.TECH_MANAGER: [*_ALL, "fieldservice.change_sparepartusage", *_MANAGE],
    Role.DIRECTOR: list(_ALL),
    Role.SALES_MANAGER: list(_ALL),
    Role.HOTLINE_ENGINEER: list(_ALL),
    Role.REGION_LEAD: list(_ALL),
    Role.TESTER: list(_ALL),
    Role.DEVELOPER: list(_ALL),
    Role.IMPLEMENTATION_MANAGER: list(_ALL),
    Role.PROJECT_MANAGER: list(_ALL),
    Role.FIRST_VISIT_AGENT: list(_ALL),
    Role.CONSULTANT: list(_ALL),
}

# Routine inspections (docs/domain.md §inspection), in their own module.
from .roles_inspections import INSPECTION_ROLE_PERMISSIONS  # noqa: E402

for _role, _perms in INSPECTION_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS.get(_role, []), *_perms]
