"""Portal pages for first visits and revisits."""


urlpatterns: list = []
