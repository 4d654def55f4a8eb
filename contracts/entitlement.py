"""Entitlement at intake (docs/domain.md §entitlement): is a request free, charged or to be
decided? Every intake (tickets, dispatches, requirements) asks here.

The check reads a constant number of queries whatever the customer's history: contracts,
with their periods, scope and rates prefetched, plus one count for a quota.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.dates import add_days, add_years, month_end

from .choices import ContractState, EntitlementResult, PeriodKind, QuotaPeriod, ServiceType
from .models import ChargeRate, Contract, Customer, ServicePeriod, ServiceUsage

COUNTED_STATES = [ContractState.SIGNED, ContractState.IN_SERVICE, ContractState.EXPIRED]


@dataclass
class Charge:
    unit: str
    unit_display: str
    price: Decimal
    note: str = ""
    source: str = "contract"  # "contract" or "standard" (the company's charging standard)


@dataclass
class Entitlement:
    result: str
    reason: str
    code: str
    contract: Contract | None = None
    period: ServicePeriod | None = None
    charge: Charge | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def result_display(self) -> str:
        return str(EntitlementResult(self.result).label)

    @property
    def routes_to_sales(self) -> bool:
        """Out of scope → the sales manager negotiates (docs/domain.md §hotline.commercial)."""
        return self.result == EntitlementResult.OUT_OF_SCOPE

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "reason": self.reason,
            "code": self.code,
            "contract": self.contract.pk if self.contract else None,
            "period": (
                {
                    "kind": self.period.kind,
                    "starts_on": self.period.starts_on,
                    "ends_on": self.period.ends_on,
                }
                if self.period
                else None
            ),
            "charge": asdict(self.charge) if self.charge else None,
        }


def _as_date(on: dt.date | dt.datetime | None) -> dt.date:
    if on is None:
        return timezone.localdate()
    if isinstance(on, dt.datetime):
        return timezone.localtime(on).date() if timezone.is_aware(on) else on.date()
    return on


def _contracts(customer: Customer | int, only: Contract | None) -> list[Contract]:
    qs = Contract.objects.filter(state__in=COUNTED_STATES)
    qs = qs.filter(pk=only.pk) if only is not None else qs.filter(customer=customer)
    return list(
        qs.prefetch_related(
            Prefetch("periods", queryset=ServicePeriod.objects.order_by("starts_on")),
            "scope_items",
            # not the charge rates: only a charged request reads them (one query then),
            # and most requests are in scope (docs/architecture.md §boards)
        ).order_by("-signed_on", "-id")
    )


def _standard_rates() -> list[ChargeRate]:
    return list(ChargeRate.objects.filter(contract__isnull=True))


def _charge(
    contract: Contract | None, service_type: str, standard: list[ChargeRate] | None
) -> Charge | None:
    def pick(rates: list[ChargeRate]) -> ChargeRate | None:
        typed = [r for r in rates if r.service_type == service_type]
        general = [r for r in rates if not r.service_type]
        return (typed or general or [None])[0]

    rate = pick(list(contract.charge_rates.all())) if contract is not None else None
    source = "contract"
    if rate is None:
        rate = pick(standard if standard is not None else _standard_rates())
        source = "standard"
    if rate is None:
        return None
    return Charge(rate.unit, str(rate.get_unit_display()), rate.price, rate.note, source)


def _quota_window(item, period: ServicePeriod, day: dt.date) -> tuple[dt.date, dt.date]:
    if item.quota_period == QuotaPeriod.PERIOD:
        return period.starts_on, period.ends_on
    if item.quota_period == QuotaPeriod.MONTH:
        return day.replace(day=1), month_end(day)
    if item.quota_period == QuotaPeriod.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = day.replace(month=first_month, day=1)
        return start, month_end(start.replace(month=first_month + 2))
    # Contract years count from the period's start (a contract year, not a calendar year);
    # computed without overflow whatever the stored dates (servicedesk/core/dates.py).
    years = max(day.year - period.starts_on.year - 1, 0)
    while (following := add_years(period.starts_on, years + 1)) is not None and following <= day:
        years += 1
    start = add_years(period.starts_on, years) or period.starts_on
    following = add_years(period.starts_on, years + 1)
    end = add_days(following, -1) if following else None
    return start, end or dt.date.max


def entitlement_check(
    *,
    customer: Customer | int | None,
    service_type: str,
    on: dt.date | dt.datetime | None = None,
    contract: Contract | None = None,
) -> Entitlement:
    """customer + moment + service type → in_scope / out_of_scope / undetermined, with why."""
    day = _as_date(on)
    label = str(ServiceType(service_type).label) if service_type in ServiceType.values else ""
    if not label:
        return Entitlement(
            EntitlementResult.UNDETERMINED,
            _("Unknown service type “%(type)s”: the arbiter decides.") % {"type": service_type},
            "unknown_service_type",
        )
    if customer is None and contract is None:
        return Entitlement(
            EntitlementResult.UNDETERMINED,
            _("The customer is not identified yet: the arbiter decides."),
            "no_customer",
        )
    contracts = _contracts(customer, contract)
    if not contracts:
        return Entitlement(
            EntitlementResult.UNDETERMINED,
            _("No contract found for this customer: the arbiter decides."),
            "no_contract",
        )
    covering = [(c, p) for c in contracts for p in c.periods.all() if p.covers(day)]
    if not covering:
        ended = [(p.ends_on, c, p) for c in contracts for p in c.periods.all() if p.ends_on < day]
        standard = _standard_rates()
        if ended:
            ends_on, last_contract, last_period = max(ended, key=lambda x: x[0])
            free = last_period.kind == PeriodKind.FREE
            reason = (
                _("The free service period ended on %(date)s: the sales manager negotiates.")
                if free
                else _("The paid service period ended on %(date)s: the sales manager negotiates.")
            )
            return Entitlement(
                EntitlementResult.OUT_OF_SCOPE,
                reason % {"date": ends_on.isoformat()},
                "expired",
                last_contract,
                last_period,
                _charge(last_contract, service_type, standard),
                {"ended_on": ends_on.isoformat()},
            )
        first = min(
            ((p.starts_on, c) for c in contracts for p in c.periods.all()),
            default=(None, contracts[0]),
        )
        reason = (
            _("Service starts on %(date)s: no active service period.") % {"date": first[0]}
            if first[0]
            else _("The contract has no service period.")
        )
        return Entitlement(
            EntitlementResult.OUT_OF_SCOPE,
            reason,
            "no_active_period",
            first[1],
            None,
            _charge(first[1], service_type, standard),
        )
    # Prefer a covering contract that includes the type.
    covering.sort(
        key=lambda cp: not any(s.service_type == service_type for s in cp[0].scope_items.all())
    )
    current, period = covering[0]
    items = list(current.scope_items.all())
    if not items:
        return Entitlement(
            EntitlementResult.UNDETERMINED,
            _("Contract %(number)s has no service scope recorded: the arbiter decides.")
            % {"number": current.number},
            "no_scope",
            current,
            period,
        )
    item = next((s for s in items if s.service_type == service_type), None)
    if item is None:
        return Entitlement(
            EntitlementResult.OUT_OF_SCOPE,
            _("%(type)s is not covered by contract %(number)s.")
            % {"type": label, "number": current.number},
            "type_not_covered",
            current,
            period,
            _charge(current, service_type, None),
        )
    if item.quota:
        start, end = _quota_window(item, period, day)
        used = ServiceUsage.objects.filter(
            contract=current, service_type=service_type, used_on__range=(start, end)
        ).count()
        if used >= item.quota:
            return Entitlement(
                EntitlementResult.OUT_OF_SCOPE,
                _("The quota of %(quota)s %(type)s %(per)s is used up (%(start)s–%(end)s).")
                % {
                    "quota": item.quota,
                    "type": label,
                    "per": item.get_quota_period_display(),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
                "quota_used_up",
                current,
                period,
                _charge(current, service_type, None),
                {"quota": item.quota, "used": used},
            )
    return Entitlement(
        EntitlementResult.IN_SCOPE,
        _("Covered by contract %(number)s (%(period)s until %(end)s).")
        % {
            "number": current.number,
            "period": period.get_kind_display(),
            "end": period.ends_on.isoformat(),
        },
        "in_scope",
        current,
        period,
    )


#: The quota window of a scope item on a day, for other apps planning ahead (routine
#: inspection schedules, docs/domain.md §inspection.generate).
quota_window = _quota_window
