"""Engineers, partner companies and leave (docs/domain.md §partners)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_user

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


def engineer_leave_add(
    *, engineer: Engineer, starts_on: dt.date, ends_on: dt.date, by: User, reason: str = ""
) -> EngineerLeave:
    if ends_on < starts_on:
        raise ApplicationError(
            _("The leave must end on or after its first day."),
            extra={"ends_on": [_("The leave must end on or after its first day.")]},
        )
    leave = EngineerLeave(engineer=engineer, starts_on=starts_on, ends_on=ends_on, reason=reason)
    history_user(leave, by)
    leave.save()
    return leave
