"""Partners (docs/domain.md §partners): the certification exam before any assignment, the
hand-over a replacement needs, the free first training, and the monthly statement checked
against figures computed by hand for both billing modes — reproducible for a past month
after the terms changed."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldservice.choices import DispatchState
from fieldservice.models import Dispatch
from fieldservice.models.partners import TrainingFeeRate
from fieldservice.services import dispatch_assign, dispatch_verify
from fieldservice.services import partners as ps
from fieldservice.settlement import statement_pdf, statements_month, statements_xlsx
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict
from tests.fieldservice.factories import make_engineer, make_partner, new_dispatch

pytestmark = pytest.mark.django_db

MONTH = (2026, 10)


def at(day: int, month: int = 10, hour: int = 15) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


def visit(by, engineer, *, day, person_days, fee=None, month=10, state="written_off"):
    """A visit completed on ``day`` (test data: the figures, not the workflow)."""
    dispatch = new_dispatch(by)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        engineer=engineer,
        state=state,
        completed_at=at(day, month),
        on_site_minutes=int(Decimal(person_days) * 480),
        person_days=Decimal(person_days),
        service_fee=Decimal(fee) if fee is not None else None,
    )
    return dispatch


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER)


# -- certification ---------------------------------------------------------------------------


def test_an_uncertified_partner_engineer_is_refused_at_assignment(manager, make_user):
    rookie = make_engineer(make_user, partner=make_partner(), certified_on=None)
    dispatch = dispatch_verify(new_dispatch(manager), by=manager)
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises((ApplicationError, TransitionConflict)) as refused:
        dispatch_assign(dispatch, by=manager, engineer=rookie, planned_start=start)
    assert (
        "certif" in refused.value.message.lower()
        or "认证" in refused.value.message
        or ("engineer" in refused.value.extra)
    )
    # A failed exam changes nothing; a passed one certifies from its date.
    ps.exam_record(by=manager, engineer=rookie, taken_on=timezone.localdate(), score=Decimal(55))
    rookie.refresh_from_db()
    assert rookie.certified_on is None
    ps.exam_record(by=manager, engineer=rookie, taken_on=timezone.localdate(), score=Decimal(82))
    rookie.refresh_from_db()
    assert rookie.certified_on == timezone.localdate()
    dispatch = dispatch_assign(
        Dispatch.objects.get(pk=dispatch.pk), by=manager, engineer=rookie, planned_start=start
    )
    assert dispatch.state == DispatchState.ASSIGNED


def test_a_replacement_needs_the_hand_over_and_a_certified_successor(manager, make_user):
    partner = make_partner()
    leaving = make_engineer(make_user, partner=partner)
    successor = make_engineer(make_user, partner=partner)
    uncertified = make_engineer(make_user, partner=partner, certified_on=None)
    ev = ps.evaluation_record(
        by=manager,
        engineer=leaving,
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        skill_score=2,
        attitude_score=3,
        customer_score=1,
        remarks="客户投诉两次，要求更换",
        replacement_requested=True,
    )
    assert ev.average == Decimal("2.0")
    with pytest.raises(ApplicationError) as refused:
        ps.handover_record(
            by=manager,
            engineer=leaving,
            reason="replacement",
            open_work="",
            effective_on=timezone.localdate(),
            successor=successor,
        )
    assert "open_work" in refused.value.extra
    with pytest.raises(ApplicationError) as refused:
        ps.handover_record(
            by=manager,
            engineer=leaving,
            reason="replacement",
            open_work="PG-1 未完成",
            effective_on=timezone.localdate(),
            successor=uncertified,
        )
    assert "successor" in refused.value.extra
    ps.handover_record(
        by=manager,
        engineer=leaving,
        reason="replacement",
        open_work="PG-1 未完成：客户月结前回访",
        effective_on=timezone.localdate(),
        successor=successor,
    )
    leaving.refresh_from_db()
    assert not leaving.active and not leaving.can_work()


def test_the_first_training_is_free_for_the_agreed_days_later_ones_are_charged(manager):
    partner = make_partner()
    ps.partner_terms_save(
        by=manager,
        partner=partner,
        valid_from=dt.date(2026, 1, 1),
        cooperation_model="self_managed",
        billing_mode="person_day",
        person_day_rate=Decimal(800),
        free_training_days=2,
    )
    rate = TrainingFeeRate.objects.create(course="U8 财务实施", price_per_day=Decimal(400))
    first = ps.training_record(
        by=manager, partner=partner, rate=rate, starts_on=dt.date(2026, 10, 8), days=3, trainees=2
    )
    assert (first.free_days, first.fee) == (2, Decimal(800))  # (3 − 2) days × 2 × 400
    later = ps.training_record(
        by=manager, partner=partner, rate=rate, starts_on=dt.date(2026, 11, 2), days=1, trainees=3
    )
    assert (later.free_days, later.fee) == (0, Decimal(1200))


# -- the monthly statement ---------------------------------------------------------------------


@pytest.fixture
def month_data(manager, make_user):
    """Two partners, one per billing mode, with visits, penalties and a training in
    October 2026 and around it (figures in the tests are computed by hand)."""
    a = make_partner(name="甲方伙伴 A", billing_mode="person_day", person_day_rate="800.00")
    b = make_partner(
        name="乙方伙伴 B",
        billing_mode="fee_share",
        person_day_rate=None,
        fee_share_percent="30.00",
        cooperation_model="we_manage",
    )
    ps.partner_terms_save(
        by=manager,
        partner=b,
        valid_from=dt.date(2026, 10, 1),
        cooperation_model="we_manage",
        billing_mode="fee_share",
        fee_share_percent=Decimal(30),
        management_fee=Decimal(500),
        free_training_days=2,
    )
    a1, a2 = make_engineer(make_user, partner=a), make_engineer(make_user, partner=a)
    b1, b2 = make_engineer(make_user, partner=b), make_engineer(make_user, partner=b)
    ours = make_engineer(make_user)
    visit(manager, a1, day=3, person_days="0.5")
    visit(manager, a1, day=10, person_days="1.0")
    visit(manager, a1, day=31, person_days="1.5")
    visit(manager, a2, day=15, person_days="2.0")
    visit(manager, a2, day=1, month=11, person_days="4.0")  # next month
    visit(manager, a2, day=30, month=9, person_days="4.0")  # last month
    visit(manager, b1, day=5, person_days="1.0", fee="1000.00")
    visit(manager, b1, day=20, person_days="0.5", fee="2500.50")
    visit(manager, b2, day=21, person_days="1.0", fee="800.00")
    visit(manager, ours, day=21, person_days="1.0", fee="999.00")  # not a partner's
    ps.penalty_record(
        by=manager,
        partner=a,
        occurred_on=dt.date(2026, 10, 12),
        incident="未按约上门",
        amount=Decimal(300),
    )
    ps.penalty_record(
        by=manager,
        partner=a,
        occurred_on=dt.date(2026, 9, 12),
        incident="上月",
        amount=Decimal(999),
    )
    ps.penalty_record(
        by=manager,
        partner=b,
        engineer=b1,
        occurred_on=dt.date(2026, 10, 2),
        incident="误删凭证",
        amount=Decimal(200),
    )
    ps.penalty_record(
        by=manager,
        partner=b,
        occurred_on=dt.date(2026, 10, 30),
        incident="报告未签字",
        amount=Decimal(150),
    )
    rate = TrainingFeeRate.objects.create(course="U8 供应链", price_per_day=Decimal(400))
    ps.training_record(
        by=manager, partner=b, rate=rate, starts_on=dt.date(2026, 10, 9), days=3, trainees=2
    )
    return a, b


def _by_partner(user, **kwargs):
    return {s.partner.pk: s for s in statements_month(user, year=2026, month=10, **kwargs)}


def test_the_statement_matches_hand_computed_figures_for_both_billing_modes(manager, month_data):
    a, b = month_data
    statements = _by_partner(manager)
    sa, sb = statements[a.pk], statements[b.pk]
    # A: person-days × rate: (0.5 + 1.0 + 1.5 + 2.0) × 800 = 4 000.00; − 300 penalty
    assert (sa.visits, sa.person_days) == (4, Decimal("5.0"))
    assert sa.base == Decimal("4000.00")
    assert sa.management_fee == Decimal("0.00")  # the partner manages its people
    assert sa.penalty_total == Decimal(300)
    assert sa.net == Decimal("3700.00")
    # B: 30 % of (1 000 + 2 500.50 + 800) = 1 290.15; + 2 engineers × 500 management fee;
    # − (200 + 150) penalties; − the first training beyond its 2 free days: 1 × 2 × 400
    assert (sb.visits, sb.fees) == (3, Decimal("4300.50"))
    assert sb.base == Decimal("1290.15")
    assert sb.management_fee == Decimal("1000.00")
    assert sb.penalty_total == Decimal(350)
    assert sb.training_total == Decimal(800)
    assert sb.net == Decimal("1140.15")


def test_a_past_month_is_settled_again_with_its_own_terms(manager, month_data):
    _a, b = month_data
    before = _by_partner(manager)[b.pk].net
    ps.partner_terms_save(
        by=manager,
        partner=b,
        valid_from=dt.date(2026, 11, 1),
        cooperation_model="self_managed",
        billing_mode="fee_share",
        fee_share_percent=Decimal(50),
    )
    assert _by_partner(manager)[b.pk].net == before == Decimal("1140.15")
    november = {s.partner.pk: s for s in statements_month(manager, year=2026, month=11)}
    assert november[b.pk].terms.fee_share_percent == Decimal(50)


def test_the_statement_prints_exports_and_is_served_by_the_api(manager, month_data):
    _a, b = month_data
    statements = statements_month(manager, year=2026, month=10)
    assert statement_pdf(statements[0]).startswith(b"%PDF")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(statements_xlsx(statements, year=2026, month=10)))
    summary = book.worksheets[0]
    payable = {row[0]: row[9] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert payable["甲方伙伴 A"] == 3700.0 and payable["乙方伙伴 B"] == pytest.approx(1140.15)
    client = Client()
    client.force_login(manager)
    rows = client.get("/api/v1/partner-statements/?year=2026&month=10").json()
    assert {r["partner_name"]: r["payable"] for r in rows}["乙方伙伴 B"] == "1140.15"
    assert client.get("/api/v1/partner-statements/?year=2026&month=13").status_code == 400
    page = client.get("/partners/statements/?year=2026&month=10")
    assert page.status_code == 200 and "1140.15" in page.content.decode()
    pdf = client.get(f"/partners/{b.pk}/statement.pdf?year=2026&month=10")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/partners/statements.xlsx?year=2026&month=10")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_statement_runs_a_constant_number_of_queries(manager, month_data, make_user):
    statements_month(manager, year=2026, month=10)  # the user's permissions are cached
    with CaptureQueriesContext(connection) as few:
        statements_month(manager, year=2026, month=10)
    for _ in range(3):
        partner = make_partner()
        engineer = make_engineer(make_user, partner=partner)
        visit(manager, engineer, day=7, person_days="1.0")
        ps.penalty_record(
            by=manager,
            partner=partner,
            occurred_on=dt.date(2026, 10, 7),
            incident="x",
            amount=Decimal(1),
        )
    with CaptureQueriesContext(connection) as more:
        statements_month(manager, year=2026, month=10)
    assert len(more) == len(few) <= 6


def test_partner_pages_record_an_exam(manager, make_user):
    partner = make_partner()
    rookie = make_engineer(make_user, partner=partner, certified_on=None)
    client = Client()
    client.force_login(manager)
    assert client.get("/partners/").status_code == 200
    page = client.get(f"/partners/{partner.pk}/")
    assert page.status_code == 200
    response = client.post(
        f"/partners/{partner.pk}/record/exam/",
        {
            "exam-engineer": rookie.pk,
            "exam-taken_on": "2030-01-01",
            "exam-score": "90",
            "exam-pass_mark": "60",
        },
    )
    assert response.status_code == 400  # in the future: a form message, not a 500
    response = client.post(
        f"/partners/{partner.pk}/record/exam/",
        {
            "exam-engineer": rookie.pk,
            "exam-taken_on": timezone.localdate().isoformat(),
            "exam-score": "90",
            "exam-pass_mark": "60",
        },
    )
    assert response.status_code == 302
    rookie.refresh_from_db()
    assert rookie.is_certified()
