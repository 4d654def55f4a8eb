"""Form widgets other apps' forms use to pick contracts' records.

``CustomerPicker`` replaces a ``<select>`` of every customer (10,000 options for a real
company) with a search box: typing asks the server for the first matches (htmx), picking
one fills a hidden input with its id. A ``ModelChoiceField`` keeps validating the id.
"""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Customer


class CustomerPicker(forms.Widget):
    template_name = "contracts/widgets/customer_picker.html"

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        picked = None
        if value not in (None, ""):
            picked = Customer.objects.filter(pk=value).only("name", "short_name").first()
        context["widget"]["picked"] = picked
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)
