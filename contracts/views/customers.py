"""Portal pages for customers and contracts (the customer archive, contract pages)."""


urlpatterns: list = []
