from .views import customers, visits

app_name = "contracts"

urlpatterns = [
    *customers.urlpatterns,
    *visits.urlpatterns,
]
