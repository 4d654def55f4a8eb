"""Engineers, partner companies and leave (docs/domain.md §partners)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_reason, history_user

from ..choices import BillingMode
from ..models import Engineer, EngineerLeave, Partner

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _validated(obj: Any) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise_field_errors(errors)


def partner_save(*, partner: Partner, by: User) -> Partner:
    """Create or update a partner; the billing mode needs its rate or its share."""
    errors: dict[str, list[str]] = {}
    if partner.billing_mode == BillingMode.PERSON_DAY and partner.person_day_rate is None:
        errors["person_day_rate"] = [_("Enter the person-day rate.")]
    if partner.billing_mode == BillingMode.FEE_SHARE and partner.fee_share_percent is None:
        errors["fee_share_percent"] = [_("Enter the partner's share of the after-sales fee.")]
    raise_field_errors(errors)
    _validated(partner)
    with transaction.atomic():
        created = partner.pk is None
        history_user(partner, by)
        partner.save()
        event_record(
            kind="partner.created" if created else "partner.changed", target=partner, actor=by
        )
    return partner


def engineer_save(*, engineer: Engineer, by: User) -> Engineer:
    _validated(engineer)
    with transaction.atomic():
        created = engineer.pk is None
        history_user(engineer, by)
        engineer.save()
        event_record(
            kind="engineer.created" if created else "engineer.changed",
            target=engineer,
            actor=by,
            data={
                "certified_on": engineer.certified_on.isoformat()
                if engineer.certified_on
                else None,
                "active": engineer.active,
            },
        )
    return engineer


def _leave_note(leave: EngineerLeave) -> str:
    days = f"{leave.starts_on:%Y-%m-%d} – {leave.ends_on:%Y-%m-%d}"
    return f"{days} {leave.reason}".strip()


def _leave_check(leave: EngineerLeave) -> None:
    """The days are in order and do not overlap another leave of the same engineer."""
    if leave.ends_on < leave.starts_on:
        message = _("The leave must end on or after its first day.")
        raise ApplicationError(message, extra={"ends_on": [message]})
    overlapping = (
        EngineerLeave.objects.filter(
            engineer_id=leave.engineer_id,
            starts_on__lte=leave.ends_on,
            ends_on__gte=leave.starts_on,
        )
        .exclude(pk=leave.pk)
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        message = _("%(name)s already has leave from %(start)s to %(end)s.") % {
            "name": leave.engineer,
            "start": f"{overlapping.starts_on:%Y-%m-%d}",
            "end": f"{overlapping.ends_on:%Y-%m-%d}",
        }
        raise ApplicationError(message, extra={"starts_on": [message]})


def engineer_leave_add(
    *, engineer: Engineer, starts_on: dt.date, ends_on: dt.date, by: User, reason: str = ""
) -> EngineerLeave:
    """Record days an engineer is away (docs/domain.md §partners.leave): the board refuses
    assignments on them. Recorded on the leave's history and as an event of the engineer."""
    leave = EngineerLeave(engineer=engineer, starts_on=starts_on, ends_on=ends_on, reason=reason)
    with transaction.atomic():
        # One engineer's leave is entered one at a time: two overlapping entries racing
        # each other would both pass the overlap check.
        Engineer.objects.select_for_update().filter(pk=engineer.pk).first()
        _leave_check(leave)
        history_user(leave, by)
        leave.save()
        event_record(
            kind="engineer.leave_added",
            target=engineer,
            actor=by,
            data={"leave": leave.pk, "note": _leave_note(leave)},
        )
    return leave


def engineer_leave_change(
    *, leave: EngineerLeave, starts_on: dt.date, ends_on: dt.date, reason: str, by: User
) -> EngineerLeave:
    """Move or shorten a leave (same rules as recording it)."""
    with transaction.atomic():
        Engineer.objects.select_for_update().filter(pk=leave.engineer_id).first()
        leave = EngineerLeave.objects.select_related("engineer__user").get(pk=leave.pk)
        before = _leave_note(leave)
        leave.starts_on, leave.ends_on, leave.reason = starts_on, ends_on, reason
        _leave_check(leave)
        if _leave_note(leave) == before:
            return leave
        history_user(leave, by)
        leave.save(update_fields=["starts_on", "ends_on", "reason"])
        event_record(
            kind="engineer.leave_changed",
            target=leave.engineer,
            actor=by,
            data={"leave": leave.pk, "note": f"{before} → {_leave_note(leave)}"},
        )
    return leave


def engineer_leave_cancel(*, leave: EngineerLeave, by: User, note: str = "") -> None:
    """Cancel a leave: the row goes (its history keeps it, with who and why) and the
    engineer's history says so."""
    with transaction.atomic():
        leave = EngineerLeave.objects.select_related("engineer__user").get(pk=leave.pk)
        engineer = leave.engineer
        text = _leave_note(leave) + (f"；{note.strip()}" if note.strip() else "")
        history_user(leave, by)
        history_reason(
            leave, f"leave cancelled: {note.strip()}" if note.strip() else "leave cancelled"
        )
        leave.delete()
        event_record(
            kind="engineer.leave_cancelled", target=engineer, actor=by, data={"note": text}
        )
