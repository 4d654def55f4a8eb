"""Helpers for defect and requirement tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from defects.models import Defect, Requirement
from defects.services import defect_record, requirement_record
from tests.tickets.factories import make_contract, make_customer, sh  # noqa: F401


def record_defect(by: Any, **fields: Any) -> Defect:
    values = {
        "severity": "serious",
        "title": "凭证保存时系统报错",
        "steps": "1. 总账 → 填制凭证\n2. 录入科目 1001\n3. 保存",
        "customer_sees": "提示“科目已停用”，凭证无法保存",
        "product": "U8",
        "version": "V13.0",
        "module": "总账",
        "site": "苏州工业园区星湖街 88 号",
        **fields,
    }
    return defect_record(by=by, **values)


def record_requirement(by: Any, customer: Any, **fields: Any) -> Requirement:
    values = {
        "title": "应收账龄表按业务员汇总",
        "description": "应收账龄分析表增加按业务员汇总的视图，可导出 Excel。",
        "intent": "销售部每周按业务员催款，目前需手工汇总两小时。",
        "product": "U8",
        "module": "应收",
        **fields,
    }
    return requirement_record(by=by, customer=customer, **values)


def in_state(obj: Any, state: str, **fields: Any) -> Any:
    """Put a record in a state for a test's setup (the state field is protected)."""
    type(obj).objects.filter(pk=obj.pk).update(state=state, **fields)
    return type(obj).objects.get(pk=obj.pk)


def reload(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)


def at(*args: int) -> dt.datetime:
    return sh(*args)
