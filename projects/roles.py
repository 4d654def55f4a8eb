"""Who does what in implementation projects (merged into the role groups by core.roles;
docs/domain.md §roles)."""

from servicedesk.core.choices import Role

_READ = [
    "projects.view_project",
    "projects.view_planrevision",
    "projects.view_stage",
    "projects.view_dailylog",
    "projects.view_projectdocument",
    "projects.view_acceptanceevaluation",
    "projects.view_incident",
    "projects.view_dataimporttask",
    "projects.view_handoverbook",
    "projects.view_handoverversion",
    "projects.view_surveyissue",
    "projects.view_importtemplatehandover",
]
_MEMBER = [
    *_READ,
    "projects.work_project",
    "projects.add_projectdocument",
    "projects.add_incident",
    "projects.add_dataimporttask",
    "projects.add_handoverversion",
    "projects.reveal_credential",
    "projects.add_importtemplatehandover",
]

ROLE_PERMISSIONS = {
    Role.IMPLEMENTATION_MANAGER: [
        *_MEMBER,
        "projects.manage_project",
        "projects.run_project",
        "projects.view_all_projects",
        "projects.add_project",
    ],
    Role.PROJECT_MANAGER: [*_MEMBER, "projects.run_project"],
    Role.CONSULTANT: list(_MEMBER),
    # Management and sales follow every project; they change none.
    Role.DIRECTOR: [*_READ, "projects.view_all_projects", "projects.decide_surveyissue"],
    Role.SALES_MANAGER: [*_READ, "projects.view_all_projects"],
}
