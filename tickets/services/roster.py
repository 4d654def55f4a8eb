"""The duty roster, the check-in and the shift hand-over (docs/domain.md §hotline.roster:
"服务部经理对热线值班人员进行热线值班安排"; "热线工程师准时到岗就位，十分钟内做好值班准备";
"当日值班工程师在上班后30 分钟内与前一日值班工程师交接未处理(未解决)事项")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_reason, history_user, save_with_history
from servicedesk.core.services.timers import timer_meet, timer_start, timers_cancel_all

from ..models import DutyShift, HotlineLine, Ticket

if TYPE_CHECKING:
    from servicedesk.core.types import User

DUTY_ROLES = (Role.HOTLINE_ENGINEER, Role.SERVICE_MANAGER)
#: How early before the shift the engineer may check in.
CHECK_IN_OPENS = dt.timedelta(minutes=30)


def _fail(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


def _check_perm(by: User | None, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise NotPermitted(_("You may not perform this action."))


def shift_plan_errors(
    *, line: HotlineLine | None, engineer: User | None, starts_at: dt.datetime, ends_at: dt.datetime
) -> dict[str, list[str]]:
    """What is wrong with a planned shift (forms show it before ``shift_plan`` refuses)."""
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The shift must end after it starts.")]
    if line is None or not line.active:
        errors["line"] = [_("Choose an active hotline line.")]
    if (
        engineer is None
        or not engineer.is_active
        or not engineer.groups.filter(name__in=DUTY_ROLES).exists()
    ):
        errors["engineer"] = [_("Only an active hotline engineer or service manager.")]
    elif "ends_at" not in errors:
        clash = (
            DutyShift.objects.filter(
                engineer=engineer, starts_at__lt=ends_at, ends_at__gt=starts_at
            )
            .select_related("line")
            .first()
        )
        if clash is not None:
            errors["starts_at"] = [
                _("%(engineer)s is already on duty then (%(shift)s).")
                % {
                    "engineer": engineer.get_full_name() or engineer.get_username(),
                    "shift": clash,
                }
            ]
    return errors


def shift_plan(
    *,
    by: User,
    line: HotlineLine,
    engineer: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> DutyShift:
    """Put ``engineer`` on ``line`` from ``starts_at`` to ``ends_at``; the check-in timer
    (``duty_check_in``, ready within 10 minutes) and the hand-over timer (``shift_handover``, 30
    minutes wall clock) start with the shift."""
    _check_perm(by, "tickets.add_dutyshift")
    user_model = get_user_model()
    with transaction.atomic():
        # Lock the engineer so two managers cannot plan overlapping shifts at once.
        locked = user_model.objects.select_for_update().filter(pk=engineer.pk).first()
        errors = shift_plan_errors(line=line, engineer=locked, starts_at=starts_at, ends_at=ends_at)
        raise_field_errors(errors)
        assert locked is not None  # shift_plan_errors refused an engineer who is gone
        shift = DutyShift(
            line=line, engineer=locked, starts_at=starts_at, ends_at=ends_at, planned_by=by
        )
        history_user(shift, by)
        shift.save()
        timer_start(subject=shift, target="shift_handover", started_at=starts_at, assignee=locked)
        timer_start(subject=shift, target="duty_check_in", started_at=starts_at, assignee=locked)
        event_record(
            kind="dutyshift.planned",
            target=shift,
            actor=by,
            data={"line": line.pk, "engineer": locked.pk},
        )
    return shift


def shift_remove(shift: DutyShift, *, by: User) -> None:
    """Take a shift off the roster (not once its hand-over was acknowledged)."""
    _check_perm(by, "tickets.delete_dutyshift")
    with transaction.atomic():
        shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
        if shift.handover_acknowledged_at is not None:
            raise _fail(
                "non_field_errors",
                _("The hand-over of this shift was acknowledged: it stays on the roster."),
            )
        timers_cancel_all(subject=shift)
        event_record(
            kind="dutyshift.removed",
            target=shift,
            actor=by,
            data={
                "line": shift.line_id,
                "engineer": shift.engineer_id,
                "starts_at": shift.starts_at.isoformat(),
            },
        )
        history_user(shift, by)
        shift.delete()


def previous_shift(shift: DutyShift) -> DutyShift | None:
    return (
        DutyShift.objects.filter(line_id=shift.line_id, starts_at__lt=shift.starts_at)
        .select_related("engineer")
        .order_by("-starts_at", "-pk")
        .first()
    )


def handover_items(shift: DutyShift) -> QuerySet[Ticket]:
    """The previous shift's unresolved tickets on this line: open tickets received during
    it or still assigned to its engineer; every open ticket when there is no previous
    shift."""
    before = previous_shift(shift)
    tickets = Ticket.objects.open().select_related("customer", "assignee", "first_contact_owner")
    if before is not None:
        tickets = tickets.filter(
            Q(received_at__gte=before.starts_at, received_at__lt=before.ends_at)
            | Q(assignee_id=before.engineer_id)
        )
    return tickets.order_by("received_at", "pk")


def check_in_open(shift: DutyShift, now: dt.datetime) -> bool:
    """The engineer may check in now: not yet checked in, from ``CHECK_IN_OPENS`` before the
    shift until it ends."""
    return not shift.checked_in_at and shift.starts_at - CHECK_IN_OPENS <= now < shift.ends_at


def shift_check_in(shift: DutyShift, *, by: User | None) -> DutyShift:
    """The engineer on duty is at the desk and ready (meets ``duty_check_in``; later than the
    policy's 10 minutes, the timer records the breach and the service manager is told)."""
    if by is None or by.pk != shift.engineer_id:
        raise NotPermitted(_("Only the engineer on this shift checks in."))
    with transaction.atomic():
        shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
        if shift.checked_in_at is not None:
            raise _fail(
                "non_field_errors",
                _("Already checked in at %(time)s.")
                % {"time": f"{timezone.localtime(shift.checked_in_at):%H:%M}"},
            )
        now = timezone.now()
        if now < shift.starts_at - CHECK_IN_OPENS:
            raise _fail("non_field_errors", _("Check-in opens 30 minutes before the shift starts."))
        if now >= shift.ends_at:
            raise _fail("non_field_errors", _("The shift is over."))
        shift.checked_in_at = now
        save_with_history(shift, by=by, reason="checked in", fields=["checked_in_at"])
        timer_meet(subject=shift, target="duty_check_in", at=now)
        late = max(int((now - shift.starts_at).total_seconds() // 60), 0)
        event_record(
            kind="dutyshift.checked_in", target=shift, actor=by, data={"minutes_after_start": late}
        )
    return shift


def shift_acknowledge_handover(shift: DutyShift, *, by: User | None, note: str = "") -> DutyShift:
    """The incoming engineer has taken over the open items (meets ``shift_handover``)."""
    if by is None or by.pk != shift.engineer_id:
        raise NotPermitted(_("Only the engineer on this shift acknowledges its hand-over."))
    with transaction.atomic():
        shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
        if shift.handover_acknowledged_at is not None:
            raise _fail("non_field_errors", _("The hand-over was already acknowledged."))
        now = timezone.now()
        items = list(handover_items(shift).values_list("pk", flat=True))
        shift.handover_acknowledged_at = now
        shift.handover_note = (note or "").strip()
        history_user(shift, by)
        history_reason(shift, "hand-over acknowledged")
        shift.save(update_fields=["handover_acknowledged_at", "handover_note"])
        timer_meet(subject=shift, target="shift_handover", at=now)
        event_record(
            kind="dutyshift.handover_acknowledged",
            target=shift,
            actor=by,
            data={"tickets": items, "note": shift.handover_note[:500]},
        )
    return shift
