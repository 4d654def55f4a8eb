"""Reads of the contracts app, shaped and restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from servicedesk.core.dates import add_days, add_years

from .choices import ContractState, DocumentKind
from .models import (
    ChargeRate,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    InstalledProduct,
    ServicePeriod,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User


def customers_list(*, user: User, search: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.restrict(user).select_related("sales_manager")
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(short_name__icontains=search)
            | Q(phone__contains=search)
            | Q(contacts__phone__contains=search)
            | Q(contacts__mobile__contains=search)
            | Q(products__licence_number__iexact=search)
        ).distinct()
    return qs


def contracts_list(*, user: User) -> QuerySet[Contract]:
    return (
        Contract.objects.restrict(user)
        .select_related("customer", "sales_manager")
        .prefetch_related(
            Prefetch("periods", queryset=ServicePeriod.objects.order_by("starts_on")),
            "scope_items",
        )
    )


def contract_detail(*, user: User, pk: int) -> Contract:
    return (
        contracts_list(user=user)
        .prefetch_related("charge_rates", "documents__uploaded_by")
        .get(pk=pk)
    )


def documents_visible(*, user: User, contract: Contract) -> list[ContractDocument]:
    """The contract's copies and technical documents the user may see: the full copy only
    for those who may see prices (director, sales)."""
    docs = list(contract.documents.all())
    if user.has_perm("contracts.view_full_copy"):
        return docs
    return [d for d in docs if d.kind != DocumentKind.FULL]


def document_may_download(*, user: User, document: ContractDocument) -> bool:
    if not user.has_perm("contracts.view_contractdocument"):
        return False
    if document.kind == DocumentKind.FULL:
        return user.has_perm("contracts.view_full_copy")
    return True


def renewal_suggestion(*, last_day: dt.date | None, today: dt.date) -> dict[str, dt.date]:
    """The paid year a renewal form suggests: from the day after the last period (or
    today) for one year. Nothing to suggest when stored dates leave no room for it."""
    starts = add_days(last_day, 1) if last_day else today
    next_year = add_years(starts, 1) if starts else None
    ends = add_days(next_year, -1) if next_year else None
    return {"starts_on": starts, "ends_on": ends} if starts and ends else {}


def contacts_authorised_for_passwords(*, customer: Customer) -> QuerySet[Contact]:
    return customer.contacts.filter(may_receive_passwords=True)


def renewals_due(*, user: User, today: dt.date | None = None, days: int = 30) -> QuerySet[Contract]:
    """The sales manager's renewal worklist: in service and ending within ``days``."""
    today = today or timezone.localdate()
    return (
        Contract.objects.restrict(user)
        .filter(state__in=[ContractState.IN_SERVICE, ContractState.EXPIRED])
        .filter(Q(sales_manager=user) | Q(customer__sales_manager=user))
        .annotate(last_day=Max("periods__ends_on"))
        .filter(last_day__lte=today + dt.timedelta(days=days))
        .select_related("customer")
        .order_by("last_day")
    )


def products_for(customer: Customer) -> QuerySet[InstalledProduct]:
    return customer.products.select_related("contract")


def sole_installed_product(customer: Customer | None) -> InstalledProduct | None:
    """The customer's installed product when there is exactly one: what a request is
    about unless the caller says otherwise (the API's default for ``product``)."""
    if customer is None:
        return None
    products = list(customer.products.all()[:2])
    return products[0] if len(products) == 1 else None


# -- asked by other apps (docs/architecture.md §apps.calls: each app reads its own data) --


def installed_product_like(customer: Customer | None, product: str) -> InstalledProduct | None:
    """The customer's installed product a form's product names (as its software, or as
    "software version" like ``InstalledProduct.__str__``), else their first one."""
    if customer is None:
        return None
    products = list(customer.products.all()[:20])
    for item in products:
        if product and product.strip() in (item.software, str(item)):
            return item
    return products[0] if products else None


def installed_product_named(customer: Customer | None, product: str) -> InstalledProduct | None:
    """The customer's installed product whose software is ``product``; with no product
    named, their only one."""
    if customer is None:
        return None
    products = list(customer.products.all()[:20])
    installed = next((p for p in products if product and p.software == product), None)
    if installed is None and not product and len(products) == 1:
        installed = products[0]
    return installed


def charge_rates(*, unit: str, contract: Contract | None) -> list[ChargeRate]:
    """The charging standards per ``unit``: the contract's own and the company's (those
    without a contract); for another app's prices (docs/architecture.md §apps.events,
    case 3)."""
    own = Q(contract=contract) | Q(contract__isnull=True)
    where = own if contract is not None else Q(contract__isnull=True)
    return list(ChargeRate.objects.filter(unit=unit).filter(where))


def customer_names(ids: Iterable[int]) -> dict[int, str]:
    """Customer id → name, in one query (the reports app's drafted words)."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return dict(Customer.objects.filter(pk__in=wanted).values_list("pk", "name"))
