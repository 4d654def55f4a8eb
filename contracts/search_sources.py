"""What contracts contributes to the global search: customers (names, short names,
phones), contacts (phones), dongle and serial numbers, contracts (docs/architecture.md
§search)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.search import SearchSource, search_register

from .models import Asset, Contact, Contract, Customer, InstalledProduct


def register() -> None:
    search_register(
        SearchSource(
            key="customer",
            label=_("Customer"),
            icon="buildings",
            queryset=lambda user: Customer.objects.restrict(user),
            numbers=("phone",),
            texts=("name", "short_name"),
            title=lambda c: c.name,
            subtitle=lambda c: " · ".join(x for x in (c.short_name, c.region, c.phone) if x),
            order=5,
        ),
        SearchSource(
            key="contract",
            label=_("Contract"),
            icon="file-earmark-text",
            queryset=lambda user: Contract.objects.restrict(user).select_related("customer"),
            numbers=("number",),
            texts=("title",),
            title=lambda k: f"{k.number} {k.customer}",
            subtitle=lambda k: f"{k.get_state_display()} · {k.title}",
            date_field="created_at",
            order=50,
        ),
        SearchSource(
            key="contact",
            label=_("Contact"),
            icon="person-lines-fill",
            queryset=lambda user: Contact.objects.restrict(user).select_related("customer"),
            numbers=("phone", "mobile"),
            title=lambda c: f"{c.name} · {c.customer}",
            subtitle=lambda c: " ".join(x for x in (c.mobile, c.phone) if x),
            url=lambda c: c.customer.get_absolute_url(),
            order=60,
        ),
        SearchSource(
            key="dongle",
            label=_("Dongle / licence number"),
            icon="usb-drive",
            queryset=lambda user: InstalledProduct.objects.restrict(user).select_related(
                "customer"
            ),
            numbers=("licence_number",),
            title=lambda p: f"{p.licence_number} · {p.customer}",
            subtitle=lambda p: str(p),
            url=lambda p: p.customer.get_absolute_url(),
            order=61,
        ),
        SearchSource(
            key="asset",
            label=_("Serial number"),
            icon="upc-scan",
            queryset=lambda user: Asset.objects.restrict(user).select_related("customer"),
            numbers=("serial_number",),
            title=lambda a: f"{a.serial_number} · {a.customer}",
            subtitle=lambda a: a.model,
            url=lambda a: a.customer.get_absolute_url(),
            order=62,
        ),
    )
