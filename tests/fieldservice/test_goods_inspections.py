"""Goods inspection before shipment (docs/domain.md §goods-inspection): at least one
working day before delivery, a sealed box opened only with the customer's consent, the
record printed and kept in the customer archive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fieldservice.choices import DispatchKind, DispatchState
from fieldservice.models.goods import GoodsInspection
from fieldservice.services.goods import GOODS_RECORD, earliest_delivery, goods_inspection_record
from servicedesk.core import printforms
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from tests.fieldservice.factories import advance, make_engineer, new_dispatch

pytestmark = pytest.mark.django_db

VALUES = {
    "goods": "ThinkSystem SR650 ×2（SN J30A1B2C, J30A1B2D）",
    "test_result": "连续烤机 12 小时，无报错",
    "licences_requested": "U8 财务 20 用户",
    "backup_location": "档案柜 B-3，安装介质与许可证备份光盘",
}


@pytest.fixture
def visit(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    engineer = make_engineer(make_user)
    dispatch = new_dispatch(manager, kind=DispatchKind.GOODS_INSPECTION, problem="发货前检查")
    return advance(dispatch, DispatchState.ON_SITE, manager=manager, engineer=engineer), engineer


def test_recorded_a_working_day_before_delivery(visit):
    dispatch, engineer = visit
    with pytest.raises(ApplicationError) as exc:
        goods_inspection_record(
            dispatch, by=engineer.user, delivery_on=timezone.localdate(), **VALUES
        )
    assert "delivery_on" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        goods_inspection_record(
            dispatch, by=engineer.user, delivery_on=earliest_delivery(), box_sealed=True, **VALUES
        )
    assert "unpacking_consent_by" in exc.value.extra
    record = goods_inspection_record(
        dispatch,
        by=engineer.user,
        delivery_on=earliest_delivery(),
        box_sealed=True,
        unpacking_consent_by="周主任",
        **VALUES,
    )
    assert record.test_hours == 12 and record.unpacking_consent_on == timezone.localdate()
    again = goods_inspection_record(
        dispatch,
        by=engineer.user,
        delivery_on=earliest_delivery() + dt.timedelta(days=1),
        **VALUES,
    )
    assert again.pk == record.pk and GoodsInspection.objects.count() == 1
    pdf = printforms.render(printforms.form_get(GoodsInspection, GOODS_RECORD), again)
    assert pdf.startswith(b"%PDF")


def test_page_api_and_archive(visit, client, make_user):
    dispatch, engineer = visit
    client.force_login(engineer.user)
    url = f"/goods-inspections/dispatch/{dispatch.pk}/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"goods": "x"})
    assert bad.status_code == 400
    data = {**VALUES, "delivery_on": earliest_delivery().isoformat(), "test_hours": 12}
    assert client.post(url, data).status_code == 302
    api = APIClient()
    api.force_authenticate(engineer.user)
    listed = api.get("/api/v1/goods-inspections/").json()
    assert listed["count"] == 1 if isinstance(listed, dict) else len(listed) == 1
    refused = api.post(
        "/api/v1/goods-inspections/",
        {**VALUES, "dispatch": dispatch.pk, "delivery_on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 400 and "delivery_on" in refused.json()
    manager = make_user(Role.SERVICE_MANAGER)
    client.force_login(manager)
    archive = client.get(dispatch.customer.get_absolute_url()).content.decode()
    assert 'data-testid="archive-goods-inspection"' in archive
