from django.urls import path

from . import list_views, search_views, views, views_channels, views_dashboard, views_links

app_name = "core"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("charts/", views_dashboard.charts, name="charts"),
    path("charts/<slug:key>.xlsx", views_dashboard.chart_export, name="chart-export"),
    path("notifications/", views.notification_list, name="notifications"),
    path("deadlines/", views.timer_list, name="timers"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/tray/", views.notification_tray, name="notification-tray"),
    path("notifications/count/", views.notification_count, name="notification-count"),
    path("print/<int:ct_id>/<int:pk>/<slug:code>.pdf", views.form_pdf, name="form-pdf"),
    path("sign/<int:ct_id>/<int:pk>/<slug:code>/", views.form_sign, name="form-sign"),
    path("verify/<uuid:token>/", views.verify, name="verify"),
    path("calendars/", views.calendars, name="calendars"),
    path("calendars/<int:pk>/", views.calendar_month, name="calendar"),
    path("calendars/import/", views.calendar_import, name="calendar-import"),
    # One-time customer links (issue 17, docs/architecture.md §links).
    path("links/new/<int:ct_id>/<int:pk>/<slug:code>/", views_links.link_new, name="link-new"),
    path("links/<int:pk>/", views_links.link_detail, name="link-detail"),
    path("links/<int:pk>/email/", views_links.link_send_email, name="link-email"),
    path("links/<int:pk>/withdraw/", views_links.link_withdraw, name="link-withdraw"),
    path("l/<str:token>/", views_links.link_public, name="link"),
    path("l/<str:token>/document.pdf", views_links.link_pdf, name="link-pdf"),
    path("notifications/channels/", views_channels.my_channels, name="my-channels"),
    path(
        "notifications/channels/<int:pk>/test/",
        views_channels.my_channel_test,
        name="my-channel-test",
    ),
    path(
        "notifications/channels/<int:pk>/delete/",
        views_channels.my_channel_delete,
        name="my-channel-delete",
    ),
    path("search/", search_views.search_page, name="search"),
    path("lists/<slug:code>/", list_views.list_page, name="list"),
    path("lists/<slug:code>/export.xlsx", list_views.list_export, name="list-export"),
    path("lists/<slug:code>/saved/", list_views.saved_filter_create, name="list-save"),
    path("lists/<slug:code>/bulk/", list_views.list_bulk, name="list-bulk"),
    path("lists/saved/<int:pk>/delete/", list_views.saved_filter_delete, name="list-saved-delete"),
]
