"""Portal URLs of field service (the API lives in ``fieldservice.api.urls``)."""

from django.urls import path

from .views import dispatches as views

app_name = "fieldservice"

urlpatterns = [
    path("dispatches/", views.dispatch_list, name="list"),
    path("dispatches/new/", views.dispatch_new, name="create"),
    path("dispatches/board/", views.board, name="board"),
    path("dispatches/board/assign/", views.board_assign, name="board-assign"),
    path("dispatches/mine/", views.my_dispatches, name="mine"),
    path("dispatches/person-days/", views.person_days, name="person-days"),
    path("dispatches/<int:pk>/", views.dispatch_detail, name="dispatch"),
    path("dispatches/<int:pk>/complete/", views.dispatch_complete_view, name="complete"),
    path("dispatches/<int:pk>/parts/", views.dispatch_part, name="part-add"),
    path(
        "dispatches/<int:pk>/parts/<int:part_pk>/approve/",
        views.part_approve_view,
        name="part-approve",
    ),
    path("dispatches/<int:pk>/<slug:name>/", views.dispatch_action, name="dispatch-action"),
    path("engineers/<int:pk>/", views.engineer_detail, name="engineer"),
]

# Routine inspections (docs/domain.md §inspection), in their own module.
from .urls_inspections import urlpatterns as _inspections  # noqa: E402

urlpatterns += _inspections
