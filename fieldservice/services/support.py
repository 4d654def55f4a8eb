"""Writes of on-site support plans (docs/domain.md §support-plan)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import TransitionConflict, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.transitions import lock

from ..models.support import CustomerQuestion, QuestionRoute, SupportPlan, SupportPlanItem

if TYPE_CHECKING:
    from servicedesk.core.types import User


def _text(value: Any) -> str:
    return (value or "").strip()


def support_plan_create(
    *,
    by: User,
    customer: Any,
    back_office: Any,
    scope: str,
    content: str,
    agreed_with: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    engineer: Any = None,
    contract: Any = None,
) -> SupportPlan:
    """The plan agreed with the customer: scope, content, dates, the back-office contact."""
    errors: dict[str, list[str]] = {}
    for name, value, message in (
        ("scope", scope, _("What is the scope of the on-site work?")),
        ("content", content, _("What was agreed with the customer?")),
        ("agreed_with", agreed_with, _("With whom at the customer was it agreed?")),
    ):
        if not _text(value):
            errors[name] = [message]
    if customer is None:
        errors["customer"] = [_("For which customer?")]
    if back_office is None:
        errors["back_office"] = [_("Name the back-office contact.")]
    if starts_on is None:
        errors["starts_on"] = [_("From which day?")]
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The plan ends after it starts.")]
    raise_field_errors(errors)
    with transaction.atomic():
        plan = SupportPlan(
            customer=customer,
            contract=contract,
            engineer=engineer,
            back_office=back_office,
            scope=_text(scope),
            content=_text(content),
            agreed_with=_text(agreed_with)[:100],
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=by,
        )
        save_with_history(plan, by=by, reason="support plan")
        event_record(kind="supportplan.created", target=plan, actor=by, data={})
    return plan


def support_item_add(plan: SupportPlan, *, by: User, what: str, due_on: dt.date) -> SupportPlanItem:
    errors: dict[str, list[str]] = {}
    if not _text(what):
        errors["what"] = [_("What is done?")]
    if due_on is None:
        errors["due_on"] = [_("When?")]
    raise_field_errors(errors)
    with transaction.atomic():
        item = SupportPlanItem(plan=plan, what=_text(what)[:300], due_on=due_on)
        save_with_history(item, by=by, reason="support plan item")
    return item


def support_item_done(item: SupportPlanItem, *, by: User, done_note: str = "") -> SupportPlanItem:
    with transaction.atomic():
        item = lock(item)
        if item.done_at is not None:
            raise TransitionConflict(_("This item is already done."))
        item.done_at = timezone.now()
        item.done_by = by
        item.done_note = _text(done_note)[:300]
        save_with_history(item, by=by, reason="support plan item done")
    return item


def question_record(
    plan: SupportPlan, *, by: User, asked_by: str, question: str
) -> CustomerQuestion:
    errors: dict[str, list[str]] = {}
    if not _text(asked_by):
        errors["asked_by"] = [_("Who asked?")]
    if not _text(question):
        errors["question"] = [_("What was asked?")]
    raise_field_errors(errors)
    with transaction.atomic():
        q = CustomerQuestion(
            plan=plan, asked_by=_text(asked_by)[:100], question=_text(question), recorded_by=by
        )
        save_with_history(q, by=by, reason="customer question")
    return q


def question_reply(q: CustomerQuestion, *, by: User, route: str, reply: str) -> CustomerQuestion:
    """Every question is answered or routed, with a reply to the customer."""
    errors: dict[str, list[str]] = {}
    if route not in QuestionRoute.values:
        errors["route"] = [_("Answered on site, or routed where?")]
    if not _text(reply):
        errors["reply"] = [_("What was the customer told?")]
    raise_field_errors(errors)
    with transaction.atomic():
        q = lock(q)
        if q.replied_at is not None:
            raise TransitionConflict(_("This question has its reply."))
        q.route = route
        q.reply = _text(reply)
        q.replied_at = timezone.now()
        save_with_history(q, by=by, reason="customer question replied")
    return q
