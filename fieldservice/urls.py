"""Portal URLs of field service (the API lives in ``fieldservice.api.urls``)."""

from django.urls import path

from servicedesk.core.list_views import list_moved, list_page

from .views import dispatches as views
from .views import leave as leave_views

app_name = "fieldservice"

urlpatterns = [
    # The old list page's address keeps working: its default (no ``state``) was the
    # unfinished dispatches, the declared list's ``open``.
    path(
        "dispatches/", list_moved("fieldservice:all", translate=views.old_list_query), name="list"
    ),
    path("dispatches/new/", views.dispatch_new, name="create"),
    path("dispatches/board/", views.board, name="board"),
    path("dispatches/board/live/", views.board_live, name="board-live"),
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
    path("engineers/leave/", leave_views.leave_month, name="leave-month"),
    path("engineers/leave/new/", leave_views.leave_new, name="leave-create"),
    path("engineers/leave/<int:pk>/", leave_views.leave_edit, name="leave-edit"),
    path("engineers/leave/<int:pk>/cancel/", leave_views.leave_cancel, name="leave-cancel"),
    # Declared lists served by core (docs/architecture.md §lists).
    path("dispatches/list/", list_page, {"code": "dispatches"}, name="all"),
]

# Upgrades, restores, partners and their statements (issue 15): views/upgrades.py, views/partners.py
from .views import partners as partner_views  # noqa: E402
from .views import upgrades as upgrade_views  # noqa: E402

urlpatterns += [
    path("upgrades/", upgrade_views.upgrade_list, name="upgrades"),
    path("upgrades/new/", upgrade_views.upgrade_new, name="upgrade-create"),
    path("upgrades/<int:pk>/", upgrade_views.upgrade_detail, name="upgrade"),
    path("upgrades/<int:pk>/<slug:name>/", upgrade_views.upgrade_action, name="upgrade-action"),
    path("restores/", upgrade_views.restore_list, name="restores"),
    path("restores/new/", upgrade_views.restore_new, name="restore-create"),
    path("restores/backup-policy/", upgrade_views.backup_policy_new, name="backup-policy-create"),
    path("restores/<int:pk>/", upgrade_views.restore_detail, name="restore"),
    path("restores/<int:pk>/<slug:name>/", upgrade_views.restore_action, name="restore-action"),
    path("partners/", partner_views.partner_list, name="partners"),
    path("partners/statements/", partner_views.statements, name="statements"),
    path("partners/statements.xlsx", partner_views.statements_excel, name="statements-xlsx"),
    path("partners/<int:pk>/", partner_views.partner_detail, name="partner"),
    path(
        "partners/<int:pk>/record/<slug:kind>/", partner_views.partner_record, name="partner-record"
    ),
    path("partners/<int:pk>/statement.pdf", partner_views.statement_pdf_view, name="statement-pdf"),
]

from .views import support as support_views  # noqa: E402

urlpatterns += [
    path("support-plans/", support_views.plan_list, name="support-plans"),
    path("support-plans/new/", support_views.plan_new, name="support-plan-create"),
    path("support-plans/<int:pk>/", support_views.plan_detail, name="support-plan"),
    path(
        "support-plans/<int:pk>/record/<slug:kind>/",
        support_views.plan_record,
        name="support-plan-record",
    ),
    path(
        "support-plans/<int:pk>/record/<slug:kind>/<int:child>/",
        support_views.plan_record,
        name="support-plan-record-child",
    ),
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

# Routine inspections (docs/domain.md §inspection), in their own module.
from .urls_inspections import urlpatterns as _inspections  # noqa: E402

urlpatterns += _inspections
