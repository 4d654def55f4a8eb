"""Goods inspection before shipment (货品检查, docs/domain.md §goods-inspection): recorded at
least one working day before delivery, the test (12 hours by default) and its results,
the customer's consent to unpack a sealed box, the licences requested and where their
media and licence backups are kept."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core import worktime
from servicedesk.core.calendars import calendar_spec, default_calendar
from servicedesk.core.exceptions import NotPermitted, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import save_with_history

from ..choices import DispatchKind
from ..models import Dispatch, may_work_dispatch
from ..models.goods import DEFAULT_TEST_HOURS, GoodsInspection

if TYPE_CHECKING:
    from servicedesk.core.types import User

GOODS_RECORD = "goods_inspection_record"


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def earliest_delivery(now: dt.datetime | None = None) -> dt.date:
    """The first day a delivery may be when the goods are inspected now: the next working
    day (docs/domain.md §goods-inspection)."""
    spec = calendar_spec(default_calendar())
    return timezone.localdate(worktime.next_working_day_start(spec, now or timezone.now()))


def _errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not values["goods"]:
        errors["goods"] = [_("Which goods were inspected?")]
    if values["delivery_on"] is None:
        errors["delivery_on"] = [_("When are they delivered?")]
    elif values["delivery_on"] < earliest_delivery():
        errors["delivery_on"] = [
            _("Goods are inspected at least one working day before delivery (earliest %(day)s).")
            % {"day": earliest_delivery().isoformat()}
        ]
    if not 1 <= (values["test_hours"] or 0) <= 240:
        errors["test_hours"] = [_("Between 1 and 240 hours.")]
    if not values["test_result"]:
        errors["test_result"] = [_("What did the test show?")]
    if values["box_sealed"] and not values["unpacking_consent_by"]:
        errors["unpacking_consent_by"] = [
            _("A sealed box is opened only with the customer's consent: who agreed?")
        ]
    return errors


def goods_inspection_record(
    dispatch: Dispatch,
    *,
    by: User,
    goods: str,
    delivery_on: dt.date | None,
    test_result: str,
    test_hours: int = DEFAULT_TEST_HOURS,
    passed: bool = True,
    box_sealed: bool = False,
    unpacking_consent_by: str = "",
    unpacking_consent_on: dt.date | None = None,
    licences_requested: str = "",
    backup_location: str = "",
) -> GoodsInspection:
    """Record (or correct) the goods inspection of a goods inspection visit."""
    if dispatch.kind != DispatchKind.GOODS_INSPECTION:
        raise_field_errors({"dispatch": [_("Only a goods inspection visit records this.")]})
    if not may_work_dispatch(dispatch, by):
        raise NotPermitted(_("You may not perform this action."))
    values: dict[str, Any] = {
        "goods": _text(goods),
        "delivery_on": delivery_on,
        "test_hours": test_hours,
        "test_result": _text(test_result),
        "passed": bool(passed),
        "box_sealed": bool(box_sealed),
        "unpacking_consent_by": _text(unpacking_consent_by)[:60],
        "unpacking_consent_on": unpacking_consent_on
        or (timezone.localdate() if box_sealed else None),
        "licences_requested": _text(licences_requested),
        "backup_location": _text(backup_location)[:300],
    }
    raise_field_errors(_errors(values))
    with transaction.atomic():
        Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        record = GoodsInspection.objects.filter(dispatch=dispatch).first()
        created = record is None
        if record is None:
            record = GoodsInspection(
                dispatch=dispatch,
                customer_id=dispatch.customer_id,
                contract_id=dispatch.contract_id,
                recorded_by=by,
            )
        for name, value in values.items():
            setattr(record, name, value)
        save_with_history(
            record,
            by=by,
            reason="goods inspection recorded" if created else "goods inspection changed",
        )
        event_record(
            kind="goods_inspection.recorded",
            target=record,
            actor=by,
            data={"passed": record.passed, "created": created},
        )
    return record
