"""Portal URLs of routine inspections (docs/domain.md §inspection)."""

from django.urls import path

from .views import inspections as views

urlpatterns = [
    path("inspections/calendar/", views.inspection_calendar, name="inspection-calendar"),
    path("inspections/schedules/", views.schedule_list, name="inspection-schedules"),
    path("inspections/schedules/new/", views.schedule_edit, name="inspection-schedule-new"),
    path("inspections/schedules/<int:pk>/", views.schedule_detail, name="inspection-schedule"),
    path(
        "inspections/schedules/<int:pk>/send/",
        views.schedule_send,
        name="inspection-schedule-send",
    ),
    path(
        "inspections/schedules/<int:pk>/edit/",
        views.schedule_edit,
        name="inspection-schedule-edit",
    ),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path(
        "inspections/<int:pk>/items/<int:item_pk>/",
        views.inspection_item,
        name="inspection-item",
    ),
    path(
        "inspections/<int:pk>/items/<int:item_pk>/raise/",
        views.inspection_item_raise_view,
        name="inspection-item-raise",
    ),
    path("inspections/<int:pk>/<slug:name>/", views.inspection_action, name="inspection-action"),
]

# Installations (docs/domain.md §installation).
from .views import installations as install_views  # noqa: E402

urlpatterns += [
    path(
        "installations/start/<int:pk>/",
        install_views.installation_start_view,
        name="installation-start",
    ),
    path("installations/<int:pk>/", install_views.installation_detail, name="installation"),
    path(
        "installations/<int:pk>/assets/",
        install_views.installation_asset,
        name="installation-asset",
    ),
    path("installations/<int:pk>/days/", install_views.installation_day, name="installation-day"),
    path(
        "installations/<int:pk>/<slug:name>/",
        install_views.installation_action,
        name="installation-action",
    ),
]

# Goods inspection (docs/domain.md §goods-inspection).
from .views import goods as goods_views  # noqa: E402

urlpatterns += [
    path(
        "goods-inspections/dispatch/<int:pk>/",
        goods_views.goods_inspection,
        name="goods-inspection",
    ),
]
