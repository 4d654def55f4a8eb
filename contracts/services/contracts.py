"""Writes of the contracts app (STYLE.md rule 2): one transaction per service."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.dates import add_days, add_years
from servicedesk.core.exceptions import ApplicationError, raise_field_errors
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.signatures import upload_check

from ..choices import ContractState, DocumentKind, FirstVisitState, PeriodKind
from ..models import (
    Contract,
    ContractDocument,
    Customer,
    FirstVisit,
    ServicePeriod,
    ServiceUsage,
)

RENEWAL_NOTICE_DAYS = 30


def _fail(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


# -- customers ----------------------------------------------------------------------


def customer_save(*, customer: Customer, by: Any) -> Customer:
    """Create or update a customer (forms and imports validate fields first)."""
    customer.full_clean()
    customer._history_user = by
    customer.save()
    return customer


# -- contracts ----------------------------------------------------------------------


#: A service period is bought for at most this many years, within these dates: a typo
#: (9999-12-31) would otherwise be accepted and then break every date computation.
PERIOD_MAX_YEARS = 10
PERIOD_FIRST_DAY, PERIOD_LAST_DAY = dt.date(1990, 1, 1), dt.date(2099, 12, 31)


def service_period_errors(
    *, contract: Contract, starts_on: dt.date, ends_on: dt.date, confirm_gap: bool = False
) -> dict[str, list[str]]:
    """Why a period cannot be added to ``contract``: dates out of range, ends before it
    starts, longer than ``PERIOD_MAX_YEARS``, overlaps another period, or leaves days
    without service after the previous one and the gap is not confirmed."""
    errors: dict[str, list[str]] = {}
    for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not PERIOD_FIRST_DAY <= day <= PERIOD_LAST_DAY:
            errors[name] = [
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": PERIOD_FIRST_DAY.isoformat(), "last": PERIOD_LAST_DAY.isoformat()}
            ]
    if errors:
        return errors
    limit = add_years(starts_on, PERIOD_MAX_YEARS)
    if ends_on < starts_on:
        errors["ends_on"] = [_("The period must end on or after its start.")]
    elif limit is not None and ends_on >= limit:
        errors["ends_on"] = [
            _("A service period lasts at most %(years)s years: it would end by %(last)s.")
            % {"years": PERIOD_MAX_YEARS, "last": add_days(limit, -1).isoformat()}
        ]
    if "ends_on" in errors and ends_on < starts_on:
        return errors
    if contract.periods.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        errors["starts_on"] = [_("The period overlaps an existing service period.")]
    if errors:
        return errors
    previous = contract.periods.filter(ends_on__lt=starts_on).aggregate(last=Max("ends_on"))
    last = previous["last"]
    if last is not None and (starts_on - last).days > 1 and not confirm_gap:
        errors["confirm_gap"] = [
            _(
                "No service for %(days)s days (%(first)s – %(last)s) between the previous "
                "period and this one. Confirm the gap to add the period anyway."
            )
            % {
                "days": (starts_on - last).days - 1,
                "first": add_days(last, 1).isoformat(),
                "last": add_days(starts_on, -1).isoformat(),
            }
        ]
    return errors


def contract_add_period(
    *,
    contract: Contract,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    by: Any,
    amount: Decimal | None = None,
    confirm_gap: bool = False,
) -> ServicePeriod:
    raise_field_errors(
        service_period_errors(
            contract=contract, starts_on=starts_on, ends_on=ends_on, confirm_gap=confirm_gap
        )
    )
    period = ServicePeriod(
        contract=contract,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        amount=amount,
        created_by=by,
    )
    period._history_user = by
    period.save()
    return period


def _least_busy(role: str) -> Any:
    """The active member of ``role`` with the fewest open first visits."""
    user_model = get_user_model()
    return (
        user_model.objects.filter(groups__name=role, is_active=True)
        .annotate(
            open_visits=Count(
                "first_visits", filter=~Q(first_visits__state=FirstVisitState.COMPLETED)
            )
        )
        .order_by("open_visits", "pk")
        .first()
    )


def contract_sign(contract: Contract, *, by: Any, today: dt.date | None = None) -> Contract:
    """Sign: create the first visit, file the documents, announce ``contract_signed``.

    DESIGN.md §5: signing needs sales manager, dates, amount, scope and service level
    (the transition's condition). When the free period has begun the contract goes
    straight into service.
    """
    today = today or timezone.localdate()
    problems = contract.signing_problems()
    if problems:
        raise ApplicationError(
            _("The contract cannot be signed yet: it needs %(missing)s.")
            % {"missing": "、".join(problems)},
            extra={"non_field_errors": [_("Missing: %(m)s") % {"m": "、".join(problems)}]},
        )
    with transaction.atomic():
        contract = transition_run(instance=contract, name="sign", by=by)
        if contract.periods.filter(starts_on__lte=today).exists():
            contract = transition_run(instance=contract, name="start_service", by=None)
        agent = _least_busy(Role.FIRST_VISIT_AGENT)
        visit = FirstVisit(contract=contract, customer=contract.customer, agent=agent)
        visit._history_user = by
        visit.save()
        contract.documents.filter(filed_at__isnull=True).update(filed_at=timezone.now())
        event_record(
            kind="contract_signed",
            target=contract,
            actor=by,
            data={
                "includes_implementation": contract.includes_implementation,
                "first_visit": visit.pk,
            },
        )
        if agent is not None:
            notifications_create(
                recipients=[agent],
                kind="first_visit",
                title=_("First visit: %(customer)s") % {"customer": contract.customer},
                body=_("Contract %(number)s was signed; verify the customer's data.")
                % {"number": contract.number},
                url=visit.get_absolute_url(),
                target=visit,
            )
    return contract


def contract_renew(
    contract: Contract,
    *,
    by: Any,
    starts_on: dt.date,
    ends_on: dt.date,
    amount: Decimal | None = None,
    confirm_gap: bool = False,
) -> Contract:
    """A renewal adds a paid period and returns the contract to service (seed 001 §5);
    days without service since the previous period need ``confirm_gap``."""
    with transaction.atomic():
        contract = transition_run(
            instance=contract,
            name="renew",
            by=by,
            event_data={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
        contract_add_period(
            contract=contract,
            kind=PeriodKind.PAID,
            starts_on=starts_on,
            ends_on=ends_on,
            amount=amount,
            by=by,
            confirm_gap=confirm_gap,
        )
    return contract


def contract_terminate(contract: Contract, *, by: Any, reason: str) -> Contract:
    if not (reason or "").strip():
        raise _fail("reason", _("Give the reason for terminating the contract."))
    with transaction.atomic():
        return transition_run(
            instance=contract,
            name="terminate",
            by=by,
            kwargs={"reason": reason.strip()},
            update_fields=["terminated_reason"],
            reason=reason.strip()[:100],
        )


def contract_document_upload(
    *, contract: Contract, kind: str, file: Any, by: Any
) -> ContractDocument:
    if kind not in DocumentKind.values:
        raise _fail("kind", _("Choose the kind of document."))
    if kind == DocumentKind.FULL and not by.has_perm("contracts.view_full_copy"):
        raise _fail("kind", _("Only management and sales file the full copy."))
    data = file.read()
    ext = upload_check(data, getattr(file, "name", ""))
    document = ContractDocument(
        contract=contract,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        filed_at=timezone.now() if contract.state != ContractState.DRAFT else None,
    )
    document.file.save(f"{contract.number}.{ext}", ContentFile(data), save=False)
    document._history_user = by
    document.save()
    return document


def service_usage_record(
    *, contract: Contract, service_type: str, on: dt.date, source: models.Model | None = None
) -> ServiceUsage:
    """Count one use of a service against the contract's quota (idempotent per source)."""
    from django.contrib.contenttypes.models import ContentType

    if source is not None:
        usage, _created = ServiceUsage.objects.get_or_create(
            contract=contract,
            service_type=service_type,
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
            defaults={"used_on": on},
        )
        return usage
    return ServiceUsage.objects.create(contract=contract, service_type=service_type, used_on=on)


# -- scheduled work -------------------------------------------------------------------


def contracts_update_service_states(*, today: dt.date | None = None) -> dict[str, int]:
    """Daily: signed contracts whose period began go into service; contracts whose last
    period ended become expired. Idempotent: a second run finds nothing to do."""
    today = today or timezone.localdate()
    started = expired = 0
    to_start = Contract.objects.filter(
        state=ContractState.SIGNED, periods__starts_on__lte=today
    ).distinct()
    for contract in to_start:
        with transaction.atomic():
            transition_run(instance=contract, name="start_service", by=None)
            started += 1
    to_expire = (
        Contract.objects.filter(state=ContractState.IN_SERVICE)
        .annotate(last_day=Max("periods__ends_on"))
        .filter(Q(last_day__lt=today) | Q(last_day__isnull=True))
    )
    for contract in to_expire:
        with transaction.atomic():
            transition_run(instance=contract, name="expire", by=None)
            expired += 1
    return {"started": started, "expired": expired}


def renewal_reminders_send(*, today: dt.date | None = None) -> int:
    """30 days before the last period ends, the sales manager is told to renew (once)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=RENEWAL_NOTICE_DAYS)
    due = (
        Contract.objects.filter(state=ContractState.IN_SERVICE)
        .annotate(last_day=Max("periods__ends_on"))
        .filter(last_day__gte=today, last_day__lte=horizon)
        .select_related("customer", "sales_manager")
    )
    sent = 0
    with transaction.atomic():
        for contract in due:
            recipient = contract.sales_manager or contract.customer.sales_manager
            sent += len(
                notifications_create(
                    recipients=[recipient],
                    kind="renewal",
                    title=_("Renewal due: %(customer)s (%(number)s)")
                    % {"customer": contract.customer, "number": contract.number},
                    body=_("The service period ends on %(date)s.")
                    % {"date": contract.last_day.isoformat()},
                    url=contract.get_absolute_url(),
                    target=contract,
                    dedupe_key=f"renewal:{contract.pk}:{contract.last_day.isoformat()}",
                )
            )
    return sent


def contract_save_draft(
    *,
    by: Any,
    data: dict[str, Any],
    contract: Contract | None = None,
) -> Contract:
    """Create or edit a draft contract with its scope, free period and own rates."""
    from ..models import ChargeRate, ServiceScopeItem

    if contract is not None and contract.state != ContractState.DRAFT:
        raise _fail("non_field_errors", _("Only a draft contract can be edited."))
    scope = data.pop("scope_items", None)
    free = data.pop("free_period", None)
    rates = data.pop("charge_rates", None)
    with transaction.atomic():
        contract = contract or Contract()
        for name, value in data.items():
            setattr(contract, name, value)
        contract._history_user = by
        contract.save()
        if scope is not None:
            contract.scope_items.all().delete()
            ServiceScopeItem.objects.bulk_create(
                ServiceScopeItem(contract=contract, **item) for item in scope
            )
        if free is not None:
            free = {k: v for k, v in free.items() if k != "kind"}  # always the free period
            contract.periods.filter(kind=PeriodKind.FREE).delete()
            contract_add_period(contract=contract, kind=PeriodKind.FREE, by=by, **free)
        if rates is not None:
            contract.charge_rates.all().delete()
            ChargeRate.objects.bulk_create(ChargeRate(contract=contract, **r) for r in rates)
    return contract
