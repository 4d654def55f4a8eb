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
# Spare-parts stock (docs/domain.md §stock): everyone who sees field service sees the stock;
# engineers move parts, request loans and tag faulty parts; the service manager keeps the
# store and the repairs; the technical manager also approves loans and sells them.
_STOCK_READ = [
    "fieldservice.view_part",
    "fieldservice.view_warehouse",
    "fieldservice.view_stocklevel",
    "fieldservice.view_stockmovement",
    "fieldservice.view_partloan",
    "fieldservice.view_faultypart",
]
_STOCK_ENGINEER = [
    *_STOCK_READ,
    "fieldservice.move_stock",
    "fieldservice.add_partloan",
    "fieldservice.add_faultypart",
]
_STOCK_KEEPER = [
    *_STOCK_ENGINEER,
    "fieldservice.manage_stock",
    "fieldservice.repair_part",
    "fieldservice.add_part",
    "fieldservice.change_part",
    "fieldservice.add_warehouse",
    "fieldservice.change_warehouse",
]
for _role, _perms in ROLE_PERMISSIONS.items():
    if _role == Role.FIELD_ENGINEER:
        _perms.extend(_STOCK_ENGINEER)
    elif _role == Role.SERVICE_MANAGER:
        _perms.extend(_STOCK_KEEPER)
    elif _role == Role.TECH_MANAGER:
        _perms.extend([*_STOCK_KEEPER, "fieldservice.approve_loan"])
    else:
        _perms.extend(_STOCK_READ)

# Customer training (docs/domain.md §training): the managers plan trainings and file their
# reports; the trainer (an engineer) runs the session.
_TRAINING_READ = [
    "fieldservice.view_trainingsession",
    "fieldservice.view_trainingattendee",
    "fieldservice.view_trainingfeedback",
]
for _role, _perms in ROLE_PERMISSIONS.items():
    _perms.extend(_TRAINING_READ)
    if _role in (Role.SERVICE_MANAGER, Role.TECH_MANAGER):
        _perms.extend(["fieldservice.plan_training", "fieldservice.add_trainingsession"])
# Routine inspections (docs/domain.md §inspection), in their own module.
from .roles_inspections import INSPECTION_ROLE_PERMISSIONS  # noqa: E402

for _role, _perms in INSPECTION_ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS.get(_role, []), *_perms]
