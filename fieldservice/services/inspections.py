"""Routine inspections (docs/domain.md §inspection): the schedule per contract, the daily
generation of inspection dispatches ahead of time, the checklist filled on site, issues
raised as a ticket or a follow-up dispatch, and the report signed by the customer.

Generation is set-wise (docs/domain.md §inspection.generate): schedules are taken in
batches, each batch one transaction with its rows locked ``SKIP LOCKED`` (two workers
share the work), and its dispatches, their history and events, the inspections and their
checklists are written with one bulk statement each, so the number of queries grows with
the batches, not with the contracts (tests/bench/test_bench_inspections.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.choices import ContractState, EntitlementResult, ServiceType
from contracts.entitlement import quota_window
from contracts.models import Contract, ServicePeriod
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, TransitionConflict, raise_field_errors
from servicedesk.core.models import DomainEvent, Signature
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.transitions import lock

from ..choices import DispatchKind, DispatchSource, DispatchState, Outcome
from ..models import Dispatch, Engineer
from ..models.inspections import (
    DEFAULT_LEAD_DAYS,
    Inspection,
    InspectionItem,
    InspectionSchedule,
    InspectionState,
    ItemResult,
    checklist_for,
    may_work_inspection,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User

INSPECTION_REPORT = "inspection_report"
GENERATION_BATCH = 500
#: Contract states in which inspections are still made (docs/domain.md §inspection.generate).
SERVING_STATES = (ContractState.SIGNED, ContractState.IN_SERVICE)


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


# -- the schedule -----------------------------------------------------------------------


def _fixed_days(value: Any) -> tuple[list[str], list[str]]:
    """``MM-DD`` days from a list or a text separated by commas or spaces."""
    if isinstance(value, str):
        for sep in ("，", "、", ";", "；", " "):
            value = value.replace(sep, ",")
        value = [v for v in value.split(",") if v.strip()]
    days, bad = [], []
    for text in value or []:
        text = str(text).strip()
        try:
            month, day = (int(x) for x in text.split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is a valid fixed day
        except ValueError:
            bad.append(text)
            continue
        days.append(f"{month:02d}-{day:02d}")
    return sorted(set(days)), bad


def _schedule_errors(
    *,
    contract: Contract | None,
    starts_on: dt.date | None,
    frequency_months: int | None,
    days: list[str],
    bad_days: list[str],
    lead_days: int,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if contract is None:
        errors["contract"] = [_("Choose the contract.")]
    elif contract.state not in SERVING_STATES:
        errors["contract"] = [_("Inspections are planned for a signed contract in service.")]
    elif not contract.scope_items.filter(service_type=ServiceType.ROUTINE_INSPECTION).exists():
        errors["contract"] = [_("This contract does not include routine inspections.")]
    if starts_on is None:
        errors["starts_on"] = [_("When is the first inspection?")]
    if bad_days:
        errors["fixed_days"] = [
            _("Not a day of the year (MM-DD): %(days)s") % {"days": "、".join(bad_days)}
        ]
    elif not frequency_months and not days:
        errors["frequency_months"] = [_("Give a frequency in months or fixed days.")]
    if frequency_months is not None and frequency_months < 1:
        errors["frequency_months"] = [_("At least every month.")]
    if not 1 <= lead_days <= 90:
        errors["lead_days"] = [_("Between 1 and 90 days ahead.")]
    return errors


def inspection_schedule_save(
    *,
    by: User,
    contract: Contract | None,
    starts_on: dt.date | None,
    frequency_months: int | None = None,
    fixed_days: Any = (),
    equipment: str = "",
    includes_software: bool = False,
    engineer: Engineer | None = None,
    backup_engineer: Engineer | None = None,
    lead_days: int = DEFAULT_LEAD_DAYS,
    notes: str = "",
    active: bool = True,
    schedule: InspectionSchedule | None = None,
) -> InspectionSchedule:
    """Plan (or change) a contract's routine inspections (docs/domain.md §inspection.schedule)."""
    days, bad = _fixed_days(fixed_days)
    errors = _schedule_errors(
        contract=contract,
        starts_on=starts_on,
        frequency_months=frequency_months,
        days=days,
        bad_days=bad,
        lead_days=lead_days,
    )
    if engineer is not None and backup_engineer is not None and engineer.pk == backup_engineer.pk:
        errors["backup_engineer"] = [_("The backup engineer must be someone else.")]
    raise_field_errors(errors)
    values = {
        "contract": contract,
        "starts_on": starts_on,
        "frequency_months": frequency_months or None,
        "fixed_days": [] if frequency_months else days,
        "equipment": _text(equipment),
        "includes_software": bool(includes_software),
        "engineer": engineer,
        "backup_engineer": backup_engineer,
        "lead_days": lead_days,
        "notes": _text(notes),
        "active": bool(active),
    }
    with transaction.atomic():
        created = schedule is None
        if schedule is None:
            schedule = InspectionSchedule(created_by=by)
        else:
            schedule = InspectionSchedule.objects.select_for_update().get(pk=schedule.pk)
        for name, value in values.items():
            setattr(schedule, name, value)
        save_with_history(
            schedule,
            by=by,
            reason="inspection schedule planned" if created else "inspection schedule changed",
        )
        event_record(
            kind="inspection_schedule.saved",
            target=schedule,
            actor=by,
            data={"contract": schedule.contract_id, "created": created},
        )
    return schedule


# -- generation -------------------------------------------------------------------------


@dataclass
class _Batch:
    """What one batch found and made."""

    made: list[tuple[InspectionSchedule, dt.date]] = field(default_factory=list)
    beyond_service: int = 0
    quota_used: int = 0


def _serving_periods(contract: Contract) -> list[ServicePeriod]:
    return list(contract.periods.all())


def _covering(periods: list[ServicePeriod], day: dt.date) -> ServicePeriod | None:
    return next((p for p in periods if p.starts_on <= day <= p.ends_on), None)


def _quota_item(contract: Contract) -> Any:
    return next(
        (i for i in contract.scope_items.all() if i.service_type == ServiceType.ROUTINE_INSPECTION),
        None,
    )


def _plan_schedule(
    schedule: InspectionSchedule,
    *,
    today: dt.date,
    taken: dict[int, list[dt.date]],
    done: set[tuple[int, dt.date]],
    batch: _Batch,
) -> None:
    """The days of one schedule to make now: within its lead time, not made yet, while
    the contract serves and its quota lasts (docs/domain.md §inspection.generate)."""
    contract = schedule.contract
    periods = _serving_periods(contract)
    item = _quota_item(contract)
    last = today + dt.timedelta(days=schedule.lead_days)
    for day in schedule.dates_between(max(today, schedule.starts_on), last):
        if (schedule.pk, day) in done:
            continue
        period = _covering(periods, day)
        if period is None or contract.state not in SERVING_STATES:
            batch.beyond_service += 1
            break  # the service has ended: no later day is served either
        if item is not None and item.quota:
            start, end = quota_window(item, period, day)
            used = sum(1 for d in taken[contract.pk] if start <= d <= end)
            if used >= item.quota:
                batch.quota_used += 1
                continue
        taken[contract.pk].append(day)
        batch.made.append((schedule, day))


def _locked_batch(ids: list[int]) -> list[InspectionSchedule]:
    """The batch's schedules, locked (those another worker holds are skipped), with their
    contracts, periods, scope and customers' contacts loaded in a constant number of queries."""
    locked = list(
        InspectionSchedule.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, active=True)
        .values_list("pk", flat=True)
    )
    return list(
        InspectionSchedule.objects.filter(pk__in=locked)
        .select_related("contract", "contract__customer", "engineer")
        .prefetch_related(
            Prefetch("contract__periods", queryset=ServicePeriod.objects.order_by("starts_on")),
            "contract__scope_items",
            "contract__customer__contacts",
        )
        .order_by("pk")
    )


def _taken_days(
    schedules: list[InspectionSchedule],
) -> tuple[dict[int, list[dt.date]], set[tuple[int, dt.date]]]:
    """Inspections already made: per contract (for the quota) and per schedule and day."""
    taken: dict[int, list[dt.date]] = defaultdict(list)
    done: set[tuple[int, dt.date]] = set()
    rows = Inspection.objects.filter(
        contract_id__in={s.contract_id for s in schedules}
    ).values_list("schedule_id", "contract_id", "due_on", "dispatch__state")
    for schedule_id, contract_id, due_on, state in rows:
        done.add((schedule_id, due_on))
        if state != DispatchState.CANCELLED:
            taken[contract_id].append(due_on)
    return taken, done


def _site(customer: Any) -> dict[str, str]:
    contacts = sorted(customer.contacts.all(), key=lambda c: (not c.is_primary, c.pk))
    contact = contacts[0] if contacts else None
    return {
        "site_address": (customer.address or customer.name)[:300],
        "contact_name": (contact.name if contact else "")[:60],
        "contact_phone": ((contact.mobile or contact.phone) if contact else customer.phone)[:30],
    }


def _problem(schedule: InspectionSchedule, day: dt.date) -> str:
    lines = [
        _("Routine inspection of %(day)s under contract %(contract)s.")
        % {"day": day.isoformat(), "contract": schedule.contract.number}
    ]
    if schedule.equipment_list:
        lines.append(_("Equipment: %(list)s") % {"list": "、".join(schedule.equipment_list)})
    return "\n".join(lines)


def _new_dispatch(schedule: InspectionSchedule, day: dt.date, now: dt.datetime) -> Dispatch:
    tz = timezone.get_current_timezone()
    contract = schedule.contract
    return Dispatch(
        number=uuid.uuid4().hex[:20],
        kind=DispatchKind.ROUTINE_INSPECTION,
        source=DispatchSource.SCHEDULE,
        customer=contract.customer,
        contract=contract,
        service_type=ServiceType.ROUTINE_INSPECTION,
        entitlement=EntitlementResult.IN_SCOPE,
        entitlement_reason=_("Routine inspection agreed in contract %(number)s.")
        % {"number": contract.number},
        entitlement_code="inspection_schedule",
        **_site(contract.customer),
        product=", ".join(schedule.equipment_list)[:100],
        problem=_problem(schedule, day),
        notes=schedule.notes,
        software_work=False,
        due_from=dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz),
        due_by=dt.datetime.combine(day, dt.time(23, 59), tzinfo=tz),
        engineer=schedule.engineer,
        planned_minutes=240,
        created_at=now,
    )


def _write_batch(made: list[tuple[InspectionSchedule, dt.date]], now: dt.datetime) -> None:
    """The dispatches, their history and events, the inspections and their checklists:
    one bulk statement each."""
    dispatches = [_new_dispatch(s, day, now) for s, day in made]
    Dispatch.objects.bulk_create(dispatches)
    local = timezone.localtime(now)
    for d in dispatches:
        d.number = f"PG{local:%Y%m%d}-{d.pk:05d}"
    Dispatch.objects.bulk_update(dispatches, ["number"])
    Dispatch.history.bulk_history_create(
        dispatches, default_change_reason="created", default_date=now
    )
    dispatch_type = ContentType.objects.get_for_model(Dispatch)
    DomainEvent.objects.bulk_create(
        DomainEvent(
            kind="dispatch.created",
            target_type=dispatch_type,
            target_id=d.pk,
            data={"source": DispatchSource.SCHEDULE, "schedule": s.pk, "due_on": day.isoformat()},
            reactions_pending=[],
            reactions_done=True,
        )
        for d, (s, day) in zip(dispatches, made, strict=True)
    )
    inspections = [
        Inspection(
            schedule=s,
            due_on=day,
            dispatch=d,
            contract=s.contract,
            customer=s.contract.customer,
            equipment=s.equipment,
            created_at=now,
        )
        for d, (s, day) in zip(dispatches, made, strict=True)
    ]
    Inspection.objects.bulk_create(inspections)
    Inspection.history.bulk_history_create(
        inspections, default_change_reason="inspection made", default_date=now
    )
    InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection,
            order=order,
            section=section,
            code=code,
            label=str(label)[:120],
        )
        for inspection, (s, _day) in zip(inspections, made, strict=True)
        for order, (section, code, label) in enumerate(checklist_for(s.includes_software))
    )


def _generate_batch(ids: list[int], *, today: dt.date, now: dt.datetime) -> _Batch:
    batch = _Batch()
    with transaction.atomic():
        schedules = _locked_batch(ids)
        if not schedules:
            return batch
        taken, done = _taken_days(schedules)
        for schedule in schedules:
            _plan_schedule(schedule, today=today, taken=taken, done=done, batch=batch)
        if batch.made:
            _write_batch(batch.made, now)
    return batch


def _tell_generated(made: list[tuple[InspectionSchedule, dt.date]], today: dt.date) -> None:
    """One notification per service manager and per engineer for the whole run."""
    if not made:
        return
    per_engineer: dict[int, int] = defaultdict(int)
    users: dict[int, Any] = {}
    for schedule, _day in made:
        if schedule.engineer is not None:
            per_engineer[schedule.engineer.user_id] += 1
    if per_engineer:
        users = {u.pk: u for u in _users(per_engineer)}
    calendar_url = reverse("fieldservice:inspection-calendar") + f"?month={today:%Y-%m}"
    with transaction.atomic():
        notifications_create(
            recipients=users_in_roles(Role.SERVICE_MANAGER),
            kind="inspections_generated",
            title=_("%(n)s routine inspection dispatches made for the next days")
            % {"n": len(made)},
            url=calendar_url,
            dedupe_key=f"inspections:{today.isoformat()}:{len(made)}",
        )
        for user_id, count in per_engineer.items():
            if user_id in users:
                notifications_create(
                    recipients=[users[user_id]],
                    kind="inspections_generated",
                    title=_("%(n)s routine inspections planned for you") % {"n": count},
                    url=calendar_url,
                    dedupe_key=f"inspections:{today.isoformat()}:{user_id}:{count}",
                )


def _users(ids: Any) -> list[Any]:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(pk__in=list(ids), is_active=True))


def inspections_generate(
    *, today: dt.date | None = None, batch_size: int = GENERATION_BATCH
) -> dict[str, int]:
    """Daily: make the inspection dispatches of every active schedule due within its lead
    time (docs/domain.md §inspection.generate). Idempotent and safe on two workers: one
    inspection per schedule and day (a unique constraint), schedules locked per batch
    with ``SKIP LOCKED`` and their made days re-read under the lock."""
    today = today or timezone.localdate()
    now = timezone.now()
    ids = list(
        InspectionSchedule.objects.filter(active=True, contract__state__in=SERVING_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made: list[tuple[InspectionSchedule, dt.date]] = []
    beyond = quota = 0
    for start in range(0, len(ids), batch_size):
        batch = _generate_batch(ids[start : start + batch_size], today=today, now=now)
        made += batch.made
        beyond += batch.beyond_service
        quota += batch.quota_used
    _tell_generated(made, today)
    return {
        "schedules": len(ids),
        "created": len(made),
        "beyond_service": beyond,
        "quota_used": quota,
    }


# -- the checklist ----------------------------------------------------------------------


def _check_worker(inspection: Inspection, by: Any) -> None:
    from servicedesk.core.exceptions import NotPermitted

    if not may_work_inspection(inspection, by):
        raise NotPermitted(_("You may not perform this action."))


def _photo(photo: Any, code: str) -> Any:
    """The photo to keep: a JPEG or PNG by its content, within the upload limit, re-encoded
    (docs/architecture.md §uploads)."""
    if photo is None:
        return None
    from django.core.files.base import ContentFile

    from servicedesk.core.uploads import upload_read

    kept, ext = upload_read(photo, kinds={"png", "jpg"}, field="photo")
    return ContentFile(kept, name=f"{code}.{ext}")


def inspection_item_record(
    item: InspectionItem,
    *,
    by: User,
    result: str,
    note: str = "",
    photo: Any = None,
) -> InspectionItem:
    """One line of the checklist: OK, or an issue with what was found (docs/domain.md
    §inspection.checklist). Kept at once, so the draft survives a reload or a lost phone."""
    errors: dict[str, list[str]] = {}
    if result not in (ItemResult.OK, ItemResult.ISSUE):
        errors["result"] = [_("Choose OK or issue.")]
    if result == ItemResult.ISSUE and not _text(note) and not item.note:
        errors["note"] = [_("Describe the issue.")]
    raise_field_errors(errors)
    photo = _photo(photo, item.code)
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=item.inspection_id)
        _check_worker(inspection, by)
        if inspection.state != InspectionState.OPEN:
            raise TransitionConflict(_("The checklist is finished; reopen it to change an item."))
        locked = InspectionItem.objects.select_for_update().get(pk=item.pk)
        locked.result = result
        if note is not None:
            locked.note = _text(note)
        fields = ["result", "note", "checked_at", "checked_by"]
        if photo is not None:
            locked.photo = photo
            fields.append("photo")
        locked.checked_at = timezone.now()
        locked.checked_by = by
        save_with_history(locked, by=by, reason="checklist item", fields=fields)
    return locked


def inspection_item_raise(item: InspectionItem, *, by: User, to: str) -> InspectionItem:
    """An issue found on site opens a hotline ticket or a follow-up dispatch in one step
    (docs/domain.md §inspection.checklist)."""
    if to not in ("ticket", "dispatch"):
        raise_field_errors({"to": [_("Open a ticket or a follow-up dispatch.")]})
    with transaction.atomic():
        locked = InspectionItem.objects.select_for_update().get(pk=item.pk)
        inspection = Inspection.objects.select_related("dispatch", "customer", "contract").get(
            pk=locked.inspection_id
        )
        _check_worker(inspection, by)
        if locked.result != ItemResult.ISSUE:
            raise ApplicationError(
                _("Only an item marked as an issue is raised."),
                extra={"to": [_("Mark the item as an issue first.")]},
            )
        if locked.ticket_id or locked.follow_up_id:
            raise TransitionConflict(_("This issue has already been raised."))
        description = _("Routine inspection %(number)s, %(item)s: %(note)s") % {
            "number": inspection.dispatch.number,
            "item": locked.label,
            "note": locked.note,
        }
        if to == "ticket":
            locked.ticket = _ticket_for(inspection, description, by=by)
            fields = ["ticket"]
        else:
            locked.follow_up = _dispatch_for(inspection, description, by=by)
            fields = ["follow_up"]
        save_with_history(locked, by=by, reason="issue raised", fields=fields)
        event_record(
            kind="inspection.issue_raised",
            target=inspection,
            actor=by,
            data={"item": locked.code, "to": to},
        )
    return locked


def _ticket_for(inspection: Inspection, description: str, *, by: Any) -> Any:
    from tickets.choices import Channel
    from tickets.services import ticket_intake

    dispatch = inspection.dispatch
    return ticket_intake(
        by=by,
        customer=inspection.customer,
        caller_name=dispatch.contact_name or str(inspection.customer),
        caller_company=inspection.customer.name,
        caller_phone=dispatch.contact_phone,
        product=dispatch.product,
        description=description,
        channel=Channel.WALK_IN,
        service_type=ServiceType.REPAIR,
        contract=inspection.contract,
    )


def _dispatch_for(inspection: Inspection, description: str, *, by: Any) -> Dispatch:
    from .dispatches import dispatch_create

    dispatch = inspection.dispatch
    return dispatch_create(
        by=by,
        customer=inspection.customer,
        contract=inspection.contract,
        problem=description,
        kind=DispatchKind.REPAIR,
        source=DispatchSource.FOLLOW_UP,
        follow_up_of=dispatch,
        site_address=dispatch.site_address,
        contact_name=dispatch.contact_name,
        contact_phone=dispatch.contact_phone,
        product=dispatch.product,
    )


def _report_draft(inspection: Inspection) -> dict[str, str]:
    """The service report an inspection gives its dispatch: what was checked and found."""
    items = list(inspection.items.all())
    issues = [i for i in items if i.result == ItemResult.ISSUE]
    lines = [f"{i.label}：{i.get_result_display()}{'，' + i.note if i.note else ''}" for i in items]
    return {
        "outcome": Outcome.SOLVED,
        "cause": _("Routine inspection as agreed in the contract."),
        "solution": inspection.summary
        or _("%(n)s items checked, %(issues)s issues found.")
        % {"n": len(items), "issues": len(issues)},
        "steps": "\n".join(lines),
        "precautions": "\n".join(f"{i.label}：{i.note}" for i in issues)
        or _("No issue found; keep the equipment room as it is."),
    }


def inspection_finish(inspection: Inspection, *, by: User, summary: str = "") -> Inspection:
    """The checklist is done (every item answered): the report is ready to sign, and the
    visit's service report is drafted from it (docs/domain.md §inspection.report)."""
    from .dispatches import dispatch_save_report

    with transaction.atomic():
        if _text(summary):
            locked = lock(inspection)
            locked.summary = _text(summary)
            save_with_history(locked, by=by, reason="inspection summary", fields=["summary"])
            inspection = locked
        inspection = transition_run(
            instance=inspection,
            name="finish",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["checked_at"],
        )
        if inspection.dispatch.state == DispatchState.ON_SITE:
            dispatch_save_report(inspection.dispatch, by=by, **_report_draft(inspection))
    return inspection


def inspection_reopen(inspection: Inspection, *, by: User) -> Inspection:
    """Back to the checklist before the customer signs."""
    with transaction.atomic():
        return transition_run(
            instance=inspection, name="reopen", by=by, update_fields=["checked_at"]
        )


def inspection_sign(inspection: Inspection, *, by: User | None) -> Inspection:
    """The customer has signed the inspection report: the inspection is done, and the
    signature stands for the visit's service report (docs/domain.md §inspection.report)."""
    from .dispatches import dispatch_link_signature

    with transaction.atomic():
        locked = lock(inspection)
        signature = inspection_customer_signature(locked)
        if signature is not None and locked.customer_signature_id != signature.pk:
            locked.customer_signature = signature
            save_with_history(
                locked, by=by, reason="customer signed", fields=["customer_signature"]
            )
        locked = transition_run(
            instance=locked,
            name="sign",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["signed_at", "customer_signature"],
        )
        if locked.dispatch.state == DispatchState.ON_SITE and signature is not None:
            dispatch_link_signature(locked.dispatch, signature=signature, by=by)
    return locked


def inspection_customer_signature(inspection: Inspection) -> Signature | None:
    from servicedesk.core.selectors import signatures_for

    return (
        signatures_for(inspection, INSPECTION_REPORT)
        .filter(signer_role__iexact="customer")
        .order_by("-signed_at", "-id")
        .first()
    )


# -- the yearly schedule to the customer ------------------------------------------------


def _schedule_recipient(schedule: InspectionSchedule) -> str:
    contacts = schedule.contract.customer.contacts.exclude(email="").order_by("-is_primary", "pk")
    contact = contacts.first()
    return contact.email if contact is not None else ""


def inspection_schedule_send(schedule: InspectionSchedule, *, by: User) -> InspectionSchedule:
    """Send the yearly schedule (PDF) to the customer's contact by e-mail when e-mail is set
    up and the customer has an address; otherwise keep why, and it is printed and handed
    over (docs/domain.md §inspection.schedule). The mail goes out outside any row lock."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from servicedesk.core import printforms

    if not by.has_perm("fieldservice.manage_inspections"):
        from servicedesk.core.exceptions import NotPermitted

        raise NotPermitted(_("You may not perform this action."))
    recipient = _schedule_recipient(schedule)
    sent_at, error = None, ""
    if not recipient:
        error = str(_("The customer has no contact with an e-mail address: print it."))
    elif not settings.EMAIL_CONFIGURED and not getattr(settings, "EMAIL_ALWAYS_SEND", False):
        error = str(_("E-mail is not set up on this server: print it."))
    else:
        pdf = printforms.render(
            printforms.form_get(InspectionSchedule, "inspection_schedule"), schedule
        )
        message = EmailMessage(
            subject=str(
                _("Routine inspection schedule, contract %(number)s")
                % {"number": schedule.contract.number}
            ),
            body=str(_("Please find attached the routine inspection schedule of the coming year.")),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
        )
        message.attach(f"inspection-schedule-{schedule.pk}.pdf", pdf, "application/pdf")
        try:
            message.send()
        except Exception as exc:  # the mail server refused: keep why, the paper remains
            error = str(exc)[:300]
        else:
            sent_at = timezone.now()
    with transaction.atomic():
        locked = InspectionSchedule.objects.select_for_update().get(pk=schedule.pk)
        locked.sent_at = sent_at or locked.sent_at
        locked.sent_to = recipient if sent_at else locked.sent_to
        locked.send_error = error
        save_with_history(
            locked,
            by=by,
            reason="inspection schedule sent",
            fields=["sent_at", "sent_to", "send_error"],
        )
    return locked
