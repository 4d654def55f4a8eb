"""Who does what with defects and requirement requests (merged into the role groups)."""

from servicedesk.core.choices import Role

_READ = [
    "defects.view_defect",
    "defects.view_requirement",
    "defects.view_evaluationreport",
    # Following is a (small) change: every role that works with defects, not the auditor.
    "defects.follow_defect",
]
_RECORD = ["defects.add_defect", "defects.add_requirement", "defects.work_defect"]

ROLE_PERMISSIONS = {
    Role.DIRECTOR: [
        *_READ,
        "defects.confirm_solution",
        "defects.negotiate_requirement",
        "defects.evaluate_requirement",
        "defects.add_evaluationreport",
        "defects.change_requirement",
    ],
    Role.SALES_MANAGER: [
        *_READ,
        "defects.negotiate_requirement",
        "defects.confirm_solution",
        "defects.work_requirement",
        "defects.add_requirement",
        "defects.change_requirement",
    ],
    Role.IMPLEMENTATION_MANAGER: [
        *_READ,
        *_RECORD,
        "defects.evaluate_requirement",
        "defects.work_requirement",
        "defects.add_evaluationreport",
        "defects.change_requirement",
    ],
    Role.PROJECT_MANAGER: [*_READ, *_RECORD, "defects.work_requirement"],
    Role.CONSULTANT: [*_READ, *_RECORD, "defects.work_requirement"],
    Role.FIRST_VISIT_AGENT: [*_READ, "defects.add_requirement"],
    Role.HOTLINE_ENGINEER: [*_READ, *_RECORD, "defects.work_requirement"],
    Role.SERVICE_MANAGER: [
        *_READ,
        *_RECORD,
        "defects.change_severity",
        "defects.work_requirement",
        "defects.change_defect",
    ],
    Role.FIELD_ENGINEER: [*_READ, *_RECORD, "defects.work_requirement"],
    Role.TECH_MANAGER: [
        *_READ,
        *_RECORD,
        "defects.verify_defect",
        "defects.fix_defect",
        "defects.reject_defect",
        "defects.change_severity",
        "defects.change_defect",
        "defects.evaluate_requirement",
        "defects.develop_requirement",
        "defects.add_evaluationreport",
        "defects.change_requirement",
    ],
    Role.REGION_LEAD: [*_READ, *_RECORD, "defects.reject_defect", "defects.change_severity"],
    Role.TESTER: [
        *_READ,
        *_RECORD,
        "defects.verify_defect",
        "defects.reject_defect",
        "defects.change_severity",
    ],
    Role.DEVELOPER: [
        *_READ,
        "defects.work_defect",
        "defects.fix_defect",
        "defects.reject_defect",
        "defects.evaluate_requirement",
        "defects.develop_requirement",
        "defects.change_requirement",
    ],
}
