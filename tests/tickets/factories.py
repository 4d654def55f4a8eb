"""Helpers for hotline tests: customers with signed contracts, contacts, tickets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from contracts.models import Contact, Contract, Customer
from contracts.services import contract_save_draft, contract_sign, customer_save
from tickets.models import Ticket
from tickets.services import ticket_intake

SH = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def sh(*args: int) -> dt.datetime:
    """An aware instant in Asia/Shanghai: sh(2026, 9, 30, 17, 30)."""
    return dt.datetime(*args, tzinfo=SH)  # type: ignore[misc]


def make_customer(by: Any, name: str | None = None, **fields: Any) -> Customer:
    n = next(_numbers)
    return customer_save(
        customer=Customer(name=name or f"华东精密机械有限公司{n}", **fields), by=by
    )


def make_contract(
    by: Any,
    customer: Customer | None = None,
    *,
    free: tuple[dt.date, dt.date] = (dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
    scope: tuple[str, ...] = ("phone_support", "repair", "remote_support"),
    service_level: str = "5x8",
    sign_on: dt.date = dt.date(2026, 1, 1),
) -> Contract:
    """A signed contract of ``customer`` whose free period covers ``free``; ``by`` must be a
    sales manager (signing needs the permission)."""
    contract = contract_save_draft(
        by=by,
        data={
            "number": f"HT-T{next(_numbers):05d}",
            "customer": customer or make_customer(by),
            "sales_manager": by,
            "signed_on": sign_on,
            "amount": Decimal("36000.00"),
            "service_level": service_level,
            "scope_items": [
                {"service_type": t, "quota": None, "quota_period": "year", "note": ""}
                for t in scope
            ],
            "charge_rates": [],
            "free_period": {"starts_on": free[0], "ends_on": free[1]},
        },
    )
    return contract_sign(contract, by=by, today=max(sign_on, free[0]))


def make_contact(customer: Customer, *, authorised: bool = False, **fields: Any) -> Contact:
    values = {"name": f"联系人{next(_numbers)}", **fields}
    if authorised:
        values.update(
            may_receive_passwords=True,
            authorised_by="财务总监 王总",
            authorised_on=dt.date(2026, 1, 5),
        )
    return Contact.objects.create(customer=customer, **values)


def take_call(by: Any, customer: Customer | None, **fields: Any) -> Ticket:
    """A ticket through intake, with sensible defaults for every required field."""
    values = {
        "caller_name": "张会计",
        "caller_company": customer.name if customer else "某公司",
        "caller_phone": "021-55550000",
        "product": "U8",
        "description": "凭证无法保存，提示科目已停用",
        **fields,
    }
    return ticket_intake(by=by, customer=customer, **values)


def in_state(ticket: Ticket, state: str, **fields: Any) -> Ticket:
    """Put a ticket in a state for a test's setup (the state field is protected)."""
    Ticket.objects.filter(pk=ticket.pk).update(state=state, **fields)
    return Ticket.objects.get(pk=ticket.pk)


def reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def published(article: Any) -> Any:
    """An article through its review by the system (a test's setup): submitted, then
    published, so intake suggests it (docs/domain.md §hotline.knowledge)."""
    from tickets.services.knowledge import article_publish, article_submit

    return article_publish(article_submit(article, by=None), by=None)
