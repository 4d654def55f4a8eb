"""Portal URLs of the hotline (the API lives in ``tickets.api.urls``)."""

from django.urls import path

from servicedesk.core.list_views import list_page

from .views import intake, knowledge, roster, tickets

app_name = "tickets"

urlpatterns = [
    path("tickets/", tickets.queue, name="queue"),
    path("tickets/board/", tickets.board, name="board"),
    path("tickets/board/live/", tickets.board_live, name="board-live"),
    path("tickets/new/", intake.intake, name="intake"),
    path("tickets/new/lookup/", intake.lookup, name="lookup"),
    path("tickets/new/customer/", intake.intake_customer, name="intake-customer"),
    path("tickets/new/entitlement/", intake.intake_entitlement, name="intake-entitlement"),
    path("tickets/new/suggest/", intake.suggest, name="suggest"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/<slug:name>/", tickets.ticket_action, name="ticket-action"),
    path("roster/", roster.roster, name="roster"),
    path("roster/shifts/add/", roster.shift_add, name="shift-add"),
    path("roster/shifts/<int:pk>/", roster.shift_detail, name="shift"),
    path("roster/shifts/<int:pk>/delete/", roster.shift_delete, name="shift-delete"),
    path("roster/shifts/<int:pk>/acknowledge/", roster.shift_acknowledge, name="shift-acknowledge"),
    path("roster/shifts/<int:pk>/check-in/", roster.shift_check_in_view, name="shift-check-in"),
    path("knowledge/", list_page, {"code": "knowledge"}, name="knowledge"),
    path("knowledge/new/", knowledge.article_create, name="article-create"),
    path("knowledge/<int:pk>/", knowledge.article, name="article"),
    path("knowledge/<int:pk>/edit/", knowledge.article_edit, name="article-edit"),
    path("knowledge/<int:pk>/rate/", knowledge.article_rate, name="article-rate"),
    path("knowledge/<int:pk>/<slug:name>/", knowledge.article_action, name="article-action"),
    path("calls/stats/", tickets.call_statistics, name="call-stats"),
    # Declared lists served by core (docs/architecture.md §lists).
    path("tickets/all/", list_page, {"code": "tickets"}, name="all"),
]
