"""Reads for first visits and revisits: worklists, search and the verification sheet.

Every query starts from ``restrict(user)`` so a first-visit agent sees only their own
visits (``FirstVisit.scope_for_user``) and nobody sees what their role may not read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.choices import Role

from .choices import FirstVisitState, RevisitReason, RevisitState
from .models import (
    VERIFIABLE_FIELDS,
    Contact,
    FirstVisit,
    FirstVisitNeed,
    InstalledProduct,
    Revisit,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User

#: What the agent reads out for each verifiable field (docs/domain.md §first-visit.verify:
#: 单位全称、联系人、单位电话、手机、邮箱、公司网址、软件版本号、软件模块信息、加密锁号).
VERIFIABLE_LABELS: dict[str, Any] = {
    "customer.name": _("Full legal name"),
    "contact.name": _("Contact person"),
    "contact.phone": _("Office phone"),
    "contact.mobile": _("Mobile"),
    "contact.email": _("E-mail"),
    "customer.website": _("Website"),
    "product.version": _("Software version"),
    "product.modules": _("Software modules"),
    "product.licence_number": _("Dongle / licence number"),
}

#: Roles whose revisit worklist shows everybody's revisits, not only their own.
REVISIT_MANAGERS = {Role.SERVICE_MANAGER, Role.DIRECTOR}

_STATE_ORDER = Case(
    When(state=FirstVisitState.PENDING, then=Value(0)),
    When(state=FirstVisitState.VERIFYING, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# -- first visits ------------------------------------------------------------------------


def first_visits_for(user: User, *, search: str = "", state: str = "") -> QuerySet[FirstVisit]:
    """The first-visit worklist: an agent's own visits, every visit for managers.

    Open visits first (pending, then verifying), newest first. docs/domain.md §first-visit.verify:
    "首访结束后，所有用户首访信息均可查询" — ``search`` looks in the customer's names, the
    contract number, the notes and the needs recorded.
    """
    qs = (
        FirstVisit.objects.restrict(user)
        .select_related("customer", "contract", "agent")
        .annotate(
            needs_total=Count("needs"),
            needs_unrouted=Count("needs", filter=Q(needs__routed_at__isnull=True)),
            state_order=_STATE_ORDER,
        )
        .order_by("state_order", "-created_at", "-pk")
    )
    if state in FirstVisitState.values:
        qs = qs.filter(state=state)
    search = (search or "").strip()
    if search:
        need_matches = FirstVisitNeed.objects.filter(
            first_visit=OuterRef("pk"), description__icontains=search
        )
        qs = qs.filter(
            Q(customer__name__icontains=search)
            | Q(customer__short_name__icontains=search)
            | Q(contract__number__icontains=search)
            | Q(notes__icontains=search)
            | Exists(need_matches)
        )
    return qs


def first_visit_get(user: User, pk: int) -> FirstVisit:
    """One visit the user may see (``DoesNotExist`` otherwise), with its needs."""
    return (
        FirstVisit.objects.restrict(user)
        .select_related("customer", "customer__sales_manager", "contract", "agent")
        .prefetch_related("needs")
        .get(pk=pk)
    )


def first_visit_targets(visit: FirstVisit) -> dict[str, Any]:
    """The records the verifiable fields live on: the customer, its primary contact
    (else its first contact) and the installed product of this contract (else the
    customer's first one). Missing ones are ``None``."""
    contact = (
        Contact.objects.filter(customer_id=visit.customer_id).order_by("-is_primary", "pk").first()
    )
    products = InstalledProduct.objects.filter(customer_id=visit.customer_id)
    product = (
        products.filter(Q(contract_id=visit.contract_id)).order_by("pk").first()
        or products.order_by("pk").first()
    )
    return {"customer": visit.customer, "contact": contact, "product": product}


@dataclass(frozen=True)
class VerificationRow:
    key: str
    label: Any
    value: str
    mark: str  # "checked", "corrected" or "" (not yet verified)
    record_missing: bool


def verification_rows(
    visit: FirstVisit, targets: dict[str, Any] | None = None
) -> list[VerificationRow]:
    """Each verifiable field with its current value and the agent's mark."""
    targets = targets if targets is not None else first_visit_targets(visit)
    rows = []
    for key in VERIFIABLE_FIELDS:
        prefix, field = key.split(".", 1)
        record = targets.get(prefix)
        value = getattr(record, field, "") if record is not None else ""
        rows.append(
            VerificationRow(
                key=key,
                label=VERIFIABLE_LABELS.get(key, key),
                value=value or "",
                mark=(visit.checks or {}).get(key, ""),
                record_missing=record is None,
            )
        )
    return rows


def unverified_fields(visit: FirstVisit) -> list[str]:
    """The verifiable fields not yet marked checked or corrected (no query)."""
    checks = visit.checks or {}
    return [key for key in VERIFIABLE_FIELDS if checks.get(key) not in ("checked", "corrected")]


# -- revisits ----------------------------------------------------------------------------


def revisit_sees_all(user: User) -> bool:
    """Service managers (and the director) plan and check everybody's revisits."""
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[str(r) for r in REVISIT_MANAGERS]).exists()


def revisits_for(user: User) -> QuerySet[Revisit]:
    """Every revisit the user may read, shaped for lists."""
    return Revisit.objects.restrict(user).select_related(
        "customer", "contract", "assignee", "source_type"
    )


def revisit_get(user: User, pk: int) -> Revisit:
    return revisits_for(user).get(pk=pk)


def revisits_worklist(
    user: User, today: dt.date, *, upcoming_days: int = 0, sees_all: bool | None = None
) -> QuerySet[Revisit]:
    """Scheduled revisits due by ``today`` (overdue ones included), or also the next
    ``upcoming_days``: the user's own, or everybody's for the service manager."""
    qs = revisits_for(user).filter(
        state=RevisitState.SCHEDULED, due_on__lte=today + dt.timedelta(days=upcoming_days)
    )
    if not (revisit_sees_all(user) if sees_all is None else sees_all):
        qs = qs.filter(assignee=user)
    return qs.order_by("due_on", "pk")


def revisits_closed(user: User, *, state: str, sees_all: bool | None = None) -> QuerySet[Revisit]:
    """Done or missed revisits, latest first (the user's own unless they see all)."""
    qs = revisits_for(user).filter(state=state)
    if not (revisit_sees_all(user) if sees_all is None else sees_all):
        qs = qs.filter(assignee=user)
    return qs.order_by("-due_on", "-pk")


@dataclass(frozen=True)
class MonthSatisfaction:
    """Customer satisfaction of one month (docs/domain.md §revisit.survey)."""

    month: dt.date  # the first day of the month
    answers: int  # revisits recorded with a score: calls and online surveys
    average: float | None  # mean score 1–5, one decimal; None without answers
    low: int  # scores of 2 or less
    surveys: int  # of ``answers``, those answered online


def satisfaction_by_month(
    scope: User | None, start: dt.date, end: dt.date, *, customer: Any = None
) -> list[MonthSatisfaction]:
    """Satisfaction per month from ``start``'s month to ``end``'s, every month present
    (zero answers where none): the scores of done revisits — phone calls and the online
    surveys recorded on them. ``scope``: a user (their row scoping) or None (all). One
    aggregate query."""
    qs = Revisit.objects.all() if scope is None else Revisit.objects.restrict(scope)
    if customer is not None:
        qs = qs.filter(customer=customer)
    first = start.replace(day=1)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        qs.filter(
            state=RevisitState.DONE,
            satisfaction__isnull=False,
            done_at__gte=since,
            done_at__lt=until,
        )
        .annotate(month=TruncMonth("done_at", tzinfo=tz))
        .values("month")
        .annotate(
            n=Count("id"),
            avg=Avg("satisfaction"),
            low=Count("id", filter=Q(satisfaction__lte=2)),
            surveys=Count("id", filter=Q(reason=RevisitReason.SURVEY)),
        )
        .order_by("month")
    )
    found = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        found[month] = row
    result = []
    month = first
    while month <= end:
        row = found.get(month)
        result.append(
            MonthSatisfaction(
                month=month,
                answers=row["n"] if row else 0,
                average=round(row["avg"], 1) if row and row["avg"] is not None else None,
                low=row["low"] if row else 0,
                surveys=row["surveys"] if row else 0,
            )
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return result
