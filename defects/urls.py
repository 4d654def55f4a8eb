"""Portal URLs of defects and requirement requests (the API lives in ``defects.api.urls``)."""

from django.urls import path

from servicedesk.core.list_views import list_moved, list_page

from .views import defects, requirements

app_name = "defects"

urlpatterns = [
    path("defects/", defects.board, name="board"),
    path("defects/board/live/", defects.board_live, name="board-live"),
    path("defects/new/", defects.defect_create, name="defect-create"),
    # The old list page's address keeps working (its ``overdue=1`` is the list's ``true``).
    path(
        "defects/all/",
        list_moved(
            "defects:all",
            {"overdue": {"1": "true", "on": "true"}},
            translate=defects.old_list_query,
        ),
        name="list",
    ),
    path("defects/<int:pk>/", defects.defect_detail, name="defect"),
    path("defects/<int:pk>/<slug:name>/", defects.defect_action, name="defect-action"),
    path("requirements/", requirements.pipeline, name="requirements"),
    path("requirements/new/", requirements.requirement_create, name="requirement-create"),
    path("requirements/reports/", requirements.reports, name="reports"),
    path("requirements/reports/<int:pk>/", requirements.report_detail, name="report"),
    path("requirements/<int:pk>/", requirements.requirement_detail, name="requirement"),
    path(
        "requirements/<int:pk>/<slug:name>/",
        requirements.requirement_action,
        name="requirement-action",
    ),
    # Declared lists served by core (docs/architecture.md §lists).
    path("defects/list/", list_page, {"code": "defects"}, name="all"),
    path("requirements/list/", list_page, {"code": "requirements"}, name="all-requirements"),
]
