"""The technical manager's weekly briefing to sales (技术部经理每周将实施情况通报销售人员),
drafted from the week's visits per customer (docs/domain.md §reports.briefing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import NotPermitted, TransitionConflict
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.types import User

from ..choices import BriefingState, TripState
from ..models import BriefingItem, SalesBriefing, TripReport, week_monday
from .common import week_bounds
from .weekly import drafting_day


def briefing_writers() -> Any:
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__permissions__codename="write_salesbriefing",
            groups__permissions__content_type__app_label="reports",
        )
        .distinct()
        .order_by("pk")
    )


def briefings_draft(*, now: dt.datetime | None = None, force: bool = False) -> dict:
    """With the weekly reports: each technical manager's briefing of the week, once."""
    today = timezone.localdate(now)
    if not force and not drafting_day(today):
        return {"drafted": 0, "skipped": "not the last working day of the week"}
    drafted = 0
    for user in briefing_writers():
        _briefing, created = briefing_draft(author=user, week_start=week_monday(today))
        drafted += int(created)
    return {"drafted": drafted}


def briefing_draft(
    *, author: User, week_start: dt.date, by: User | None = None
) -> tuple[SalesBriefing, bool]:
    from fieldservice.selectors import visits_by_customer

    week_start = week_monday(week_start)
    with transaction.atomic():
        briefing, created = SalesBriefing.objects.get_or_create(
            author=author, week_start=week_start
        )
        if not created:
            return briefing, False
        start, end = week_bounds(week_start)
        rows = visits_by_customer(start=start, end=end)
        notes = _trip_notes(week_start)
        BriefingItem.objects.bulk_create(
            BriefingItem(
                briefing=briefing,
                customer_id=row["customer_id"],
                visits=row["items"],
                solved=row["solved"],
                notes=notes.get(row["customer_id"], ""),
            )
            for row in rows
        )
        totals = briefing.items.aggregate(visits=Sum("visits"), customers=Count("id"))
        with translation.override(
            translation.get_language() or settings.LANGUAGE_CODE
        ):  # also drafted by the beat task
            briefing.summary = _(
                "This week we visited %(customers)d customer(s) %(visits)d time(s) on site."
            ) % {"customers": totals["customers"] or 0, "visits": totals["visits"] or 0}
        save_with_history(briefing, by=by, reason="drafted")
    return briefing, True


def _trip_notes(week_start: dt.date) -> dict[int, str]:
    """Per customer, what the week's submitted trip reports say of the customer's situation
    and what the engineers suggest."""
    notes: dict[int, list[str]] = {}
    reports = TripReport.objects.filter(
        visited_on__gte=week_start,
        visited_on__lte=week_start + dt.timedelta(days=6),
        state__in=[TripState.SUBMITTED, TripState.READ],
    ).order_by("visited_on", "pk")
    for report in reports.only("customer_id", "customer_situation", "suggestions"):
        for text in (report.customer_situation, report.suggestions):
            if text.strip():
                notes.setdefault(report.customer_id, []).append(text.strip())
    return {k: "\n".join(v) for k, v in notes.items()}


def briefing_edit(
    briefing: SalesBriefing, *, by: User, summary: str, notes: dict[int, str] | None = None
) -> SalesBriefing:
    if briefing.author_id != by.pk:
        raise NotPermitted(_("Only the author edits the briefing."))
    with transaction.atomic():
        briefing = SalesBriefing.objects.select_for_update().get(pk=briefing.pk)
        if briefing.state != BriefingState.DRAFT:
            raise TransitionConflict(_("A sent briefing can no longer be changed."))
        briefing.summary = (summary or "").strip()
        save_with_history(briefing, by=by, reason="edited", fields=["summary"])
        for item in briefing.items.all():
            if notes and item.pk in notes and notes[item.pk] != item.notes:
                item.notes = (notes[item.pk] or "").strip()
                save_with_history(item, by=by, reason="edited", fields=["notes"])
    return briefing


def briefing_send(briefing: SalesBriefing, *, by: User) -> SalesBriefing:
    with transaction.atomic():
        briefing = transition_run(instance=briefing, name="send", by=by, update_fields=["sent_at"])
        notifications_create(
            recipients=users_in_roles(Role.SALES_MANAGER),
            kind="sales_briefing_sent",
            title=_("Technical briefing of the week of %(week)s")
            % {"week": f"{briefing.week_start:%Y-%m-%d}"},
            body=briefing.summary[:500],
            url=briefing.get_absolute_url(),
            target=briefing,
            dedupe_key=f"briefing-sent-{briefing.pk}",
        )
    return briefing
