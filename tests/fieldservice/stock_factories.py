"""Helpers for the spare-parts stock tests: parts, warehouses, stock in them."""

from __future__ import annotations

from itertools import count
from typing import Any

from fieldservice.models.stock import Part, StockLevel, Warehouse, WarehouseKind
from fieldservice.services.stock import stock_receive

_n = count(1)


def make_part(name: str = "RAID 控制卡", **fields: Any) -> Part:
    return Part.objects.create(
        part_number=fields.pop("part_number", f"PN-{next(_n):05d}"), name=name, **fields
    )


def make_store(name: str = "公司库房") -> Warehouse:
    return Warehouse.objects.create(name=f"{name}{next(_n)}", kind=WarehouseKind.STORE)


def make_van(engineer: Any) -> Warehouse:
    return Warehouse.objects.create(
        name=f"{engineer} 车载{next(_n)}", kind=WarehouseKind.VAN, engineer=engineer
    )


def stock(keeper: Any, part: Part, warehouse: Warehouse, quantity: int) -> None:
    stock_receive(
        by=keeper, part=part, warehouse=warehouse, quantity=quantity, test_record="开机自检通过"
    )


def level(part: Part, warehouse: Warehouse) -> int:
    row = StockLevel.objects.filter(part=part, warehouse=warehouse).first()
    return row.quantity if row else 0
