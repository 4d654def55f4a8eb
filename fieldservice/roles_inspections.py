"""Who does what with routine inspections (merged into field service's role table)."""

from servicedesk.core.choices import Role

_READ = [
    "fieldservice.view_inspectionschedule",
    "fieldservice.view_inspection",
    "fieldservice.view_inspectionitem",
]
_PLAN = [
    "fieldservice.manage_inspections",
    "fieldservice.add_inspectionschedule",
    "fieldservice.change_inspectionschedule",
]

INSPECTION_ROLE_PERMISSIONS = {
    Role.SERVICE_MANAGER: _READ + _PLAN,
    Role.TECH_MANAGER: _READ + _PLAN,
    Role.FIELD_ENGINEER: list(_READ),
    Role.DIRECTOR: list(_READ),
    Role.SALES_MANAGER: list(_READ),
    Role.HOTLINE_ENGINEER: list(_READ),
    Role.REGION_LEAD: list(_READ),
}

_INSTALL_READ = ["fieldservice.view_installation", "fieldservice.view_installationday"]
for _role, _perms in INSPECTION_ROLE_PERMISSIONS.items():
    _perms.extend(_INSTALL_READ)
for _role, _perms in INSPECTION_ROLE_PERMISSIONS.items():
    _perms.append("fieldservice.view_goodsinspection")
