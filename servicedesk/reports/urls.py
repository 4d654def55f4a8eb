"""Portal URLs of the reports app."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/weekly/", views.weekly_list, name="weekly-list"),
    path("reports/weekly/new/", views.weekly_new, name="weekly-new"),
    path("reports/weekly/<int:pk>/", views.weekly_detail, name="weekly"),
    path("reports/weekly/<int:pk>/edit/", views.weekly_edit, name="weekly-edit"),
    path("reports/weekly/<int:pk>/refresh/", views.weekly_refresh, name="weekly-refresh"),
    path("reports/weekly/<int:pk>/action/<slug:name>/", views.weekly_action, name="weekly-action"),
    path("reports/weekly/<int:pk>/export.xlsx", views.weekly_xlsx, name="weekly-xlsx"),
    path("reports/meeting/", views.meeting, name="meeting"),
    path("reports/meeting/record.pdf", views.meeting, {"kind": "pdf"}, name="meeting-pdf"),
    path("reports/meeting/record.xlsx", views.meeting, {"kind": "xlsx"}, name="meeting-xlsx"),
    path("reports/monthly/", views.monthly, name="monthly"),
    path("reports/monthly/summary.pdf", views.monthly, {"kind": "pdf"}, name="monthly-pdf"),
    path("reports/monthly/summary.xlsx", views.monthly, {"kind": "xlsx"}, name="monthly-xlsx"),
    path("reports/trips/", views.trip_list, name="trip-list"),
    path("reports/trips/<int:pk>/", views.trip_detail, name="trip"),
    path("reports/trips/<int:pk>/edit/", views.trip_edit, name="trip-edit"),
    path("reports/trips/<int:pk>/action/<slug:name>/", views.trip_action, name="trip-action"),
    path("reports/trips/<int:pk>/export.xlsx", views.trip_xlsx, name="trip-xlsx"),
    path("reports/briefings/", views.briefing_list, name="briefing-list"),
    path("reports/briefings/new/", views.briefing_new, name="briefing-new"),
    path("reports/briefings/<int:pk>/", views.briefing_detail, name="briefing"),
    path("reports/briefings/<int:pk>/edit/", views.briefing_edit, name="briefing-edit"),
    path(
        "reports/briefings/<int:pk>/action/<slug:name>/",
        views.briefing_action,
        name="briefing-action",
    ),
    path("reports/briefings/<int:pk>/export.xlsx", views.briefing_xlsx, name="briefing-xlsx"),
]
