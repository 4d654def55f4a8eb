"""Who does what on the hotline (merged into the role groups by core.roles)."""

from servicedesk.core.choices import Role

_READ = [
    "tickets.view_ticket",
    "tickets.view_ticketnote",
    "tickets.view_call",
    "tickets.view_dutyshift",
    "tickets.view_hotlineline",
    "tickets.view_knowledgearticle",
    "tickets.view_passworddisclosure",
]
_WORK = [
    "tickets.add_ticket",
    "tickets.work_ticket",
    "tickets.close_ticket",
    "tickets.add_ticketnote",
    "tickets.add_call",
    "tickets.change_call",
    "tickets.add_knowledgearticle",
    "tickets.change_knowledgearticle",
    "tickets.disclose_password",
    "tickets.change_dutyshift",
]
#: reviewers publish, send back and archive knowledge articles
_REVIEW = ["tickets.review_knowledgearticle"]
_KNOWLEDGE_WRITE = [
    "tickets.view_knowledgearticle",
    "tickets.add_knowledgearticle",
    "tickets.change_knowledgearticle",
]
_ROSTER = [
    "tickets.add_dutyshift",
    "tickets.delete_dutyshift",
    "tickets.add_hotlineline",
    "tickets.change_hotlineline",
]

ROLE_PERMISSIONS = {
    Role.DIRECTOR: [*_READ, "tickets.decide_scope", "tickets.decide_charge"],
    Role.SALES_MANAGER: [*_READ, "tickets.decide_charge"],
    Role.HOTLINE_ENGINEER: _READ + _WORK,
    Role.SERVICE_MANAGER: _READ + _WORK + _ROSTER + _REVIEW,
    Role.TECH_MANAGER: [*_READ, *_WORK, *_REVIEW, "tickets.decide_scope"],
    # An engineer writes up a solved visit as a draft article (docs/domain.md
    # §hotline.knowledge); reviewers publish it.
    Role.FIELD_ENGINEER: ["tickets.view_ticket", *_KNOWLEDGE_WRITE],
    Role.FIRST_VISIT_AGENT: [
        "tickets.view_ticket",
        "tickets.add_ticket",
        "tickets.work_ticket",
        "tickets.view_knowledgearticle",
    ],
    Role.REGION_LEAD: list(_READ),
    Role.TESTER: ["tickets.view_ticket", "tickets.view_knowledgearticle"],
    Role.DEVELOPER: ["tickets.view_ticket", "tickets.view_knowledgearticle"],
    Role.IMPLEMENTATION_MANAGER: ["tickets.view_ticket", "tickets.view_knowledgearticle"],
    Role.PROJECT_MANAGER: ["tickets.view_ticket", "tickets.view_knowledgearticle"],
    Role.CONSULTANT: ["tickets.view_ticket", "tickets.view_knowledgearticle"],
}
