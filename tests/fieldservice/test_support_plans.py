"""The on-site support plan (docs/domain.md §support-plan): agreed scope and content, the
back-office contact, items tracked to done, every customer question answered or routed
with a reply; printed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from fieldservice.models.support import SupportPlan
from fieldservice.services import support as ss
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from tests.fieldservice.factories import make_customer, make_engineer

pytestmark = pytest.mark.django_db


def test_a_plan_its_items_and_questions(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    back = make_user(Role.TECH_MANAGER)
    engineer = make_engineer(make_user)
    customer = make_customer(manager)
    with pytest.raises(ApplicationError) as refused:
        ss.support_plan_create(
            by=manager,
            customer=customer,
            back_office=back,
            scope="",
            content="x",
            agreed_with="王主任",
            starts_on=timezone.localdate(),
        )
    assert "scope" in refused.value.extra
    plan = ss.support_plan_create(
        by=manager,
        customer=customer,
        back_office=back,
        engineer=engineer,
        scope="财务、供应链模块的日常使用支持",
        content="每周二驻场半天；月结前一天全天",
        agreed_with="王主任",
        starts_on=timezone.localdate(),
    )
    item = ss.support_item_add(
        plan, by=manager, what="月结前检查", due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert item.overdue
    item = ss.support_item_done(item, by=engineer.user, done_note="已检查凭证断号")
    assert not item.overdue
    with pytest.raises(TransitionConflict):
        ss.support_item_done(item, by=engineer.user)
    q = ss.question_record(plan, by=engineer.user, asked_by="李会计", question="报表取数不对")
    with pytest.raises(ApplicationError) as refused:
        ss.question_reply(q, by=engineer.user, route="defect", reply="")
    assert "reply" in refused.value.extra
    q = ss.question_reply(q, by=engineer.user, route="defect", reply="已提交总部缺陷，三天内答复")
    assert q.replied_at is not None

    client = Client()
    client.force_login(engineer.user)
    page = client.get(plan.get_absolute_url())
    assert page.status_code == 200 and "报表取数不对" in page.content.decode()
    bad = client.post(f"/support-plans/{plan.pk}/record/question/", {"question-question": ""})
    assert bad.status_code == 400
    ct = ContentType.objects.get_for_model(SupportPlan).pk
    pdf = client.get(f"/print/{ct}/{plan.pk}/support_plan.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(manager)
    assert client.get("/support-plans/").status_code == 200
    assert client.get("/support-plans/new/").status_code == 200
