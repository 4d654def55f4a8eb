"""Portal URLs of implementation projects (the API lives in ``projects.api.urls``)."""

from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("projects/", views.project_list, name="list"),
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
