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

# Upgrades, restores and partner records (issue 15, docs/domain.md §upgrade, §restore, §partners).
_UPGRADE_READ = [
    "fieldservice.view_upgrade",
    "fieldservice.view_upgradeproblem",
    "fieldservice.view_upgradenotice",
]
_OFFICE_READ = [
    "fieldservice.view_restorerequest",
    "fieldservice.view_backuppolicy",
    "fieldservice.view_partnerterms",
    "fieldservice.view_certificationexam",
    "fieldservice.view_engineerevaluation",
    "fieldservice.view_engineerhandover",
    "fieldservice.view_partnerpenalty",
    "fieldservice.view_partnertraining",
    "fieldservice.view_trainingfeerate",
]
_OFFICE_MANAGE = [
    "fieldservice.add_upgrade",
    "fieldservice.add_restorerequest",
    "fieldservice.add_backuppolicy",
    "fieldservice.change_backuppolicy",
    "fieldservice.add_partnerterms",
    "fieldservice.add_certificationexam",
    "fieldservice.add_engineerevaluation",
    "fieldservice.add_engineerhandover",
    "fieldservice.add_partnerpenalty",
    "fieldservice.add_partnertraining",
    "fieldservice.add_trainingfeerate",
    "fieldservice.change_trainingfeerate",
]
for _role, _perms in ROLE_PERMISSIONS.items():
    if "fieldservice.view_all_dispatches" in _perms:
        _perms.extend(_UPGRADE_READ + _OFFICE_READ)
ROLE_PERMISSIONS[Role.FIELD_ENGINEER].extend(_UPGRADE_READ)
ROLE_PERMISSIONS[Role.SERVICE_MANAGER].extend(_OFFICE_MANAGE)
ROLE_PERMISSIONS[Role.TECH_MANAGER].extend(_OFFICE_MANAGE)
_SUPPORT = [
    "fieldservice.view_supportplan",
    "fieldservice.view_supportplanitem",
    "fieldservice.view_customerquestion",
]
for _role, _perms in ROLE_PERMISSIONS.items():
    if "fieldservice.view_all_dispatches" in _perms:
        _perms.extend(_SUPPORT)
ROLE_PERMISSIONS[Role.FIELD_ENGINEER].extend([*_SUPPORT, "fieldservice.change_supportplan"])
for _role in (Role.SERVICE_MANAGER, Role.TECH_MANAGER):
    ROLE_PERMISSIONS[_role].extend(
        ["fieldservice.add_supportplan", "fieldservice.change_supportplan"]
    )
