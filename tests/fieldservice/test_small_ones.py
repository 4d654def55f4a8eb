"""Issue 10 §19 in field service: the person-days total is what is owed (应结金额), the
board's week starts on Monday and its leave hatching has a legend."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fieldservice.choices import DispatchState
from servicedesk.core.choices import Role
from tests.core.words import page_section, visible_text
from tests.fieldservice.factories import advance, make_engineer, make_partner, new_dispatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, last_name="郑", first_name="伟")


@pytest.fixture
def zh(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_the_person_days_total_is_the_amount_owed(zh, manager, make_user):
    partner = make_partner(person_day_rate="800.00")
    engineer = make_engineer(make_user, partner=partner)
    advance(new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=engineer)
    zh.force_login(manager)
    html = zh.get(reverse("fieldservice:person-days")).content.decode()
    amount = visible_text(page_section(html, "partner-amount"))
    assert amount == "应结金额：¥400.00", amount  # not the contract's 合同金额


def _board_days(client, **params) -> list[str]:
    html = client.get(reverse("fieldservice:board"), params).content.decode()
    return re.findall(r'<th class="[^"]*" data-day="([\d-]+)"', html)


def test_the_board_week_starts_on_monday(zh, manager):
    zh.force_login(manager)
    wednesday = dt.date(2026, 12, 9)
    days = _board_days(zh, start=wednesday.isoformat())
    assert days[0] == "2026-12-07" and len(days) == 7  # that week's Monday to Sunday
    assert [dt.date.fromisoformat(d).weekday() for d in days] == list(range(7))
    this_week = _board_days(zh)
    today = timezone.localdate()
    assert dt.date.fromisoformat(this_week[0]) == today - dt.timedelta(days=today.weekday())
    assert today.isoformat() in this_week


def test_the_board_explains_its_hatching(zh, manager):
    zh.force_login(manager)
    html = zh.get(reverse("fieldservice:board")).content.decode()
    legend = page_section(html, "board-legend")
    assert 'class="legend-swatch leave"' in legend
    assert "请假" in visible_text(legend)
