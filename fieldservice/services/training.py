"""Customer training (docs/domain.md §training): planning, the plan sent to the customer,
attendees and their sign-in (drawn on a tablet, or the scanned printed sheet), feedback
forms, holding and completing the session (certificates numbered, the follow-up call
scheduled), filing the report in the customer archive, cancelling."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotPermitted, TransitionConflict, raise_field_errors
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import save_with_history

from ..models import Engineer
from ..models.training import (
    SCORE_FIELDS,
    SignInMethod,
    TrainingAttendee,
    TrainingFeedback,
    TrainingSession,
    TrainingState,
    may_run_training,
)

if TYPE_CHECKING:
    from contracts.models import Contract, Customer
    from servicedesk.core.types import User

SIGN_IN_FORM = "training_sign_in"
ATTENDEE_ROLE = "attendee"
#: The follow-up call after a training: within two working days (docs/domain.md §training).
FOLLOW_UP_WORKING_DAYS = 2
#: States in which people may still be added and sign in.
_OPEN = (TrainingState.PLANNED, TrainingState.PLAN_SENT, TrainingState.HELD)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _may_run(session: TrainingSession, by: User) -> None:
    if not may_run_training(session, by):
        raise NotPermitted(_("You may not perform this action."))


def _plan_errors(
    *, title: str, location: str, starts_on: dt.date, ends_on: dt.date, trainer: Engineer
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not _text(title):
        errors["title"] = [_("What is the training about?")]
    if not _text(location):
        errors["location"] = [_("Where is it held?")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first.")]
    if not trainer.can_work(starts_on):
        errors["trainer"] = [_("Choose a certified, active engineer.")]
    return errors


def training_plan(
    *,
    by: User,
    customer: Customer,
    trainer: Engineer,
    title: str,
    location: str,
    starts_on: dt.date,
    ends_on: dt.date,
    plan: str,
    timetable: str,
    expected_attendees: int = 10,
    contract: Contract | None = None,
) -> TrainingSession:
    """The department manager plans the training from the contract and gives it to a
    trainer (部门经理应根据培训合同，预先拟制培训筹划及时间表…提前将培训任务交由某个工程师负责)."""
    if not by.has_perm("fieldservice.plan_training"):
        raise NotPermitted(_("You may not perform this action."))
    raise_field_errors(
        _plan_errors(
            title=title, location=location, starts_on=starts_on, ends_on=ends_on, trainer=trainer
        )
    )
    if contract is not None and contract.customer_id != customer.pk:
        raise_field_errors({"contract": [_("The contract is another customer's.")]})
    now = timezone.now()
    with transaction.atomic():
        session = TrainingSession(
            number=uuid.uuid4().hex[:20],
            customer=customer,
            contract=contract,
            trainer=trainer,
            title=_text(title)[:200],
            location=_text(location)[:200],
            starts_on=starts_on,
            ends_on=ends_on,
            expected_attendees=expected_attendees,
            plan=_text(plan),
            timetable=_text(timetable),
            planned_by=by,
            created_at=now,
        )
        save_with_history(session, by=by, reason="training planned")
        session.number = f"PX{timezone.localtime(now):%Y%m%d}-{session.pk:05d}"
        session.save(update_fields=["number"])
        event_record(kind="trainingsession.planned", target=session, actor=by)
        notifications_create(
            recipients=[trainer.user],
            kind="training_assigned",
            title=_("Training to give: %(number)s %(title)s (%(customer)s, from %(day)s)")
            % {
                "number": session.number,
                "title": session.title,
                "customer": customer,
                "day": starts_on.isoformat(),
            },
            url=session.get_absolute_url(),
            target=session,
        )
    return session


def training_send_plan(session: TrainingSession, *, by: User, sent_to: str) -> TrainingSession:
    """The plan and timetable (printed form ``training_plan``) went to the customer."""
    if not _text(sent_to):
        raise_field_errors({"sent_to": [_("To whom, and how (e-mail, fax, by hand)?")]})
    with transaction.atomic():
        return transition_run(
            instance=session,
            name="send_plan",
            by=by,
            kwargs={"at": timezone.now(), "sent_to": _text(sent_to)[:200]},
            update_fields=["plan_sent_at", "plan_sent_to"],
        )


def training_attendee_add(
    session: TrainingSession,
    *,
    by: User,
    name: str,
    department: str = "",
    position: str = "",
    phone: str = "",
) -> TrainingAttendee:
    """Someone on the list (before the day, or a walk-in on the day)."""
    _may_run(session, by)
    if session.state not in _OPEN:
        raise TransitionConflict(_("The training is over: the list is closed."))
    if not _text(name):
        raise_field_errors({"name": [_("The attendee's name.")]})
    attendee = TrainingAttendee(
        session=session,
        name=_text(name)[:60],
        department=_text(department)[:100],
        position=_text(position)[:60],
        phone=_text(phone)[:30],
    )
    try:
        with transaction.atomic():
            save_with_history(attendee, by=by, reason="attendee")
    except IntegrityError:
        raise_field_errors({"name": [_("This person is already on the list.")]})
    return attendee


def _sign_in_open(session: TrainingSession) -> None:
    if session.state not in (TrainingState.PLAN_SENT, TrainingState.HELD):
        raise TransitionConflict(
            _("Attendees sign in once the plan is sent, until it is completed.")
        )


def training_sign_in(
    session: TrainingSession,
    *,
    by: User,
    attendee: TrainingAttendee,
    image: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> TrainingAttendee:
    """An attendee signs in on the trainer's tablet (人员签到记录)."""
    from servicedesk.core.services import signature_record

    _may_run(session, by)
    _sign_in_open(session)
    if attendee.session_id != session.pk:
        raise_field_errors({"attendee": [_("Not on this training's list.")]})
    if not image:
        raise_field_errors({"image": [_("Sign in the box first.")]})
    with transaction.atomic():
        attendee = TrainingAttendee.objects.select_for_update().get(pk=attendee.pk)
        if attendee.signed_in_at is not None:
            return attendee
        signature = signature_record(
            target=session,
            form=SIGN_IN_FORM,
            signer_role=ATTENDEE_ROLE,
            signer_name=attendee.name,
            by=by,
            image=image,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        attendee.signed_in_at = signature.signed_at
        attendee.sign_in_method = SignInMethod.TABLET
        attendee.signature = signature
        save_with_history(
            attendee,
            by=by,
            reason="signed in",
            fields=["signed_in_at", "sign_in_method", "signature"],
        )
    return attendee


def training_sheet_upload(
    session: TrainingSession,
    *,
    by: User,
    scan: Any,
    present: list[TrainingAttendee],
) -> TrainingSession:
    """The printed sign-in sheet, signed on paper, scanned: those ticked are present."""
    from servicedesk.core.services import signature_record

    _may_run(session, by)
    _sign_in_open(session)
    if not present:
        raise_field_errors({"present": [_("Tick who signed the sheet.")]})
    if any(a.session_id != session.pk for a in present):
        raise_field_errors({"present": [_("Not on this training's list.")]})
    with transaction.atomic():
        signature = signature_record(
            target=session,
            form=SIGN_IN_FORM,
            signer_role=ATTENDEE_ROLE,
            signer_name=_("Sign-in sheet (%(count)s people)") % {"count": len(present)},
            by=by,
            file=scan,
        )
        for attendee in TrainingAttendee.objects.select_for_update().filter(
            pk__in=[a.pk for a in present], signed_in_at__isnull=True
        ):
            attendee.signed_in_at = signature.signed_at
            attendee.sign_in_method = SignInMethod.SHEET
            attendee.signature = signature
            save_with_history(
                attendee,
                by=by,
                reason="signed in",
                fields=["signed_in_at", "sign_in_method", "signature"],
            )
    return session


def training_feedback_record(
    session: TrainingSession,
    *,
    by: User,
    score_content: int,
    score_trainer: int,
    score_materials: int,
    score_organisation: int,
    comments: str = "",
    attendee: TrainingAttendee | None = None,
) -> TrainingFeedback:
    """One filled-in feedback form (培训反馈表), typed in or given on the tablet."""
    _may_run(session, by)
    if session.state not in (TrainingState.PLAN_SENT, TrainingState.HELD):
        raise TransitionConflict(
            _("Feedback is collected at the training, before it is completed.")
        )
    scores = {
        "score_content": score_content,
        "score_trainer": score_trainer,
        "score_materials": score_materials,
        "score_organisation": score_organisation,
    }
    errors = {
        name: [_("A score from 1 to 5.")]
        for name in SCORE_FIELDS
        if not isinstance(scores[name], int) or not 1 <= scores[name] <= 5
    }
    if attendee is not None and attendee.session_id != session.pk:
        errors["attendee"] = [_("Not on this training's list.")]
    raise_field_errors(errors)
    feedback = TrainingFeedback(
        session=session, attendee=attendee, comments=_text(comments), recorded_by=by, **scores
    )
    with transaction.atomic():
        save_with_history(feedback, by=by, reason="feedback")
        event_record(
            kind="trainingsession.feedback", target=session, actor=by, data={"id": feedback.pk}
        )
    return feedback


def training_hold(session: TrainingSession, *, by: User) -> TrainingSession:
    """The training took place (attendance recorded)."""
    with transaction.atomic():
        return transition_run(
            instance=session,
            name="hold",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["held_at"],
        )


def training_complete(
    session: TrainingSession, *, by: User, summary: str, suggestions: str = ""
) -> TrainingSession:
    """Feedback in: a certificate for each attendee who signed in, the trainer's report
    (过程、心得体会、建议及客户状况), and the follow-up call two working days later."""
    if not _text(summary):
        raise_field_errors({"summary": [_("How did the training go?")]})
    now = timezone.now()
    with transaction.atomic():
        session = transition_run(
            instance=session,
            name="complete",
            by=by,
            kwargs={"at": now, "summary": _text(summary), "suggestions": _text(suggestions)},
            update_fields=["completed_at", "summary", "suggestions"],
        )
        _certificates(session, by=by, now=now)
        _schedule_follow_up(session, by=by, now=now)
    return session


def _certificates(session: TrainingSession, *, by: User, now: dt.datetime) -> None:
    present = TrainingAttendee.objects.select_for_update().filter(
        session=session, signed_in_at__isnull=False, certificate_number=""
    )
    year = timezone.localtime(now).year
    for index, attendee in enumerate(present.order_by("id"), start=1):
        attendee.certificate_number = f"ZS{year}-{session.pk:05d}-{index:03d}"
        save_with_history(attendee, by=by, reason="certificate", fields=["certificate_number"])


def _schedule_follow_up(session: TrainingSession, *, by: User, now: dt.datetime) -> None:
    from contracts.choices import RevisitReason
    from contracts.services.visits import revisit_schedule
    from servicedesk.core.calendars import deadline, default_calendar

    due = deadline(default_calendar(), now, FOLLOW_UP_WORKING_DAYS, "working_days")
    revisit_schedule(
        customer=session.customer,
        contract=session.contract,
        reason=RevisitReason.POST_TRAINING,
        due_on=timezone.localdate(due),
        by=by,
        source=session,
    )


def training_archive(session: TrainingSession, *, by: User) -> TrainingSession:
    """The training report and feedback forms go into the customer archive
    (交技术部经理存入相应的客户档案)."""
    with transaction.atomic():
        return transition_run(
            instance=session,
            name="archive",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["archived_at"],
        )


def training_cancel(session: TrainingSession, *, by: User, reason: str) -> TrainingSession:
    if not _text(reason):
        raise_field_errors({"reason": [_("Why is it cancelled?")]})
    with transaction.atomic():
        session = transition_run(
            instance=session,
            name="cancel",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)[:300]},
            update_fields=["cancelled_at", "cancel_reason"],
        )
        notifications_create(
            recipients=[session.trainer.user],
            kind="training_cancelled",
            title=_("Training cancelled: %(number)s %(title)s")
            % {"number": session.number, "title": session.title},
            body=session.cancel_reason,
            url=session.get_absolute_url(),
            target=session,
        )
    return session
