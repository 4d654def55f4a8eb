"""The customer's asset register (docs/domain.md §installation.assets): assets recorded by
an installation visit, called by field service (docs/architecture.md §apps.calls)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import save_with_history

from ..models import Asset, Contract, Customer

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _text(value: Any, length: int) -> str:
    return (value or "").strip()[:length] if isinstance(value, str) else ""


def asset_register(
    *,
    by: User,
    customer: Customer,
    contract: Contract | None,
    model: str,
    serial_number: str,
    product: str = "",
    part_number: str = "",
    location: str = "",
    warranty_end: dt.date | None = None,
    licence: str = "",
    installed_on: dt.date | None = None,
    installation_dispatch_id: int | None = None,
    installation_number: str = "",
) -> Asset:
    """Record an installed asset in the customer's register. A serial number is the
    asset's identity at the customer: recording it again updates the same asset."""
    errors: dict[str, list[str]] = {}
    if not _text(model, 100):
        errors["model"] = [_("Which model was installed?")]
    if not _text(serial_number, 80):
        errors["serial_number"] = [_("The serial number is needed to find the asset later.")]
    if contract is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    raise_field_errors(errors)
    values = {
        "contract": contract,
        "model": _text(model, 100),
        "product": _text(product, 100),
        "part_number": _text(part_number, 60),
        "location": _text(location, 100),
        "warranty_end": warranty_end,
        "licence": _text(licence, 100),
        "installed_on": installed_on,
        "installation_dispatch_id": installation_dispatch_id,
        "installation_number": _text(installation_number, 30),
    }
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        asset = (
            Asset.objects.filter(customer=customer, serial_number=_text(serial_number, 80))
            .order_by("pk")
            .first()
        )
        created = asset is None
        if asset is None:
            asset = Asset(customer=customer, serial_number=_text(serial_number, 80))
        for name, value in values.items():
            setattr(asset, name, value)
        save_with_history(asset, by=by, reason="installed" if created else "installed again")
        event_record(
            kind="asset.registered",
            target=asset,
            actor=by,
            data={"dispatch": installation_dispatch_id, "created": created},
        )
    return asset
