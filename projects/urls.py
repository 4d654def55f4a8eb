"""Portal URLs of implementation projects (the API lives in ``projects.api.urls``)."""

from django.urls import path

from servicedesk.core.list_views import list_moved, list_page

from . import views

app_name = "projects"

urlpatterns = [
    # The old list page's address keeps working (its sort and "behind" spelled anew).
    path(
        "projects/",
        list_moved(
            "projects:all",
            {
                "sort": {
                    "-slip": "behind",
                    "slip": "-behind",
                    "created": "applied",
                    "-created": "-applied",
                },
                "behind": {"1": "true", "0": "false"},
            },
        ),
        name="list",
    ),
    path("projects/list/", list_page, {"code": "projects"}, name="all"),
    path("projects/mine/", views.my_projects, name="mine"),
    path("projects/today/", views.today_log, name="today"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/action/<slug:name>/", views.project_action, name="project-action"),
    path("projects/stages/<int:pk>/", views.child_detail("stage"), name="stage"),
    path(
        "projects/stages/<int:pk>/action/<slug:name>/",
        views.child_action("stage"),
        name="stage-action",
    ),
    path("projects/logs/<int:pk>/", views.child_detail("log"), name="log"),
    path(
        "projects/logs/<int:pk>/action/<slug:name>/", views.child_action("log"), name="log-action"
    ),
    path("projects/plans/<int:pk>/", views.child_detail("plan"), name="plan"),
    path(
        "projects/plans/<int:pk>/action/<slug:name>/",
        views.child_action("plan"),
        name="plan-action",
    ),
    path("projects/<int:pk>/handover/", views.handover, name="handover"),
    path(
        "projects/handover/<int:pk>/action/<slug:name>/",
        views.handover_action,
        name="handover-action",
    ),
    path(
        "projects/<int:pk>/credentials/<int:credential_pk>/reveal/",
        views.credential_reveal_view,
        name="credential-reveal",
    ),
]
