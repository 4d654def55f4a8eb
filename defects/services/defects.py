"""Defects: recording, the severity's deadlines, the state machine's services, the
emergency workaround and escalation to the region lead (docs/domain.md §defect).

Timers count from ``reported_at`` (docs/domain.md §defect.severity): fatal →
``escalation`` (the region lead and the back office told at once, met when they are);
serious → ``report`` (verified and reported within 1 working day) and then ``fix`` (24
wall-clock hours from the report, docs/domain.md
§defect.serious: "在一个工作日内完成验证、上报工作。保证在24小时内督促开发人员完成修改");
important → ``report`` / ``verify`` / ``resolve`` (1 / 2 / 3 working days); general →
``report`` (3 working days). The policies live in the SLA policy table; this module only
names the targets, when each starts and who must act for it (``_owner``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Contract, Customer
from contracts.selectors import installed_product_named
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.models import SlaTimer
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import history_reason, history_user, save_with_history
from servicedesk.core.services.timers import (
    timer_assign,
    timer_cancel,
    timer_meet,
    timer_start,
    timers_cancel_all,
)

from ..choices import DefectState, RejectReason, Severity
from ..models import Defect
from .common import not_in_future, required, role_members

if TYPE_CHECKING:
    from servicedesk.core.types import User

#: the deadlines each severity starts (docs/domain.md §defect.severity)
TIMER_PLAN: dict[str, tuple[str, ...]] = {
    Severity.FATAL: ("escalation",),
    Severity.SERIOUS: ("report", "fix"),
    Severity.IMPORTANT: ("report", "verify", "resolve"),
    Severity.GENERAL: ("report",),
}
ALL_TARGETS = ("escalation", "report", "verify", "fix", "resolve")
#: the transition that reaches each target
MILESTONE_OF = {"report": "report", "verify": "verify", "fix": "fix", "resolve": "fix"}
_AFTER_REPORT = {
    DefectState.REPORTED,
    DefectState.VERIFIED,
    DefectState.IN_FIX,
    DefectState.FIXED,
    DefectState.CONFIRMED,
    DefectState.REOPENED,
    DefectState.CLOSED,
}
_AFTER_VERIFY = _AFTER_REPORT - {DefectState.REPORTED}

REQUIRED = {
    "title": gettext_lazy("Give the defect a short title."),
    "steps": gettext_lazy("How is it reproduced? The tester must be able to follow the steps."),
    "customer_sees": gettext_lazy("What does the customer see (message, behaviour)?"),
    "product": gettext_lazy("Which product?"),
    "version": gettext_lazy("Which version?"),
    "module": gettext_lazy("Which module?"),
    "site": gettext_lazy("Which customer site?"),
}


def _milestone_reached(defect: Defect, target: str) -> bool:
    if target == "report":
        return defect.state in _AFTER_REPORT
    if target == "verify":
        return defect.state in _AFTER_VERIFY
    if target in ("fix", "resolve"):
        # Fixed since it was last reopened (a reopened defect must be fixed again).
        return defect.fixed_at is not None and (
            defect.reopened_at is None or defect.fixed_at >= defect.reopened_at
        )
    return False


def _started_at(defect: Defect, target: str) -> Any:
    """Deadlines count from ``reported_at``; a serious defect's ``fix`` from its report to
    headquarters (``None`` until then); fixing a reopened defect from its reopening."""
    if target == "fix":
        return defect.reopened_at or defect.reported_to_hq_at
    if target == "resolve" and defect.reopened_at is not None:
        return defect.reopened_at
    return defect.reported_at


def _owner(defect: Defect, target: str) -> tuple[Any, str]:
    """Who must act for ``target``: the person, and the role while there is none. The
    reporter reports; the testers verify; the developer fixes, and until one takes it the
    tester who verified it (before that: the testers) sees that someone does."""
    if target in ("fix", "resolve"):
        person = defect.developer or defect.verified_by
        return person, "" if person is not None else Role.TESTER
    if target == "verify":
        return None, Role.TESTER
    return defect.assignee, ""


def _start_timers(defect: Defect) -> None:
    for target in TIMER_PLAN[defect.severity]:
        if target == "escalation" or _milestone_reached(defect, target):
            continue
        started_at = _started_at(defect, target)
        if started_at is None:
            continue  # a serious defect's fix clock starts when it is reported
        person, role = _owner(defect, target)
        timer_start(
            subject=defect,
            target=target,
            started_at=started_at,
            assignee=person,
            owner_role=role,
        )


def _plan_deadlines(defect: Defect) -> None:
    """The severity's deadlines (a fatal defect: tell the region lead at once)."""
    _start_timers(defect)
    if defect.severity == Severity.FATAL:
        _notify_fatal(defect)


def _reassign(defect: Defect, *targets: str) -> None:
    for target in targets:
        person, role = _owner(defect, target)
        timer_assign(subject=defect, target=target, assignee=person, owner_role=role)


def _notify_fatal(defect: Defect) -> None:
    """docs/domain.md §defect.fatal: a fatal bug — contact the back office at once, report to the
    region lead; the ``escalation`` deadline is met by telling them."""
    # Told the moment it is recorded (the timer starts then, not at ``reported_at``: a
    # 0-minute deadline from an earlier instant could only ever be breached).
    timer_start(subject=defect, target="escalation", assignee=defect.assignee)
    people = role_members(Role.REGION_LEAD, Role.TECH_MANAGER)
    notifications_create(
        recipients=people,
        kind="defect_fatal",
        title=_("Fatal defect: %(number)s %(customer)s")
        % {"number": defect.number, "customer": defect.customer or defect.site},
        body=f"{defect.title}\n{defect.customer_sees}"[:500],
        url=defect.get_absolute_url(),
        target=defect,
        dedupe_key=f"defect:{defect.pk}:fatal",
    )
    _follow(defect, people)
    timer_meet(subject=defect, target="escalation")


def _follow(defect: Defect, people: list[User | None]) -> None:
    people = [p for p in people if p is not None]
    if people:
        defect.followers.add(*people)


def _sole_module(installed: Any) -> str:
    """The installed product's module when it lists only one (of several, the reporter
    names the one that fails)."""
    modules = [m for m in re.split(r"[,，、;；/\s]+", installed.modules) if m] if installed else []
    return modules[0] if len(modules) == 1 else ""


def _first(*values: Any) -> str:
    return next((v for v in values if v), "")


def defect_environment_defaults(
    *, dispatch: Any = None, ticket: Any = None, customer: Customer | None = None, product: str = ""
) -> dict[str, str]:
    """What a defect's environment is when the reporter leaves it out (docs/api.md §inputs: optional
    fields have defaults): the visit's or the call's product and symptoms, the installed
    product's version (and its module when it lists only one), the site visited or else the
    customer's address or name. Blank where nothing says it: the service then asks."""
    customer = customer or getattr(dispatch, "customer", None) or getattr(ticket, "customer", None)
    product = _first(
        (product or "").strip(), getattr(dispatch, "product", ""), getattr(ticket, "product", "")
    )
    installed = installed_product_named(customer, product)
    site = getattr(dispatch, "site_address", "") or ""
    if not site and customer is not None:
        site = customer.address or customer.name
    return {
        "product": product or getattr(installed, "software", ""),
        "version": getattr(installed, "version", ""),
        "module": _sole_module(installed),
        "site": site,
        "customer_sees": _first(
            getattr(dispatch, "problem", ""), getattr(ticket, "description", "")
        ),
    }


def _environment(
    values: dict[str, str], *, dispatch: Any, ticket: Any, customer: Customer | None
) -> dict[str, str]:
    """The reporter's environment fields, each blank one from its default."""
    defaults = defect_environment_defaults(
        dispatch=dispatch, ticket=ticket, customer=customer, product=values["product"]
    )
    filled = {name: (value or "").strip() for name, value in values.items()}
    return {name: (value or defaults[name] or "").strip() for name, value in filled.items()}


def _links(
    *, dispatch: Any, ticket: Any, customer: Customer | None, contract: Contract | None
) -> tuple[Any, Customer | None, Contract | None]:
    """The call, customer and contract a defect belongs to: what the reporter named, else
    what the visit or the call it comes from names."""
    if dispatch is not None:
        ticket = ticket or getattr(dispatch, "ticket", None)
        customer = customer or getattr(dispatch, "customer", None)
        contract = contract or getattr(dispatch, "contract", None)
    if ticket is not None:
        customer = customer or ticket.customer
        contract = contract or ticket.contract
    return ticket, customer, contract


def _tell_region_leads(defect: Defect) -> None:
    """docs/domain.md §defect.serious: serious bugs are reported to the region lead too."""
    leads = role_members(Role.REGION_LEAD)
    _follow(defect, leads)
    notifications_create(
        recipients=leads,
        kind="defect_serious",
        title=_("Serious defect: %(number)s %(customer)s")
        % {"number": defect.number, "customer": defect.customer or defect.site},
        body=defect.title,
        url=defect.get_absolute_url(),
        target=defect,
    )


def defect_record(
    *,
    by: User,
    severity: str,
    title: str,
    steps: str,
    customer_sees: str = "",
    product: str = "",
    version: str = "",
    module: str = "",
    site: str = "",
    customer: Customer | None = None,
    contract: Contract | None = None,
    ticket: Any = None,
    dispatch: Any = None,
    reported_at: dt.datetime | None = None,
    assignee: User | None = None,
    workaround: str = "",
    tracker_key: str = "",
    tracker_url: str = "",
) -> Defect:
    """Record a defect with its environment; its severity's deadlines start from
    ``reported_at`` (defaults to now, may be earlier, never later). What the reporter leaves
    out of the environment comes from the visit, the call or the customer's installed
    product (``defect_environment_defaults``)."""
    environment = _environment(
        {
            "customer_sees": customer_sees,
            "product": product,
            "version": version,
            "module": module,
            "site": site,
        },
        dispatch=dispatch,
        ticket=ticket,
        customer=customer,
    )
    errors = required({"title": title, "steps": steps, **environment}, REQUIRED)
    if severity not in Severity.values:
        errors["severity"] = [_("Choose fatal, serious, important or general.")]
    reported_at = reported_at or timezone.now()
    not_in_future(reported_at, "reported_at", errors)
    ticket, customer, contract = _links(
        dispatch=dispatch, ticket=ticket, customer=customer, contract=contract
    )
    if contract is not None and customer is not None and contract.customer_id != customer.pk:
        errors["contract"] = [_("This contract belongs to another customer.")]
    if contract is None and customer is not None:
        contract = customer.contracts.order_by("-signed_on", "-id").first()
    raise_field_errors(errors)
    with transaction.atomic():
        defect = Defect(
            number=uuid.uuid4().hex[:20],
            severity=severity,
            title=title.strip(),
            steps=steps.strip(),
            **environment,
            customer=customer,
            contract=contract,
            ticket=ticket,
            dispatch=dispatch,
            reported_at=reported_at,
            recorded_by=by,
            assignee=assignee or by,
            workaround=(workaround or "").strip(),
            tracker_key=(tracker_key or "").strip(),
            tracker_url=(tracker_url or "").strip(),
        )
        history_user(defect, by)
        history_reason(defect, "record")
        defect.save()
        defect.number = f"DF{timezone.localtime(reported_at):%Y%m%d}-{defect.pk:05d}"
        defect.save(update_fields=["number"])
        _follow(defect, [by, defect.assignee])
        _plan_deadlines(defect)
        if severity == Severity.SERIOUS:
            _tell_region_leads(defect)
        event_record(
            kind="defect.recorded",
            target=defect,
            actor=by,
            data={
                "defect": defect.pk,
                "number": defect.number,
                "severity": defect.severity,
                "dispatch": getattr(dispatch, "pk", None),
                "ticket": getattr(ticket, "pk", None),
            },
        )
    return defect


def _meet(defect: Defect, *targets: str) -> None:
    for target in targets:
        timer_meet(subject=defect, target=target)


def _note_required(note: str, field: str, message: Any) -> None:
    raise_field_errors({} if (note or "").strip() else {field: [str(message)]})


def defect_report(defect: Defect, *, by: User, note: str = "") -> Defect:
    """Verified on site and reported to headquarters (the ``report`` deadline)."""
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="report",
            by=by,
            kwargs={"note": (note or "").strip(), "at": timezone.now()},
            update_fields=["report_note", "reported_to_hq_at"],
        )
        _meet(defect, "report")
        _start_timers(defect)  # a serious defect's fix: 24 hours from now
        testers = role_members(Role.TESTER)
        notifications_create(
            recipients=testers,
            kind="defect_reported",
            title=_("Defect to verify: %(number)s") % {"number": defect.number},
            body=defect.title,
            url=defect.get_absolute_url(),
            target=defect,
        )
    return defect


def defect_verify(defect: Defect, *, by: User, note: str) -> Defect:
    """The tester reproduced it (the ``verify`` deadline of an important defect)."""
    _note_required(note, "note", _("How was it reproduced?"))
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="verify",
            by=by,
            kwargs={"note": note.strip(), "at": timezone.now(), "by": by},
            update_fields=["verify_note", "verified_at", "verified_by"],
        )
        _meet(defect, "verify")
        _reassign(defect, "fix", "resolve")
        _follow(defect, [by])
        notifications_create(
            recipients=role_members(Role.DEVELOPER),
            kind="defect_verified",
            title=_("Defect to fix: %(number)s") % {"number": defect.number},
            body=defect.title,
            url=defect.get_absolute_url(),
            target=defect,
        )
    return defect


def defect_start_fix(defect: Defect, *, by: User, developer: User | None = None) -> Defect:
    _check(by, "defects.fix_defect")
    developer = developer or by
    if not developer.has_perm("defects.fix_defect"):
        raise_field_errors({"developer": [_("Choose a developer.")]})
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="start_fix",
            by=by,
            kwargs={"developer": developer},
            update_fields=["developer"],
        )
        _reassign(defect, "fix", "resolve")
        _follow(defect, [developer])
    return defect


def defect_fix(defect: Defect, *, by: User, note: str, version: str = "") -> Defect:
    """Fixed by the developer (the ``fix`` and ``resolve`` deadlines)."""
    _note_required(note, "note", _("What was changed?"))
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="fix",
            by=by,
            kwargs={"note": note.strip(), "version": (version or "").strip(), "at": timezone.now()},
            update_fields=["fix_note", "fixed_version", "fixed_at"],
        )
        _meet(defect, "fix", "resolve")
        notifications_create(
            recipients=[defect.assignee],
            kind="defect_fixed",
            title=_("Fixed, ask the customer to confirm: %(number)s") % {"number": defect.number},
            body=defect.fix_note[:500],
            url=defect.get_absolute_url(),
            target=defect,
        )
    return defect


def defect_confirm(defect: Defect, *, by: User, note: str) -> Defect:
    """The customer confirms the fix solves the problem."""
    _note_required(note, "note", _("Who confirmed, and what did they say?"))
    with transaction.atomic():
        return transition_run(
            instance=defect,
            name="confirm",
            by=by,
            kwargs={"note": note.strip(), "at": timezone.now()},
            update_fields=["confirm_note", "confirmed_at"],
        )


def defect_reopen(defect: Defect, *, by: User, reason: str) -> Defect:
    """Not solved after all: back to the developers, with a fresh fix deadline."""
    _note_required(reason, "reason", _("Why is it reopened?"))
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="reopen",
            by=by,
            kwargs={"reason": reason.strip(), "at": timezone.now()},
            update_fields=["reopen_reason", "reopened_at"],
            event_data={"reason": reason.strip()[:500]},
        )
        # The fix deadlines of its severity start again from the reopening.
        _plan_deadlines(defect)
        if defect.developer is not None:  # no query when there is none
            notifications_create(
                recipients=[defect.developer],
                kind="defect_reopened",
                title=_("Defect reopened: %(number)s") % {"number": defect.number},
                body=reason,
                url=defect.get_absolute_url(),
                target=defect,
            )
    return defect


def defect_close(defect: Defect, *, by: User) -> Defect:
    """Solved and confirmed: close it. The announcement ``defect.close`` carries the
    call it came from and the resolution; the hotline reacts by resolving that call
    (tickets.subscribers.ticket_resolved_by_defect, docs/architecture.md §apps.events)."""
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="close",
            by=by,
            kwargs={"at": timezone.now()},
            update_fields=["closed_at"],
            event_data=_resolution(defect),
        )
        timers_cancel_all(subject=defect)
    return defect


def _resolution(defect: Defect) -> dict[str, Any]:
    """What a closed defect tells the call it came from."""
    if defect.ticket_id is None:
        return {}
    return {
        "ticket": defect.ticket_id,
        "problem": defect.customer_sees,
        "cause": defect.verify_note or defect.title,
        "solution": defect.fix_note,
        "steps": defect.steps,
    }


def defect_reject(defect: Defect, *, by: User, reason: str, note: str) -> Defect:
    """Duplicate, not a bug, or won't fix: the reason is required."""
    errors: dict[str, list[str]] = {}
    if reason not in RejectReason.values:
        errors["reason"] = [_("Choose duplicate, not a bug or won't fix.")]
    if not (note or "").strip():
        errors["note"] = [_("Explain why (it is told to the customer).")]
    raise_field_errors(errors)
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="reject",
            by=by,
            kwargs={"reason": reason, "note": note.strip(), "at": timezone.now()},
            update_fields=["reject_reason", "reject_note", "closed_at"],
            event_data={"reason": reason, "note": note.strip()[:500]},
        )
        timers_cancel_all(subject=defect)
    return defect


def defect_escalate(defect: Defect, *, by: User, point: str) -> Defect:
    """People cannot agree: the region lead coordinates (docs/domain.md §defect.escalate)."""
    _note_required(point, "point", _("What is the point of disagreement?"))
    leads = role_members(Role.REGION_LEAD)
    if not leads:
        raise ApplicationError(_("No region lead is set up to escalate to."))
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="escalate",
            by=by,
            kwargs={"point": point.strip(), "at": timezone.now()},
            update_fields=["escalation_point", "escalated_at"],
            event_data={"point": point.strip()[:500]},
        )
        _follow(defect, leads)
        notifications_create(
            recipients=leads,
            kind="defect_escalated",
            title=_("Disagreement on %(number)s: please coordinate") % {"number": defect.number},
            body=point.strip()[:500],
            url=defect.get_absolute_url(),
            target=defect,
        )
    return defect


def defect_change_severity(defect: Defect, *, by: User, severity: str, reason: str) -> Defect:
    """A new severity re-plans the deadlines from ``reported_at``; audited with the
    reason (history and the domain event)."""
    errors: dict[str, list[str]] = {}
    if severity not in Severity.values:
        errors["severity"] = [_("Choose fatal, serious, important or general.")]
    elif severity == defect.severity:
        errors["severity"] = [_("The defect already has this severity.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Why does the severity change?")]
    raise_field_errors(errors)
    old = defect.severity
    with transaction.atomic():
        defect = transition_run(
            instance=defect,
            name="change_severity",
            by=by,
            kwargs={"severity": severity},
            update_fields=["severity"],
            reason=f"change_severity: {reason.strip()}"[:100],
            event_data={"severity_from": old, "severity_to": severity, "reason": reason.strip()},
        )
        for target in ALL_TARGETS:
            timer_cancel(subject=defect, target=target)
        _plan_deadlines(defect)
    return defect


def defect_save_workaround(defect: Defect, *, by: User, workaround: str) -> Defect:
    """The emergency solution, for the next occurrence (docs/domain.md §defect.workaround)."""
    _check(by, "defects.work_defect")
    _note_required(workaround, "workaround", _("Describe the emergency workaround."))
    with transaction.atomic():
        defect = Defect.objects.select_for_update().get(pk=defect.pk)
        defect.workaround = workaround.strip()
        save_with_history(defect, by=by, reason="workaround", fields=["workaround"])
        event_record(kind="defect.workaround", target=defect, actor=by, data={})
    return defect


def defect_publish_workaround(defect: Defect, *, by: User, title: str = "") -> Any:
    """The emergency workaround as a knowledge article in one step: a draft pre-filled from
    the defect and linked back to it, reviewed before the hotline is offered it
    (docs/domain.md §defect.workaround); once written, later calls update that article's
    text (a published one only by a reviewer)."""
    from tickets.services.knowledge import article_draft, article_save

    if not defect.workaround.strip():
        raise_field_errors({"workaround": [_("Record the emergency workaround first.")]})
    data = {
        "title": (title or "").strip() or defect.title,
        "product": defect.product,
        "module": defect.module,
        "symptoms": defect.customer_sees,
        "cause": defect.verify_note,
        "solution": defect.workaround,
        "steps": defect.steps,
    }
    with transaction.atomic():
        defect = Defect.objects.select_for_update().get(pk=defect.pk)
        if defect.knowledge_article is None:
            article = article_draft(by=by, source=defect, data=data)
        else:
            article = article_save(by=by, data=data, article=defect.knowledge_article)
        defect.knowledge_article = article
        save_with_history(defect, by=by, reason="publish workaround", fields=["knowledge_article"])
        event_record(
            kind="defect.workaround_published",
            target=defect,
            actor=by,
            data={"article": article.pk},
        )
    return article


def defect_set_tracker(defect: Defect, *, by: User, key: str, url: str) -> Defect:
    """Link the defect to an external tracker (JIRA…); no sync."""
    _check(by, "defects.work_defect")
    with transaction.atomic():
        defect = Defect.objects.select_for_update().get(pk=defect.pk)
        defect.tracker_key = (key or "").strip()
        defect.tracker_url = (url or "").strip()
        save_with_history(defect, by=by, reason="tracker", fields=["tracker_key", "tracker_url"])
    return defect


def defect_follow(
    defect: Defect, *, by: User, user: User | None = None, follow: bool = True
) -> Defect:
    """Follow (or stop following) a defect: followers are reminded of its deadlines."""
    user = user or by
    _check(by, "defects.follow_defect")
    if user != by:
        _check(by, "defects.work_defect")
    if follow:
        defect.followers.add(user)
    else:
        defect.followers.remove(user)
    event_record(
        kind="defect.follow" if follow else "defect.unfollow",
        target=defect,
        actor=by,
        data={"user": user.pk},
    )
    return defect


def defect_follow_toggle(defect: Defect, *, by: User) -> Defect:
    """The portal's one button: follow the defect, or stop following it."""
    following = defect.followers.filter(pk=by.pk).exists()
    return defect_follow(defect, by=by, follow=not following)


def _check(by: User, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise NotPermitted(_("You may not perform this action."))


def defect_open_timer_targets(defect: Defect) -> list[str]:
    return list(
        SlaTimer.objects.for_subject(defect)
        .filter(state__in=[TimerState.RUNNING, TimerState.PAUSED])
        .values_list("target", flat=True)
    )
