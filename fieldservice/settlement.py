"""The monthly partner statement (docs/domain.md §partners.settlement): per partner, the
visits completed in the month by its engineers, the amount by the terms in force on the
first day of the month (person-days × rate, or the agreed share of the after-sales fees),
plus the management fee where we manage the people, minus the penalties for incidents
of the month and the training fees charged that month. Computed from dated records, so
any past month gives the same figures again; printable and exported to Excel.

A constant number of queries for any number of partners and visits
(tests/bench/test_bench_settlement.py): the visits are summed per engineer in the
database."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from servicedesk.core.text import clean_text

from .choices import BillingMode, CooperationModel, DispatchState
from .models import Dispatch, Engineer, Partner
from .models.partners import PartnerPenalty, PartnerTerms, PartnerTraining

if TYPE_CHECKING:
    from servicedesk.core.types import User

CENT = Decimal("0.01")
ZERO = Decimal(0)
DEFAULT_FREE_TRAINING_DAYS = 5


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    """The terms a month is settled with."""

    cooperation_model: str
    billing_mode: str
    person_day_rate: Decimal | None
    fee_share_percent: Decimal | None
    management_fee: Decimal
    valid_from: dt.date | None
    #: the partner's first training is free for this many days
    free_training_days: int = DEFAULT_FREE_TRAINING_DAYS

    @property
    def we_manage(self) -> bool:
        return self.cooperation_model == CooperationModel.WE_MANAGE

    @property
    def by_person_day(self) -> bool:
        return self.billing_mode == BillingMode.PERSON_DAY

    def cooperation_label(self) -> str:
        return str(CooperationModel(self.cooperation_model).label)

    def billing_label(self) -> str:
        return str(BillingMode(self.billing_mode).label)


@dataclass
class EngineerLine:
    engineer: Engineer
    visits: int
    minutes: int
    person_days: Decimal
    fees: Decimal


@dataclass
class Statement:
    partner: Partner
    year: int
    month: int
    terms: Terms
    lines: list[EngineerLine] = field(default_factory=list)
    penalties: list[PartnerPenalty] = field(default_factory=list)
    trainings: list[PartnerTraining] = field(default_factory=list)

    @property
    def number(self) -> str:
        return f"JS{self.year:04d}{self.month:02d}-{self.partner.pk:04d}"

    @property
    def visits(self) -> int:
        return sum(line.visits for line in self.lines)

    @property
    def person_days(self) -> Decimal:
        return sum((line.person_days for line in self.lines), ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((line.fees for line in self.lines), ZERO)

    @property
    def base(self) -> Decimal:
        """Person-days × rate, or the agreed share of the after-sales fees."""
        if self.terms.by_person_day:
            return _money(self.person_days * (self.terms.person_day_rate or ZERO))
        return _money(self.fees * (self.terms.fee_share_percent or ZERO) / 100)

    @property
    def managed_engineers(self) -> int:
        """Engineers who worked this month, where we manage the partner's people."""
        return len(self.lines) if self.terms.we_manage else 0

    @property
    def management_fee(self) -> Decimal:
        return _money(self.terms.management_fee * self.managed_engineers)

    @property
    def penalty_total(self) -> Decimal:
        return sum((p.amount for p in self.penalties), ZERO)

    @property
    def training_total(self) -> Decimal:
        return sum((t.fee for t in self.trainings), ZERO)

    @property
    def net(self) -> Decimal:
        return self.base + self.management_fee - self.penalty_total - self.training_total


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    return first, dt.date(year + (month == 12), month % 12 + 1, 1)


def terms_on(partner: Partner, day: dt.date) -> Terms:
    """The terms in force on ``day``: the latest dated terms from before it, else the
    partner's own billing fields (uses the prefetched ``terms``)."""
    dated = [t for t in partner.terms.all() if t.valid_from <= day]
    if dated:
        t = max(dated, key=lambda row: row.valid_from)
        return Terms(
            t.cooperation_model,
            t.billing_mode,
            t.person_day_rate,
            t.fee_share_percent,
            t.management_fee,
            t.valid_from,
            t.free_training_days,
        )
    return Terms(
        partner.cooperation_model,
        partner.billing_mode,
        partner.person_day_rate,
        partner.fee_share_percent,
        ZERO,
        None,
    )


def statements_month(
    user: User, *, year: int, month: int, partner: int | None = None
) -> list[Statement]:
    """Every partner's statement of the month (one partner's with ``partner``), in a
    constant number of queries."""
    first, nxt = month_bounds(year, month)
    begin = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(nxt, dt.time.min))
    partners_qs = Partner.objects.restrict(user).prefetch_related(
        Prefetch("terms", queryset=PartnerTerms.objects.order_by("valid_from"))
    )
    if partner:
        partners_qs = partners_qs.filter(pk=partner)
    partners = {p.pk: p for p in partners_qs}
    if not partners:
        return []
    sums = (
        Dispatch.objects.filter(
            completed_at__gte=begin,
            completed_at__lt=end,
            engineer__partner_id__in=list(partners),
        )
        .exclude(state=DispatchState.CANCELLED)
        .values("engineer_id")
        .annotate(
            n=Count("pk"),
            minutes=Sum("on_site_minutes"),
            days=Sum("person_days"),
            fees=Sum("service_fee"),
        )
        .order_by()
    )
    rows = list(sums)
    engineers = {
        e.pk: e
        for e in Engineer.objects.select_related("user").filter(
            pk__in=[r["engineer_id"] for r in rows]
        )
    }
    lines: dict[int, list[EngineerLine]] = defaultdict(list)
    for row in rows:
        engineer = engineers[row["engineer_id"]]
        lines[engineer.partner_id].append(
            EngineerLine(
                engineer=engineer,
                visits=row["n"],
                minutes=row["minutes"] or 0,
                person_days=row["days"] or ZERO,
                fees=row["fees"] or ZERO,
            )
        )
    penalties: dict[int, list[PartnerPenalty]] = defaultdict(list)
    for p in (
        PartnerPenalty.objects.filter(
            partner_id__in=list(partners), occurred_on__gte=first, occurred_on__lt=nxt
        )
        .select_related("engineer__user", "dispatch")
        .order_by("occurred_on", "pk")
    ):
        penalties[p.partner_id].append(p)
    trainings: dict[int, list[PartnerTraining]] = defaultdict(list)
    for t in (
        PartnerTraining.objects.filter(
            partner_id__in=list(partners), starts_on__gte=first, starts_on__lt=nxt
        )
        .select_related("rate")
        .order_by("starts_on", "pk")
    ):
        trainings[t.partner_id].append(t)
    out = []
    for pk, p in partners.items():
        out.append(
            Statement(
                partner=p,
                year=year,
                month=month,
                terms=terms_on(p, first),
                lines=sorted(lines.get(pk, []), key=lambda li: str(li.engineer)),
                penalties=penalties.get(pk, []),
                trainings=trainings.get(pk, []),
            )
        )
    out.sort(key=lambda s: str(s.partner))
    return out


# -- printed and exported ----------------------------------------------------------------------


def _yuan(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def statement_document(statement: Statement) -> Any:
    """The partner monthly statement (乙方月度结算单) as a printed form."""
    from servicedesk.core import printing
    from servicedesk.core.printforms import company_header

    s = statement
    terms = s.terms
    basis = (
        _("%(days)s person-days × %(rate)s")
        % {"days": s.person_days, "rate": _yuan(terms.person_day_rate or ZERO)}
        if terms.by_person_day
        else _("%(share)s%% of the after-sales fees %(fees)s")
        % {"share": terms.fee_share_percent, "fees": _yuan(s.fees)}
    )
    blocks: list[Any] = [
        printing.KeyValueGrid(
            rows=[
                (_("Partner company"), s.partner.name, True),
                (_("Month"), f"{s.year}-{s.month:02d}"),
                (_("Cooperation model"), terms.cooperation_label()),
                (_("Billing mode"), terms.billing_label()),
                (
                    _("Terms in force from"),
                    terms.valid_from.isoformat() if terms.valid_from else "—",
                ),
            ],
            columns=2,
        ),
        printing.Heading(_("Visits by engineer")),
        printing.Table(
            header=[
                _("Engineer"),
                _("Visits"),
                _("Hours on site"),
                _("Person-days"),
                _("After-sales fees"),
            ],
            rows=[
                [
                    str(line.engineer),
                    line.visits,
                    f"{Decimal(line.minutes) / 60:.1f}",
                    line.person_days,
                    _yuan(line.fees),
                ]
                for line in s.lines
            ]
            or [[_("No visits this month."), "", "", "", ""]],
            align=["left", "right", "right", "right", "right"],
        ),
        printing.Heading(_("Penalties for incidents")),
        printing.Table(
            header=[_("Date"), _("Engineer"), _("Incident"), pgettext("money", "Amount")],
            rows=[
                [p.occurred_on.isoformat(), str(p.engineer or "—"), p.incident, _yuan(p.amount)]
                for p in s.penalties
            ]
            or [["—", "", _("None."), ""]],
        ),
        printing.Heading(_("Training fees")),
        printing.Table(
            header=[_("From"), _("Course"), _("Days × trainees"), _("Free days"), _("Fee")],
            rows=[
                [
                    t.starts_on.isoformat(),
                    t.rate.course,
                    f"{t.days} × {t.trainees}",
                    t.free_days,
                    _yuan(t.fee),
                ]
                for t in s.trainings
            ]
            or [["—", _("None."), "", "", ""]],
        ),
        printing.Heading(pgettext("money", "Amount")),
        printing.Table(
            header=[_("Item"), _("Basis"), pgettext("money", "Amount")],
            rows=[
                [_("Services"), basis, _yuan(s.base)],
                [
                    _("Management fee"),
                    _("%(n)s engineers × %(fee)s")
                    % {"n": s.managed_engineers, "fee": _yuan(terms.management_fee)}
                    if terms.we_manage
                    else _("The partner manages its people"),
                    _yuan(s.management_fee),
                ],
                [
                    _("Penalties"),
                    _("%(n)s incidents") % {"n": len(s.penalties)},
                    "-" + _yuan(s.penalty_total),
                ],
                [
                    _("Training fees"),
                    _("%(n)s trainings") % {"n": len(s.trainings)},
                    "-" + _yuan(s.training_total),
                ],
                [_("Payable"), "", _yuan(s.net)],
            ],
            align=["left", "left", "right"],
        ),
    ]
    return printing.FormDocument(
        title=_("Partner monthly statement"),
        number=s.number,
        company=company_header(),
        record_url="",
        meta=[(_("Partner company"), s.partner.short_name or s.partner.name)],
        blocks=blocks,
        signatures=[
            printing.SignatureBox(label=_("Service manager")),
            printing.SignatureBox(label=_("Partner company")),
        ],
    )


def statement_pdf(statement: Statement) -> bytes:
    from servicedesk.core import printing

    return printing.render_pdf(statement_document(statement))


def statements_xlsx(statements: list[Statement], *, year: int, month: int) -> bytes:
    """A workbook: the month's summary, then one sheet per partner with its lines."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    summary = wb.active
    summary.title = _("Summary")[:31]
    bold = Font(bold=True)
    header = [
        _("Partner company"),
        _("Billing mode"),
        _("Visits"),
        _("Person-days"),
        _("After-sales fees"),
        _("Services"),
        _("Management fee"),
        _("Penalties"),
        _("Training fees"),
        _("Payable"),
    ]
    summary.append([_("Partner monthly statement"), f"{year}-{month:02d}"])
    summary.append(header)
    for cell in summary[2]:
        cell.font = bold
    for s in statements:
        summary.append(
            [
                clean_text(s.partner.name),
                clean_text(str(s.terms.billing_label())),
                s.visits,
                float(s.person_days),
                float(s.fees),
                float(s.base),
                float(s.management_fee),
                float(s.penalty_total),
                float(s.training_total),
                float(s.net),
            ]
        )
    for s in statements:
        title = clean_text(s.partner.short_name or s.partner.name)[:20]
        sheet = wb.create_sheet(f"{s.partner.pk}-{title}")
        sheet.append([s.partner.name, f"{year}-{month:02d}", s.number])
        sheet.append(
            [
                _("Engineer"),
                _("Visits"),
                _("Hours on site"),
                _("Person-days"),
                _("After-sales fees"),
            ]
        )
        for line in s.lines:
            sheet.append(
                [
                    str(line.engineer),
                    line.visits,
                    round(line.minutes / 60, 1),
                    float(line.person_days),
                    float(line.fees),
                ]
            )
        sheet.append([])
        sheet.append([_("Penalties"), _("Date"), _("Incident"), pgettext("money", "Amount")])
        for p in s.penalties:
            sheet.append(["", p.occurred_on.isoformat(), p.incident, float(p.amount)])
        sheet.append([])
        for label, value in (
            (_("Services"), s.base),
            (_("Management fee"), s.management_fee),
            (_("Penalties"), -s.penalty_total),
            (_("Training fees"), -s.training_total),
            (_("Payable"), s.net),
        ):
            sheet.append([label, float(value)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
