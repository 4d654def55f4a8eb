"""The customer picker: a search box instead of a <select> of every customer."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Customer
from contracts.widgets import CustomerPicker

pytestmark = pytest.mark.django_db

PICK_URL = "/customers/pick/"


class PickForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), widget=CustomerPicker())


def _customers(n: int) -> list[Customer]:
    return Customer.objects.bulk_create(
        [Customer(name=f"苏州精工机械{i:03d}有限公司", short_name=f"精工{i}") for i in range(n)]
    )


def test_matches_come_first_ten_in_constant_queries(client, make_user):
    _customers(30)
    Customer.objects.create(name="杭州绿源食品有限公司")
    client.force_login(make_user("service_manager"))
    with CaptureQueriesContext(connection) as few:
        small = client.get(PICK_URL, {"field": "customer", "customer-search": "绿源"})
    assert small.status_code == 200
    assert small.content.decode().count("data-pick-id") == 1
    with CaptureQueriesContext(connection) as many:
        large = client.get(PICK_URL, {"field": "customer", "customer-search": "精工"})
    assert large.content.decode().count("data-pick-id") == 10
    assert len(many) == len(few)


def test_nothing_typed_or_no_match(client, make_user):
    _customers(3)
    client.force_login(make_user("service_manager"))
    assert "data-pick-id" not in client.get(PICK_URL, {"customer-search": ""}).content.decode()
    body = client.get(PICK_URL, {"field": "customer", "customer-search": "不存在"}).content.decode()
    assert "No customer matches" in body and "data-pick-id" not in body


def test_needs_the_permission_to_see_customers(client, make_user):
    _customers(1)
    client.force_login(make_user())
    assert client.get(PICK_URL, {"customer-search": "精工"}).status_code == 403


def test_widget_keeps_the_pick_and_the_field_validates_the_id():
    (customer,) = _customers(1)
    form = PickForm(data={"customer": str(customer.pk), "customer-search": customer.name})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["customer"] == customer
    html = str(form["customer"])
    assert f'value="{customer.pk}"' in html and customer.name in html
    assert "<option" not in html
    bad = PickForm(data={"customer": "999999"})
    assert not bad.is_valid() and "customer" in bad.errors
