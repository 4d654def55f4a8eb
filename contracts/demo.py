"""Demo customers and contracts (``manage.py demo``), idempotent by name and number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .choices import ContractState
from .models import Contact, Contract, Customer, InstalledProduct
from .services import contract_save_draft, contract_sign, customer_save

CUSTOMERS = [
    # name, short, industry, region, category, phone, contact, mobile, software, modules, dongle
    (
        "苏州精工机械制造有限公司",
        "苏州精工",
        "机械制造",
        "苏南",
        "A",
        "0512-66668888",
        "李会计",
        "13912345678",
        "U8 ERP",
        "总账、应收、应付、存货、生产制造",
        "DG-2023-0815",
    ),
    (
        "上海和平医院",
        "和平医院",
        "医疗",
        "华东",
        "A",
        "021-55550000",
        "王主任",
        "13800138000",
        "HIS 医院信息系统",
        "门诊、住院、药房",
        "DG-2022-0301",
    ),
    (
        "无锡恒达物流有限公司",
        "恒达物流",
        "物流",
        "苏南",
        "B",
        "0510-82223333",
        "赵经理",
        "13706181234",
        "T+ 财务",
        "总账、报表",
        "DG-2021-1120",
    ),
    (
        "杭州绿源食品有限公司",
        "绿源食品",
        "食品",
        "华东",
        "C",
        "0571-88886666",
        "陈出纳",
        "13588889999",
        "T+ 财务",
        "总账、出纳",
        "DG-2020-0606",
    ),
]


@transaction.atomic
def load(stdout: Any = None) -> None:
    user_model = get_user_model()
    sales = user_model.objects.filter(username="qianjun").first()
    if sales is None:
        return
    today = timezone.localdate()
    for index, row in enumerate(CUSTOMERS):
        (
            name,
            short,
            industry,
            region,
            category,
            phone,
            contact,
            mobile,
            software,
            modules,
            dongle,
        ) = row
        customer = Customer.objects.filter(name=name).first()
        if customer is None:
            customer = customer_save(
                customer=Customer(
                    name=name,
                    short_name=short,
                    industry=industry,
                    region=region,
                    category=category,
                    phone=phone,
                    sales_manager=sales,
                    in_use_since=today - dt.timedelta(days=400 + 90 * index),
                ),
                by=sales,
            )
            Contact.objects.create(
                customer=customer, name=contact, mobile=mobile, phone=phone, is_primary=True
            )
            InstalledProduct.objects.create(
                customer=customer,
                software=software,
                version="V16.0",
                modules=modules,
                licence_number=dongle,
            )
        number = f"HT-{today.year}-{index + 1:03d}"
        if Contract.objects.filter(number=number).exists():
            continue
        # The last customer's free period ended last month: requests go to sales.
        expired = index == len(CUSTOMERS) - 1
        start = today - dt.timedelta(days=420 if expired else 60)
        end = today - dt.timedelta(days=30) if expired else start + dt.timedelta(days=364)
        contract = contract_save_draft(
            by=sales,
            data={
                "number": number,
                "customer": customer,
                "title": f"{software} 实施与服务合同",
                "sales_manager": sales,
                "signed_on": start,
                "amount": Decimal(96000 - 15000 * index),
                "service_level": "7x24" if index == 1 else "5x8",
                "includes_implementation": index == 0,
                "scope_items": [
                    {
                        "service_type": "phone_support",
                        "quota": None,
                        "quota_period": "year",
                        "note": "",
                    },
                    {
                        "service_type": "remote_support",
                        "quota": None,
                        "quota_period": "year",
                        "note": "",
                    },
                    {"service_type": "repair", "quota": 4, "quota_period": "year", "note": ""},
                    {
                        "service_type": "routine_inspection",
                        "quota": 4,
                        "quota_period": "year",
                        "note": "每季度一次巡检",
                    },
                ],
                "free_period": {"starts_on": start, "ends_on": end},
                "charge_rates": [],
            },
        )
        contract = contract_sign(contract, by=sales, today=start)
        if expired and contract.state == ContractState.IN_SERVICE:
            from .services import contracts_update_service_states

            contracts_update_service_states(today=today)
            # The customer has not bought service since: recorded and told by letter.
            from .choices import NoticeChannel
            from .services import contract_not_renewed

            contract.refresh_from_db()
            contract_not_renewed(
                contract,
                by=sales,
                channel=NoticeChannel.LETTER,
                note="客户暂不续费，之后的请求按收费标准报价。",
                today=today,
            )
    if stdout is not None:
        stdout.write(
            f"Demo customers: {Customer.objects.count()}, contracts: {Contract.objects.count()}"
        )
