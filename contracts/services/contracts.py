"""Writes of the contracts app, one transaction per service (docs/architecture.md §layers)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.dates import add_days, add_years
from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import history_reason, history_user, save_with_history
from servicedesk.core.services.signatures import upload_check

from ..choices import ContractState, DocumentKind, NoticeChannel, PeriodKind, RenewalOutcome
from ..models import (
    Contact,
    Contract,
    ContractDocument,
    Customer,
    RenewalDecision,
    ServicePeriod,
    ServiceUsage,
)
from .visits import first_visit_create

if TYPE_CHECKING:
    from servicedesk.core.types import User

RENEWAL_NOTICE_DAYS = 30


def _fail(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


# -- customers ----------------------------------------------------------------------


def customer_save(*, customer: Customer, by: User) -> Customer:
    """Create or update a customer (forms and imports validate fields first)."""
    customer.full_clean()
    history_user(customer, by)
    customer.save()
    return customer


MOBILE = re.compile(r"^(?:\+?86)?1\d{10}$")


def customer_register_caller(
    *, by: User, name: str, contact_name: str, phone: str, note: str = ""
) -> Customer:
    """Record a caller the archive does not know as a new customer (docs/domain.md
    §hotline.unknown-caller: a request is never refused): the company, the caller as its main
    contact with the number they called from, and a first visit to verify the rest (docs/domain.md
    §first-visit.verify).

    Field errors are keyed ``name``, ``contact_name`` and ``phone``. The caller checks the
    permission: recording the caller is part of taking the call (``tickets.add_ticket``),
    which hotline engineers hold without the right to edit the customer archive.
    """
    name, contact_name, phone = ((v or "").strip() for v in (name, contact_name, phone))
    errors: dict[str, list[str]] = {}
    limits = {
        "name": (name, Customer, "name", _("The company's name.")),
        "contact_name": (contact_name, Contact, "name", _("Who called?")),
        "phone": (phone, Contact, "phone", _("The caller's phone number.")),
    }
    for field, (value, model, model_field, required) in limits.items():
        limit = cast(models.CharField, model._meta.get_field(model_field)).max_length or 0
        if not value:
            errors[field] = [required]
        elif len(value) > limit:
            errors[field] = [
                _("At most %(limit)s characters (%(count)s given).")
                % {"limit": limit, "count": len(value)}
            ]
    known = _("“%(name)s” is already a customer: find it by name and pick it.") % {"name": name}
    if "name" not in errors and Customer.objects.filter(name__iexact=name).exists():
        errors["name"] = [known]
    raise_field_errors(errors)
    is_mobile = bool(MOBILE.match(re.sub(r"[\s-]", "", phone)))
    with transaction.atomic():
        customer = Customer(name=name, phone="" if is_mobile else phone)
        history_user(customer, by)
        history_reason(customer, "recorded from a call")
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:  # recorded by another engineer a moment ago
            raise_field_errors({"name": [known]})
        contact = Contact(
            customer=customer,
            name=contact_name,
            is_primary=True,
            mobile=phone if is_mobile else "",
            phone="" if is_mobile else phone,
        )
        save_with_history(contact, by=by, reason="recorded from a call")
        first_visit_create(
            customer=customer,
            by=by,
            reason=note or _("A new customer recorded from a hotline call: verify their data."),
        )
        event_record(
            kind="customer.registered_from_call",
            target=customer,
            actor=by,
            data={"contact": contact.pk},
        )
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
            % {"years": PERIOD_MAX_YEARS, "last": _iso(add_days(limit, -1))}
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
                "first": _iso(add_days(last, 1)),
                "last": _iso(add_days(starts_on, -1)),
            }
        ]
    return errors


def contract_add_period(
    *,
    contract: Contract,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    by: User,
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
    history_user(period, by)
    period.save()
    return period


def contract_sign(contract: Contract, *, by: User, today: dt.date | None = None) -> Contract:
    """Sign: create the first visit, file the documents, announce ``contract_signed``.

    docs/domain.md §contract.sign: signing needs sales manager, dates, amount, scope, service level
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
        visit = first_visit_create(
            customer=contract.customer,
            contract=contract,
            by=by,
            reason=_("Contract %(number)s was signed; verify the customer's data.")
            % {"number": contract.number},
        )
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
    return contract


def contract_renew(
    contract: Contract,
    *,
    by: User,
    starts_on: dt.date,
    ends_on: dt.date,
    amount: Decimal | None = None,
    confirm_gap: bool = False,
) -> Contract:
    """A renewal adds a paid period and returns the contract to service (docs/domain.md
    §contract.renewal); days without service since the previous period need
    ``confirm_gap``."""
    with transaction.atomic():
        ended = _last_day(contract)
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
        if ended is not None:
            _renewal_record_bought(contract, by=by, period_end=ended, until=ends_on)
    return contract


# -- the end of a service period (docs/domain.md §contract.period-end) --------------------


def _iso(day: dt.date | None) -> str:
    """A day within the periods' range (``add_days`` is ``None`` only past year 9999)."""
    return day.isoformat() if day is not None else ""


def _last_day(contract: Contract) -> dt.date | None:
    return contract.periods.aggregate(last=Max("ends_on"))["last"]


def _people(*roles: str) -> list[User]:
    from servicedesk.core.selectors import users_in_roles

    return list(users_in_roles(*roles))


def _told(recipients: list[User]) -> list[str]:
    from servicedesk.core.people import display_name

    return sorted({display_name(u) for u in recipients if u is not None and u.is_active})


def _renewal_record_bought(
    contract: Contract, *, by: User, period_end: dt.date, until: dt.date
) -> RenewalDecision:
    """docs/domain.md §contract.period-end: a renewal bought is told to the company heads and the
    service staff; service then goes on as during the service period (the manual's 五.3)."""
    recipients = _people(Role.DIRECTOR, Role.SERVICE_MANAGER, Role.HOTLINE_ENGINEER)
    decision = RenewalDecision.objects.filter(
        contract=contract, period_end=period_end
    ).first() or RenewalDecision(contract=contract, period_end=period_end)
    decision.outcome = RenewalOutcome.RENEWED
    decision.note = _("Renewed until %(date)s.") % {"date": until.isoformat()}
    decision.decided_by = by
    decision.told = _told(recipients)
    save_with_history(decision, by=by, reason="renewed")
    notifications_create(
        recipients=recipients,
        kind="contract_renewed",
        title=_("Service bought: %(customer)s (%(number)s) until %(date)s")
        % {"customer": contract.customer, "number": contract.number, "date": until.isoformat()},
        body=_("Requests are served as during the service period."),
        url=contract.get_absolute_url(),
        target=contract,
    )
    return decision


def renewal_notice_text(contract: Contract, period_end: dt.date) -> str:
    """What the customer is told when they do not renew (docs/domain.md §contract.period-end)."""
    return _(
        "The service period of contract %(number)s ended on %(date)s. From now on, a service "
        "request is passed to our company's heads and your sales manager, who agrees with "
        "you whether and how it is charged."
    ) % {"number": contract.number, "date": period_end.isoformat()}


def not_renewed_blocker(
    contract: Contract, *, last_day: dt.date | None, today: dt.date
) -> str | None:
    """Why the end of the service period ending ``last_day`` cannot be recorded as not
    renewed now, or ``None``: only in service or expired, in the period's last 30 days or
    after it, and once."""
    if contract.state not in (ContractState.IN_SERVICE, ContractState.EXPIRED) or last_day is None:
        return _("Only a contract in service or expired.")
    if last_day > today + dt.timedelta(days=RENEWAL_NOTICE_DAYS):
        return _("The service period runs until %(date)s: decide in its last 30 days.") % {
            "date": last_day.isoformat()
        }
    if contract.renewal_decisions.filter(period_end=last_day).exists():
        return _("The end of the period on %(date)s is already recorded.") % {
            "date": last_day.isoformat()
        }
    return None


def contract_not_renewed(
    contract: Contract,
    *,
    by: User,
    channel: str,
    contact: Contact | None = None,
    note: str = "",
    notice_text: str = "",
    today: dt.date | None = None,
) -> RenewalDecision:
    """The customer does not buy service after the period (docs/domain.md §contract.period-end): the
    decision is recorded on the contract, the company heads are told, and the customer is
    told what happens to later requests — by a printed letter (the contract's form
    ``renewal_notice``) or by an e-mail to the contact, sent when the transaction commits."""
    if by is None or not by.has_perm("contracts.renew_contract"):
        raise NotPermitted(_("You may not perform this action."))
    ended = _last_day(contract)
    raise_field_errors(
        _not_renewed_errors(
            contract,
            ended=ended,
            today=today or timezone.localdate(),
            channel=channel,
            contact=contact,
        )
    )
    assert ended is not None  # not_renewed_blocker refuses a contract without a period
    text = (notice_text or "").strip() or renewal_notice_text(contract, ended)
    if contact is None:
        contact = contract.customer.contacts.order_by("-is_primary", "pk").first()
    recipients = _people(Role.DIRECTOR)
    with transaction.atomic():
        decision = _decision_save(
            RenewalDecision(
                contract=contract,
                period_end=ended,
                outcome=RenewalOutcome.NOT_RENEWED,
                note=(note or "").strip(),
                notice_channel=channel,
                notice_contact=contact,
                notice_text=text,
                told=_told(recipients),
                decided_by=by,
            ),
            by=by,
        )
        event_record(
            kind="contract.not_renewed",
            target=contract,
            actor=by,
            data={"period_end": ended.isoformat(), "channel": channel, "decision": decision.pk},
        )
        notifications_create(
            recipients=recipients,
            kind="contract_not_renewed",
            title=_("Not renewed: %(customer)s (%(number)s), service ended %(date)s")
            % {"customer": contract.customer, "number": contract.number, "date": ended.isoformat()},
            body=text,
            url=contract.get_absolute_url(),
            target=contract,
        )
        if channel == NoticeChannel.EMAIL:
            transaction.on_commit(lambda: renewal_notice_email_send(decision_id=decision.pk))
    return decision


def _not_renewed_errors(
    contract: Contract,
    *,
    ended: dt.date | None,
    today: dt.date,
    channel: str,
    contact: Contact | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    blocker = not_renewed_blocker(contract, last_day=ended, today=today)
    if blocker is not None:
        errors["non_field_errors"] = [blocker]
    if channel not in NoticeChannel.values:
        errors["channel"] = [_("Choose how the customer is told: a letter or an e-mail.")]
    if contact is not None and contact.customer_id != contract.customer_id:
        errors["contact"] = [_("This contact belongs to another customer.")]
    elif channel == NoticeChannel.EMAIL and (contact is None or not contact.email):
        errors["contact"] = [_("Choose a contact with an e-mail address.")]
    return errors


def _decision_save(decision: RenewalDecision, *, by: User) -> RenewalDecision:
    history_user(decision, by)
    history_reason(decision, "not renewed")
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError:  # recorded by someone else a moment ago
        raise_field_errors(
            {"non_field_errors": [_("The end of this service period is already recorded.")]}
        )
    return decision


def renewal_notice_email_send(*, decision_id: int) -> RenewalDecision:
    """Send the notice to the contact; the result (sent, or why not) is kept on the row."""
    from django.conf import settings
    from django.core.mail import send_mail

    decision = RenewalDecision.objects.select_related("notice_contact", "contract").get(
        pk=decision_id
    )
    contact = decision.notice_contact
    if contact is None or not contact.email:
        decision.notice_error = str(_("The contact has no e-mail address: print the letter."))
    elif not settings.EMAIL_CONFIGURED and not getattr(settings, "EMAIL_ALWAYS_SEND", False):
        decision.notice_error = str(_("E-mail is not set up on this server: print the letter."))
    else:
        try:
            send_mail(
                subject=_("Service period ended: contract %(number)s")
                % {"number": decision.contract.number},
                message=decision.notice_text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[contact.email],
            )
        except Exception as exc:  # the mail server refused: keep why, the letter remains
            decision.notice_error = str(exc)[:300]
        else:
            decision.notice_sent_at = timezone.now()
            decision.notice_error = ""
    history_reason(decision, "notice e-mail")
    decision.save(update_fields=["notice_sent_at", "notice_error"])
    return decision


def contract_terminate(contract: Contract, *, by: User, reason: str) -> Contract:
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
    *, contract: Contract, kind: str, file: Any, by: User
) -> ContractDocument:
    if kind not in DocumentKind.values:
        raise _fail("kind", _("Choose the kind of document."))
    if kind == DocumentKind.FULL and not by.has_perm("contracts.view_full_copy"):
        raise _fail("kind", _("Only management and sales file the full copy."))
    data, ext = upload_check(file)
    document = ContractDocument(
        contract=contract,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        filed_at=timezone.now() if contract.state != ContractState.DRAFT else None,
    )
    document.file.save(f"{contract.number}.{ext}", ContentFile(data), save=False)
    history_user(document, by)
    document.save()
    return document


def service_usage_record(
    *,
    contract: Contract,
    service_type: str,
    on: dt.date,
    source: models.Model | None = None,
    new_source: bool = False,
) -> ServiceUsage:
    """Count one use of a service against the contract's quota (idempotent per source).
    ``new_source``: the source was created in this transaction, so nothing counted it yet
    (no look-up first)."""
    from django.contrib.contenttypes.models import ContentType

    if source is not None and new_source:
        return ServiceUsage.objects.create(
            contract=contract,
            service_type=service_type,
            used_on=on,
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
        )
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
    by: User,
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
        history_user(contract, by)
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


def contract_start_free_period(contract: Contract, *, by: Any, starts_on: dt.date) -> Contract:
    """The free service period starts at the implementation's acceptance when the contract
    says so (docs/domain.md §project.acceptance): its dates move to start on ``starts_on``,
    keeping its length, and the contract enters service when that day has come."""
    if not contract.free_period_from_acceptance:
        raise ApplicationError(_("This contract's free period does not start at acceptance."))
    with transaction.atomic():
        period = contract.periods.select_for_update().filter(kind=PeriodKind.FREE).first()
        if period is None:
            raise ApplicationError(_("The contract has no free service period."))
        length = period.ends_on - period.starts_on
        period.starts_on = starts_on
        period.ends_on = starts_on + length
        save_with_history(
            period, by=by, reason="starts at acceptance", fields=["starts_on", "ends_on"]
        )
        event_record(
            kind="contract.free_period_started",
            target=contract,
            actor=by,
            data={"starts_on": starts_on.isoformat(), "ends_on": period.ends_on.isoformat()},
        )
        contract.refresh_from_db()
        if contract.state == ContractState.SIGNED and starts_on <= timezone.localdate():
            contract = transition_run(instance=contract, name="start_service", by=None)
    return contract
