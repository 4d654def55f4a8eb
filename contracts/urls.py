from django.urls import path

from servicedesk.core.list_views import list_page

from .views import customers, visits

app_name = "contracts"

urlpatterns = [
    *customers.urlpatterns,
    *visits.urlpatterns,
    # Declared lists served by core (docs/architecture.md §lists).
    path("customers/list/", list_page, {"code": "customers"}, name="all-customers"),
    path("contracts/list/", list_page, {"code": "contracts"}, name="all-contracts"),
    path("revisits/list/", list_page, {"code": "revisits"}, name="all-revisits"),
    path("first-visits/list/", list_page, {"code": "first-visits"}, name="all-first-visits"),
]
