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

# Spare-parts stock (docs/domain.md §stock).
from .views import stock as stock_views  # noqa: E402

urlpatterns += [
    path("stock/", stock_views.stock, name="stock"),
    path("stock/parts/<int:pk>/", stock_views.part_detail, name="stock-part"),
    path("stock/move/", stock_views.stock_move, name="stock-move"),
    path("stock/move/<slug:op>/", stock_views.stock_move, name="stock-move-op"),
    path("stock/outstanding/", stock_views.outstanding, name="stock-outstanding"),
    path("stock/loans/new/", stock_views.loan_new, name="loan-new"),
    path("stock/loans/<int:pk>/", stock_views.loan_detail, name="loan"),
    path("stock/loans/<int:pk>/<slug:name>/", stock_views.loan_action, name="loan-action"),
    path("stock/repairs/new/", stock_views.repair_new, name="repair-new"),
    path("stock/repairs/<int:pk>/", stock_views.repair_detail, name="repair"),
    path("stock/repairs/<int:pk>/<slug:name>/", stock_views.repair_action, name="repair-action"),
]

# Customer training (docs/domain.md §training).
from .views import training as training_views  # noqa: E402

urlpatterns += [
    path("trainings/", training_views.training_list, name="trainings"),
    path("trainings/new/", training_views.training_new, name="training-new"),
    path("trainings/<int:pk>/", training_views.training_detail, name="training"),
    path("trainings/<int:pk>/sign-in/", training_views.training_sign_in, name="training-sign-in"),
    path("trainings/<int:pk>/<slug:name>/", training_views.training_action, name="training-action"),
]
