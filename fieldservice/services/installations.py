"""Installations (docs/domain.md §installation): the record of an installation visit, the
assets it installs (into the customer's asset register, owned by contracts), the daily
service report per installation day, and the customer's acceptance.

The follow-up call one to two working days later is the visit's own: completing the
dispatch schedules it (docs/domain.md §dispatch.follow-up), for installations, training
and inspections alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotPermitted, TransitionConflict, raise_field_errors
from servicedesk.core.models import Signature
from servicedesk.core.services import event_record, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.transitions import lock

from ..choices import DispatchKind, DispatchState
from ..models import Dispatch
from ..models.installations import (
    Installation,
    InstallationDay,
    InstallationState,
    may_work_installation,
)

if TYPE_CHECKING:
    from contracts.models import Asset
    from servicedesk.core.types import User

INSTALLATION_REPORT = "installation_report"
DAILY_REPORT = "installation_day_report"
#: Dispatch states in which the installation is worked on site.
WORKING_STATES = (DispatchState.ON_SITE, DispatchState.SCHEDULED, DispatchState.CONFIRMED)


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def _check_worker(installation: Installation, by: Any) -> None:
    if not may_work_installation(installation, by):
        raise NotPermitted(_("You may not perform this action."))


def installation_start(dispatch: Dispatch, *, by: User) -> Installation:
    """Open the installation record of an installation visit (once per dispatch)."""
    from ..models import may_work_dispatch

    if dispatch.kind != DispatchKind.INSTALLATION:
        raise_field_errors({"dispatch": [_("Only an installation visit records assets.")]})
    if not may_work_dispatch(dispatch, by):
        raise NotPermitted(_("You may not perform this action."))
    with transaction.atomic():
        Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        existing = Installation.objects.filter(dispatch=dispatch).first()
        if existing is not None:
            return existing
        installation = Installation(
            dispatch=dispatch,
            customer_id=dispatch.customer_id,
            contract_id=dispatch.contract_id,
            created_by=by,
        )
        save_with_history(installation, by=by, reason="installation started")
        event_record(kind="installation.started", target=installation, actor=by)
    return installation


def installation_asset_record(
    installation: Installation,
    *,
    by: User,
    model: str,
    serial_number: str,
    product: str = "",
    part_number: str = "",
    location: str = "",
    warranty_end: dt.date | None = None,
    licence: str = "",
) -> Asset:
    """One asset installed, recorded into the customer's asset register (docs/domain.md
    §installation.assets) through the contracts app's service."""
    from contracts.services import asset_register

    _check_worker(installation, by)
    with transaction.atomic():
        locked = lock(installation)
        if locked.state != InstallationState.OPEN:
            raise TransitionConflict(_("The installation is accepted; its assets are final."))
        dispatch = locked.dispatch
        return asset_register(
            by=by,
            customer=locked.customer,
            contract=locked.contract,
            model=model,
            serial_number=serial_number,
            product=product,
            part_number=part_number,
            location=location,
            warranty_end=warranty_end,
            licence=licence,
            installed_on=timezone.localdate(dispatch.checked_in_at or timezone.now()),
            installation_dispatch_id=dispatch.pk,
            installation_number=dispatch.number,
        )


def _hours(value: Any) -> Decimal | None:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return hours if Decimal(0) < hours <= Decimal(24) else None


def installation_day_record(
    installation: Installation,
    *,
    by: User,
    day: dt.date | None,
    work_done: str,
    issues: str = "",
    next_steps: str = "",
    hours: Any = 8,
) -> InstallationDay:
    """The daily service report of one installation day; the same day again updates it."""
    errors: dict[str, list[str]] = {}
    if day is None:
        errors["day"] = [_("Which day?")]
    elif day > timezone.localdate():
        errors["day"] = [_("A daily report is written on or after the day.")]
    if not _text(work_done):
        errors["work_done"] = [_("What was done that day?")]
    parsed = _hours(hours)
    if parsed is None:
        errors["hours"] = [_("Between 0 and 24 hours.")]
    raise_field_errors(errors)
    assert day is not None  # refused above
    _check_worker(installation, by)
    values = {
        "work_done": _text(work_done),
        "issues": _text(issues),
        "next_steps": _text(next_steps),
        "hours": parsed,
    }
    try:
        with transaction.atomic():
            lock(installation)
            report = InstallationDay.objects.filter(installation=installation, day=day).first()
            created = report is None
            if report is None:
                report = InstallationDay(installation=installation, day=day, recorded_by=by)
            for name, value in values.items():
                setattr(report, name, value)
            save_with_history(report, by=by, reason="daily report")
            event_record(
                kind="installation.day_recorded",
                target=installation,
                actor=by,
                data={"day": day.isoformat() if day else None, "created": created},
            )
    except IntegrityError:
        raise TransitionConflict(
            _("The record was changed by someone else; reload it and try again.")
        ) from None
    return report


def installation_customer_signature(installation: Installation) -> Signature | None:
    from servicedesk.core.selectors import signatures_for

    return (
        signatures_for(installation, INSTALLATION_REPORT)
        .filter(signer_role__iexact="customer")
        .order_by("-signed_at", "-id")
        .first()
    )


def installation_accept(
    installation: Installation, *, by: User | None, note: str = ""
) -> Installation:
    """Acceptance with the customer: the installation report (assets and daily reports)
    signed by the customer (docs/domain.md §installation.acceptance)."""
    with transaction.atomic():
        locked = lock(installation)
        signature = installation_customer_signature(locked)
        fields = []
        if signature is not None and locked.acceptance_signature_id != signature.pk:
            locked.acceptance_signature = signature
            fields.append("acceptance_signature")
        if _text(note):
            locked.acceptance_note = _text(note)
            fields.append("acceptance_note")
        if fields:
            save_with_history(locked, by=by, reason="acceptance signed", fields=fields)
        locked = transition_run(
            instance=locked,
            name="accept",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["accepted_at"],
        )
        # The signed installation report stands for the visit's service report.
        if locked.dispatch.state == DispatchState.ON_SITE and signature is not None:
            from .dispatches import dispatch_link_signature

            dispatch_link_signature(locked.dispatch, signature=signature, by=by)
    return locked
