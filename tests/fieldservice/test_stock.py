"""Spare-parts stock (docs/domain.md §stock): stock never goes negative (service refusal
in words and the CHECK constraint), nothing enters stock untested, issue / return /
transfer, engineers take only from the store or their own van, the last unit issued
twice at once on PostgreSQL, and parts issued on a visit become lines of its report."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from fieldservice.choices import PartUsageKind
from fieldservice.models.stock import MovementKind, StockLevel, StockMovement
from fieldservice.services.stock import (
    stock_issue,
    stock_receive,
    stock_return,
    stock_set_minimum,
    stock_transfer,
)
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from tests.fieldservice.factories import make_engineer, new_dispatch
from tests.fieldservice.stock_factories import level, make_part, make_store, make_van, stock
from tests.races import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user(Role.SERVICE_MANAGER, username="kuguan", last_name="钱", first_name="库管")


def test_receive_needs_a_test_record(keeper):
    part, store = make_part(), make_store()
    with pytest.raises(ApplicationError) as exc:
        stock_receive(by=keeper, part=part, warehouse=store, quantity=3, test_record="  ")
    assert "test_record" in exc.value.extra
    assert level(part, store) == 0
    stock_receive(by=keeper, part=part, warehouse=store, quantity=3, test_record="加电测试正常")
    assert level(part, store) == 3
    movement = StockMovement.objects.get(part=part)
    assert movement.kind == MovementKind.RECEIVE and movement.test_record == "加电测试正常"


def test_the_database_refuses_untested_stock_and_negative_stock(keeper):
    part, store = make_part(), make_store()
    stock(keeper, part, store, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMovement.objects.create(
            kind=MovementKind.RECEIVE, part=part, to_warehouse=store, quantity=1, by=keeper
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(part=part, warehouse=store).update(quantity=-1)
    assert level(part, store) == 1


def test_issuing_more_than_there_is_is_refused_in_words(keeper):
    part, store = make_part("硬盘 600G"), make_store()
    stock(keeper, part, store, 2)
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as exc:
        stock_issue(by=keeper, part=part, warehouse=store, quantity=3)
    assert "库存不足" in exc.value.message
    assert "2" in exc.value.message and "硬盘 600G" in exc.value.message
    assert exc.value.extra["quantity"]
    assert level(part, store) == 2
    stock_issue(by=keeper, part=part, warehouse=store, quantity=2)
    assert level(part, store) == 0


def test_issue_on_a_visit_is_a_line_of_its_report(keeper, make_user):
    engineer = make_engineer(make_user)
    van = make_van(engineer)
    part = make_part("电源模块", part_number="PWR-460W")
    stock(keeper, part, van, 2)
    dispatch = new_dispatch(keeper)
    movement = stock_issue(
        by=engineer.user,
        part=part,
        warehouse=van,
        quantity=1,
        dispatch=dispatch,
        serial_number="SN1",
    )
    usage = movement.usage
    assert usage.dispatch == dispatch and usage.kind == PartUsageKind.REPLACED
    assert (usage.part_name, usage.part_number, usage.serial_number) == (
        "电源模块",
        "PWR-460W",
        "SN1",
    )
    assert level(part, van) == 1


def test_an_engineer_takes_from_the_store_or_their_own_van_only(keeper, make_user):
    mine, theirs = make_engineer(make_user), make_engineer(make_user)
    part, store, their_van = make_part(), make_store(), make_van(theirs)
    stock(keeper, part, store, 1)
    stock(keeper, part, their_van, 1)
    with pytest.raises(NotPermitted):
        stock_issue(by=mine.user, part=part, warehouse=their_van)
    stock_issue(by=mine.user, part=part, warehouse=store)
    assert level(part, store) == 0 and level(part, their_van) == 1


def test_transfer_and_return(keeper, make_user):
    engineer = make_engineer(make_user)
    part, store, van = make_part(), make_store(), make_van(engineer)
    stock(keeper, part, store, 5)
    stock_transfer(by=keeper, part=part, from_warehouse=store, to_warehouse=van, quantity=2)
    assert (level(part, store), level(part, van)) == (3, 2)
    with pytest.raises(ApplicationError):
        stock_transfer(by=keeper, part=part, from_warehouse=van, to_warehouse=store, quantity=3)
    assert (level(part, store), level(part, van)) == (3, 2)
    stock_issue(by=engineer.user, part=part, warehouse=van, quantity=2)
    with pytest.raises(ApplicationError):
        stock_return(by=engineer.user, part=part, warehouse=van, quantity=1, test_record="")
    stock_return(
        by=engineer.user, part=part, warehouse=van, quantity=1, test_record="未拆封，外观完好"
    )
    assert level(part, van) == 1
    assert list(
        StockMovement.objects.filter(part=part).order_by("id").values_list("kind", flat=True)
    ) == [
        "receive",
        "transfer",
        "issue",
        "return",
    ]


def test_low_stock_warning_level(keeper):
    part, store = make_part(), make_store()
    stock(keeper, part, store, 1)
    line = stock_set_minimum(by=keeper, part=part, warehouse=store, min_quantity=2)
    assert line.is_low
    assert StockLevel.objects.filter(quantity__lt=2).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_unit_issued_twice_at_once_one_wins(make_user):
    """Two engineers issue the last unit at the same moment: one gets it, the other a
    refusal in words; the stock is 0, never -1 (docs/domain.md §stock.never-negative)."""
    keeper = make_user(Role.SERVICE_MANAGER)
    first, second = make_engineer(make_user), make_engineer(make_user)
    part, store = make_part("内存条 16G"), make_store()
    stock(keeper, part, store, 1)
    refusals: list[str] = []

    def issue(engineer):
        def call(barrier):
            barrier.wait(timeout=10)
            try:
                with translation.override("zh-hans"):
                    stock_issue(by=engineer.user, part=part, warehouse=store, quantity=1)
            except TransitionConflict:
                raise
            except ApplicationError as exc:
                refusals.append(exc.message)
                raise TransitionConflict(exc.message) from exc

        return call

    assert sorted(race(issue(first), issue(second))) == ["conflict", "ok"]
    assert level(part, store) == 0
    assert StockMovement.objects.filter(kind=MovementKind.ISSUE, part=part).count() == 1
    assert len(refusals) == 1 and "库存不足" in refusals[0]
