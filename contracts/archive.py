"""The customer service archive (客户服务档案), with the contract as the smallest unit.

Other apps (tickets, fieldservice, defects, projects) contribute sections without the
contracts app importing them: in their ``AppConfig.ready``::

    from contracts.archive import register_archive_section

    register_archive_section("tickets", _("Tickets"), tickets_for_archive, order=30)

where ``tickets_for_archive(customer, contracts)`` returns ``{contract_id or None: [items]}``
with a constant number of queries (one ``filter(customer=customer)`` and grouping in
Python), so the archive page costs the same whatever the customer's history. Items are
model instances (shown with ``str()``, a link to ``get_absolute_url()`` when it resolves
and a state badge when they have a ``state``) unless the section names its own template,
rendered with ``item`` in the context.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from .models import (
    Asset,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    FirstVisit,
    InstalledProduct,
    Revisit,
    ServicePeriod,
)
from .selectors import documents_visible

Loader = Callable[..., dict[int | None, list[Any]]]


@dataclass(frozen=True)
class ArchiveSection:
    key: str
    label: Any
    loader: Loader
    order: int = 100
    permission: str | None = None  # shown only to users holding it
    template: str | None = None  # renders one item; the generic row otherwise
    takes_user: bool = False  # call loader(customer, contracts, user=user) for row scoping


_sections: dict[str, ArchiveSection] = {}


def register_archive_section(
    key: str,
    label: Any,
    loader: Loader,
    *,
    order: int = 100,
    permission: str | None = None,
    template: str | None = None,
    takes_user: bool = False,
) -> ArchiveSection:
    """Add (or replace, by ``key``) a section of the customer archive; idempotent."""
    section = ArchiveSection(key, label, loader, order, permission, template, takes_user)
    _sections[key] = section
    return section


def archive_sections(user: Any = None) -> list[ArchiveSection]:
    sections = sorted(_sections.values(), key=lambda s: (s.order, s.key))
    if user is None:
        return sections
    return [s for s in sections if not s.permission or user.has_perm(s.permission)]


def group_by_contract(items: Iterable[Any], attr: str = "contract_id") -> dict[int | None, list]:
    """A loader's usual last step: ``{contract_id | None: [items]}`` in the given order."""
    grouped: dict[int | None, list[Any]] = defaultdict(list)
    for item in items:
        grouped[getattr(item, attr, None)].append(item)
    return dict(grouped)


@dataclass
class ContractCard:
    contract: Contract | None  # None: the card of items tied to no contract
    documents: list[ContractDocument] = field(default_factory=list)
    sections: list[tuple[ArchiveSection, list[Any]]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(items for _section, items in self.sections)

    @property
    def copies(self) -> list[ContractDocument]:
        return [d for d in self.documents if d.is_contract_copy]

    @property
    def technical_documents(self) -> list[ContractDocument]:
        """Design, bid, installation and acceptance reports, delivery notes (docs/domain.md
        §customer.archive)."""
        return [d for d in self.documents if not d.is_contract_copy]


@dataclass
class CustomerArchive:
    customer: Customer
    contacts: list[Contact]
    products: list[InstalledProduct]
    assets: list[Asset]
    contracts: list[Contract]
    cards: list[ContractCard]
    sections: list[ArchiveSection]


def customer_archive(*, user: Any, pk: int) -> CustomerArchive:
    """Everything about one customer, grouped by contract, in a constant number of queries:
    the customer, contacts, products, assets, contracts (+ periods, scope, documents), and
    one query or so per registered section."""
    customer = get_object_or_404(
        Customer.objects.restrict(user).select_related("sales_manager"), pk=pk
    )
    contacts = list(Contact.objects.restrict(user).filter(customer=customer))
    products = list(
        InstalledProduct.objects.restrict(user).filter(customer=customer).select_related("contract")
    )
    assets = list(Asset.objects.restrict(user).filter(customer=customer))
    contracts = list(
        Contract.objects.restrict(user)
        .filter(customer=customer)
        .select_related("sales_manager")
        .prefetch_related(
            Prefetch("periods", queryset=ServicePeriod.objects.order_by("starts_on")),
            "scope_items",
            Prefetch(
                "documents",
                queryset=ContractDocument.objects.select_related("uploaded_by").order_by(
                    "kind", "-uploaded_at"
                ),
            ),
        )
        .order_by("-signed_on", "-id")
    )
    sections = archive_sections(user)
    loaded: list[tuple[ArchiveSection, dict[int | None, list[Any]]]] = []
    known = {c.pk for c in contracts}
    for section in sections:
        if section.takes_user:
            raw = section.loader(customer, contracts, user=user)
        else:
            raw = section.loader(customer, contracts)
        grouped: dict[int | None, list[Any]] = defaultdict(list)
        for contract_id, items in (raw or {}).items():
            # Items of contracts the user may not see go to the unattached card.
            grouped[contract_id if contract_id in known else None].extend(items)
        loaded.append((section, grouped))
    cards = [
        ContractCard(
            contract=contract,
            documents=documents_visible(user=user, contract=contract),
            sections=[(s, grouped.get(contract.pk, [])) for s, grouped in loaded],
        )
        for contract in contracts
    ]
    cards.append(ContractCard(contract=None, sections=[(s, g.get(None, [])) for s, g in loaded]))
    return CustomerArchive(
        customer=customer,
        contacts=contacts,
        products=products,
        assets=assets,
        contracts=contracts,
        cards=cards,
        sections=sections,
    )


# -- the contracts app's own sections -------------------------------------------------


def first_visits_for_archive(customer: Customer, contracts: list[Contract], *, user: Any) -> dict:
    visits = FirstVisit.objects.restrict(user).filter(customer=customer).select_related("agent")
    return group_by_contract(visits.order_by("-created_at"))


def revisits_for_archive(customer: Customer, contracts: list[Contract], *, user: Any) -> dict:
    revisits = Revisit.objects.restrict(user).filter(customer=customer).select_related("assignee")
    return group_by_contract(revisits.order_by("-due_on", "-id")[:200])


register_archive_section(
    "first_visits",
    _("First visits"),
    first_visits_for_archive,
    order=10,
    permission="contracts.view_firstvisit",
    template="contracts/partials/archive_first_visit.html",
    takes_user=True,
)
register_archive_section(
    "revisits",
    _("Revisits"),
    revisits_for_archive,
    order=90,
    permission="contracts.view_revisit",
    template="contracts/partials/archive_revisit.html",
    takes_user=True,
)
