"""Issue 10 §19: the call statistics say they count only the phone system's calls, and
how many calls taken at the intake are left out."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from servicedesk.core.choices import Role
from tests.core.words import page_section, visible_text
from tests.tickets.factories import make_contract

pytestmark = pytest.mark.django_db


def test_the_call_statistics_say_what_they_count(client, make_user):
    from tickets.services import ticket_intake

    hotline = make_user(Role.HOTLINE_ENGINEER, last_name="王", first_name="静")
    sales = make_user(Role.SALES_MANAGER)
    customer = make_contract(sales).customer
    for text in ("凭证无法保存", "报表打不开"):
        ticket_intake(
            by=hotline,
            customer=customer,
            caller_name="周会计",
            caller_company="华东精密",
            caller_phone="13900000000",
            product="U8",
            description=text,
        )
    manager = make_user(Role.SERVICE_MANAGER)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(manager)
    html = client.get(reverse("tickets:call-stats")).content.decode()
    note = visible_text(page_section(html, "calls-counted"))
    assert "只统计电话系统上报的来电。" in note
    assert "另有 2 张服务单" in note, note
