"""Demo spare-parts stock (``manage.py demo``, after the dispatches): the company store
and 陈刚's van with a few parts (two below their warning level), a loan waiting for the
technical manager, an emergency loan taken this morning whose paperwork is due, and a
faulty part tagged on a visit and sent for repair. Idempotent: skipped once the store
exists. Runs through the services a user would call."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from contracts.models import Customer

from .models import Dispatch, Engineer
from .models.stock import Part, Warehouse, WarehouseKind
from .services.stock import (
    faulty_send,
    faulty_tag,
    loan_request,
    stock_receive,
    stock_set_minimum,
    stock_transfer,
)

STORE = "公司备件库（上海）"
PARTS = [
    # part number, name, store quantity, warning below
    ("SRV-PSU-750", "服务器电源模块 750W", 4, 2),
    ("SRV-HDD-600", "SAS 硬盘 600G 10K", 6, 3),
    ("SRV-RAID-9361", "RAID 控制卡 9361-8i", 1, 2),
    ("SRV-MEM-16G", "服务器内存 16G DDR4", 8, 4),
    ("NET-SW-24G", "千兆交换机 24 口", 2, 1),
    ("PRN-FUSER-M4", "打印机定影组件", 0, 1),
]


def load(stdout: Any = None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    if not {"zhengwei", "weidong", "chengang"} <= set(users):
        return
    if Warehouse.objects.filter(name=STORE).exists():
        if stdout:
            stdout.write("Stock demo already loaded.")
        return
    keeper, engineer_user = users["zhengwei"], users["chengang"]
    engineer = Engineer.objects.filter(user=engineer_user).first()
    customer = Customer.objects.order_by("pk").first()
    if engineer is None or customer is None:
        return
    with transaction.atomic():
        store = Warehouse.objects.create(name=STORE, kind=WarehouseKind.STORE)
        van = Warehouse.objects.create(
            name=f"{engineer} 车载备件", kind=WarehouseKind.VAN, engineer=engineer
        )
        parts = {}
        for number, name, quantity, minimum in PARTS:
            part = Part.objects.create(part_number=number, name=name)
            parts[number] = part
            if quantity:
                stock_receive(
                    by=keeper, part=part, warehouse=store, quantity=quantity,
                    test_record="到货抽检：加电自检通过，外观完好",
                )  # fmt: skip
            stock_set_minimum(by=keeper, part=part, warehouse=store, min_quantity=minimum)
        stock_transfer(
            by=keeper, part=parts["SRV-HDD-600"], from_warehouse=store, to_warehouse=van,
            quantity=2, note="随车备件",
        )  # fmt: skip
        stock_set_minimum(by=keeper, part=parts["SRV-HDD-600"], warehouse=van, min_quantity=1)
        visit = Dispatch.objects.filter(engineer=engineer).order_by("pk").first()
        loan_request(
            by=engineer_user, part=parts["NET-SW-24G"], warehouse=store, customer=customer,
            purpose="stand_in", reason="客户核心交换机送修，借用一台顶替两周",
        )  # fmt: skip
        loan_request(
            by=engineer_user, part=parts["SRV-PSU-750"], warehouse=store,
            customer=visit.customer if visit else customer, dispatch=visit,
            purpose="replacement", reason="服务器电源故障导致系统停机，先借用更换", emergency=True,
        )  # fmt: skip
        faulty = faulty_tag(
            by=engineer_user, part=parts["SRV-PSU-750"], serial_number="PSU-2209-1187",
            fault="无法加电，风扇不转", dispatch=visit, customer=customer,
        )  # fmt: skip
        faulty_send(faulty, by=keeper, repairer="戴尔苏州维修中心")
    if stdout:
        stdout.write(
            f"Demo stock: {Part.objects.count()} parts in {Warehouse.objects.count()} warehouses"
        )
