"""Reads of field service, shaped and restricted to what the user may see.

The board (engineers × days with every card) and the lists run in a constant number of
queries whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from servicedesk.core.choices import Role, TimerState, timer_target_label
from servicedesk.core.durations import duration_text
from servicedesk.core.history import (
    event_label,  # any app's event in words
    event_text,
)
from servicedesk.core.models import DomainEvent, SlaTimer
from servicedesk.core.selectors import (
    TimelineEntry,
    numbers_per_customer,
    timers_attach,
    timers_attach_open,
    timers_for,
)

from .choices import BUSY_STATES, BillingMode, DispatchSeverity, DispatchState
from .models import (
    Dispatch,
    DispatchQuerySet,
    DispatchReschedule,
    Engineer,
    EngineerLeave,
    Partner,
    SparePartUsage,
    engineer_of,
)

if TYPE_CHECKING:
    from servicedesk.core.types import User

BOARD_DAYS = 7


def field_work(user: User) -> QuerySet[Dispatch] | None:
    """The dispatches that bound what a field engineer sees everywhere (docs/domain.md
    §visibility.field, servicedesk/core/scoping.py): their own, or their partner's for a partner
    engineer.
    ``None`` for everyone who sees every dispatch, and for staff who are not engineers."""
    if user.has_perm("fieldservice.view_all_dispatches"):
        return None
    if engineer_of(user) is None and not user.groups.filter(name=Role.FIELD_ENGINEER).exists():
        return None
    return Dispatch.objects.filter(Dispatch.scope_for_user(user))


def dispatches_for(user: User) -> DispatchQuerySet:
    """Every dispatch the user may read, shaped for lists and pages."""
    return Dispatch.objects.restrict(user).select_related(
        "customer",
        "contract",
        "ticket",
        "engineer__user",
        "engineer__partner",
        "follow_up_of",
    )


def dispatch_get(user: User, pk: int) -> Dispatch:
    """One dispatch, or 404 (also for another partner's work)."""
    return get_object_or_404(
        dispatches_for(user).select_related("customer_signature", "written_off_by"), pk=pk
    )


def my_dispatches(user: User, *, today: dt.date | None = None) -> dict[str, list[Dispatch]]:
    """The engineer's phone page: today's visits, the ones to confirm or schedule, and
    the rest still open; timers attached in one query."""
    today = today or timezone.localdate()
    engineer = engineer_of(user)
    if engineer is None:
        return {"today": [], "todo": [], "later": []}
    qs = list(
        dispatches_for(user)
        .filter(engineer_id=engineer.pk, state__in=[*BUSY_STATES, DispatchState.COMPLETED])
        .order_by("appointment_at", "planned_start", "pk")
    )
    timers_attach(qs)
    out: dict[str, list[Dispatch]] = {"today": [], "todo": [], "later": []}
    for d in qs:
        start = d.slot_start
        if d.state in (DispatchState.ASSIGNED, DispatchState.CONFIRMED):
            out["todo"].append(d)
        elif d.state == DispatchState.ON_SITE or (
            start is not None and timezone.localdate(start) <= today
        ):
            out["today"].append(d)
        else:
            out["later"].append(d)
    return out


# -- the board -------------------------------------------------------------------------


@dataclass
class BoardCard:
    pk: int
    number: str
    state: str
    url: str
    time: str
    customer: str
    state_label: str
    site_address: str
    system_down: bool = False
    html: str = ""


@dataclass
class BoardCell:
    day: dt.date
    cards: list[BoardCard] = field(default_factory=list)
    on_leave: bool = False


@dataclass
class BoardRow:
    engineer: Engineer
    cells: list[BoardCell]
    certified: bool = True


@dataclass
class Board:
    start: dt.date
    days: list[dt.date]
    rows: list[BoardRow]
    unassigned: list[Dispatch]
    unplanned: list[BoardCard]
    page: Page | None = None
    unassigned_total: int = 0


BOARD_ENGINEERS = 30
#: requests shown in the side list (the most urgent); the rest are counted, and listed
#: in the dispatch list
BOARD_UNASSIGNED = 50
DRAGGABLE_STATES = {DispatchState.ASSIGNED, DispatchState.CONFIRMED}


def _card_html(card: BoardCard, engineer: int, down: str) -> str:
    """One card's markup, built once here: the board draws thousands of them and a
    template (or ``format_html`` with its per-argument escaping) costs ten times more.
    Only the free texts are escaped; the rest are numbers and known codes."""
    return (
        f'<a class="dcard{" dcard-system-down" if card.system_down else ""}" '
        f'href="{card.url}" data-state="{card.state}" data-dispatch="{card.pk}" '
        f'data-engineer="{engineer}" '
        f'draggable="{"true" if card.state in DRAGGABLE_STATES else "false"}" '
        f'data-testid="board-card" title="{escape(card.site_address)}">'
        f'<span class="dcard-time">{card.time}</span> {down if card.system_down else ""}'
        f"{escape(card.number)}<br>{escape(card.customer)} · {escape(card.state_label)}</a>"
    )


def board_get(
    user: User,
    *,
    start: dt.date | None = None,
    days: int = BOARD_DAYS,
    region: str = "",
    page: Any = 1,
    per_page: int = BOARD_ENGINEERS,
) -> Board:
    """Engineers as rows (``per_page`` a page, a bad ``page`` gives the nearest one), days
    as columns, the week's cards in their cells, each card's markup prepared; requests not
    yet assigned in a side list. Six queries whatever the size (docs/architecture.md
    §boards)."""
    start = start or timezone.localdate()
    day_list = [start + dt.timedelta(days=i) for i in range(days)]
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end = begin + dt.timedelta(days=days)
    engineers_qs = (
        Engineer.objects.restrict(user)
        .filter(active=True, user__is_active=True)
        .select_related("user", "partner")
    )
    if region:
        engineers_qs = engineers_qs.filter(region=region)
    engineer_page = Paginator(engineers_qs, per_page).get_page(page)
    engineers = list(engineer_page.object_list)
    index = {e.pk: i for i, e in enumerate(engineers)}
    rows = [
        BoardRow(
            engineer=e,
            cells=[BoardCell(day=d) for d in day_list],
            certified=e.is_certified(start),
        )
        for e in engineers
    ]
    cards = (
        Dispatch.objects.restrict(user)
        .filter(engineer_id__in=list(index), state__in=[*BUSY_STATES, DispatchState.COMPLETED])
        .filter(
            Q(appointment_at__gte=begin, appointment_at__lt=end)
            | Q(appointment_at__isnull=True, planned_start__gte=begin, planned_start__lt=end)
        )
        .values_list(
            "pk",
            "number",
            "state",
            "engineer_id",
            "appointment_at",
            "planned_start",
            "customer__short_name",
            "customer__name",
            "site_address",
            "severity",
        )
        .order_by("appointment_at", "planned_start", "pk")
    )
    unplanned = []
    # The board draws thousands of cards: plain rows with their text prepared once, so
    # neither model instances nor a template loop per card are needed.
    prefix = reverse("fieldservice:dispatch", args=[0])[:-2]
    labels = {value: str(label) for value, label in DispatchState.choices}
    down = f'<span class="dcard-down">{escape(_("System down"))}</span> '
    for pk, number, state, engineer_id, appointment_at, planned, short, name, site, sev in cards:
        when = timezone.localtime(appointment_at or planned)
        name = short or name
        card = BoardCard(
            pk=pk,
            number=number,
            state=state,
            url=f"{prefix}{pk}/",
            time=when.strftime("%H:%M"),
            customer=name if len(name) <= 16 else name[:15] + "…",
            state_label=labels.get(state, state),
            site_address=site,
            system_down=sev == DispatchSeverity.SYSTEM_DOWN,
        )
        card.html = _card_html(card, engineer_id, down)
        offset = (when.date() - start).days
        if 0 <= offset < days:
            rows[index[engineer_id]].cells[offset].cards.append(card)
        else:
            unplanned.append(card)
    for leave in EngineerLeave.objects.filter(
        engineer_id__in=list(index), starts_on__lte=day_list[-1], ends_on__gte=start
    ).only("engineer_id", "starts_on", "ends_on"):
        for cell in rows[index[leave.engineer_id]].cells:
            if leave.starts_on <= cell.day <= leave.ends_on:
                cell.on_leave = True
    # System down first, then the nearest deadline (verified / assigned in time).
    waiting = dispatches_for(user).filter(
        state__in=[DispatchState.REQUESTED, DispatchState.VERIFIED]
    )
    unassigned: list[Dispatch] = list(
        waiting.annotate(
            down_first=Case(
                When(severity=DispatchSeverity.SYSTEM_DOWN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            next_due_at=_outstanding_due(),
        ).order_by(
            "down_first",
            F("next_due_at").asc(nulls_last=True),
            F("due_by").asc(nulls_last=True),
            "created_at",
            "pk",
        )[:BOARD_UNASSIGNED]
    )
    timers_attach_open(unassigned)
    # The side list's words, looked up once per value instead of once per card.
    words = {
        name: {value: str(label) for value, label in field_choices}
        for name, field_choices in (
            ("state", DispatchState.choices),
            ("kind", Dispatch._meta.get_field("kind").choices or []),
            ("severity", DispatchSeverity.choices),
            ("entitlement", Dispatch._meta.get_field("entitlement").choices or []),
        )
    }
    for d in unassigned:
        d.words = {name: labels.get(getattr(d, name), "") for name, labels in words.items()}  # type: ignore[attr-defined]
    total = len(unassigned)
    if total == BOARD_UNASSIGNED:
        total = waiting.count()
    return Board(
        start=start,
        days=day_list,
        rows=rows,
        unassigned=unassigned,
        unplanned=unplanned,
        page=engineer_page,
        unassigned_total=total,
    )


def _outstanding_due() -> Subquery:
    """The due time of the request's nearest deadline not yet met, overdue ones included."""
    return Subquery(
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(Dispatch),
            subject_id=OuterRef("pk"),
            state__in=[TimerState.RUNNING, TimerState.BREACHED],
            met_at__isnull=True,
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )


# -- the dispatch page -------------------------------------------------------------------


EVENT_TITLES = {
    "dispatch.created": ("plus-circle", gettext_lazy("Dispatch requested")),
    "dispatch.verify": ("check2-square", gettext_lazy("Verified by the service manager")),
    "dispatch.assign": ("person-check", gettext_lazy("Assigned")),
    "dispatch.confirm": ("clipboard-check", gettext_lazy("Confirmed by the engineer")),
    "dispatch.schedule": ("calendar-check", gettext_lazy("Appointment agreed")),
    "dispatch.reschedule": ("calendar-event", gettext_lazy("Appointment moved")),
    "dispatch.check_in": ("geo-alt", gettext_lazy("Arrived on site")),
    "dispatch.complete": ("flag", gettext_lazy("Completed on site")),
    "dispatch.write_off": ("journal-check", gettext_lazy("Written off")),
    "dispatch.archive": ("archive", gettext_lazy("Archived")),
    "dispatch.cancel": ("x-circle", gettext_lazy("Cancelled")),
    "dispatch.escalated": (
        "arrow-up-circle",
        gettext_lazy("Escalated to headquarters as a defect"),
    ),
    "dispatch.sales_lead": ("megaphone", gettext_lazy("Sales lead")),
    "dispatch.part": ("cpu", gettext_lazy("Spare part")),
    "dispatch.part_approved": ("check-circle", gettext_lazy("Spare part approved")),
    # 已签字: a person's signature, not the contract's 已签订
    "form.signed": ("pen", pgettext_lazy("signature", "Signed")),
}


def dispatch_timeline(
    dispatch: Dispatch, timers: list[SlaTimer] | None = None
) -> list[TimelineEntry]:
    """Events and deadlines of the dispatch, oldest first; two queries."""
    entries: list[TimelineEntry] = []
    events = DomainEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Dispatch), target_id=dispatch.pk
    ).select_related("actor")
    for event in events.order_by("created_at", "id"):
        icon, title = EVENT_TITLES.get(event.kind) or ("lightning-charge", event_label(event.kind))
        data = event.data or {}
        text = ""
        if event.kind == "dispatch.reschedule":
            text = str(data.get("reason") or "")
        elif event.kind == "dispatch.sales_lead":
            text = str(data.get("description") or "")
        elif event.kind == "dispatch.complete":
            text = dispatch.get_outcome_display()
        elif event.kind == "form.signed":
            text = event_text(Dispatch, event)
        elif event.kind == "dispatch.escalated":
            text = str(data.get("number") or "")
        elif event.kind == "dispatch.part":
            text = str(data.get("name") or "")
        entries.append(
            TimelineEntry(event.created_at, "event", icon, str(title), event.actor, text)
        )
    if timers is None:
        timers = list(timers_for(dispatch))
    for timer in timers:
        target = timer_target_label(timer.target)
        due = timezone.localtime(timer.due_at).strftime("%m-%d %H:%M")
        if timer.breached_at:
            entries.append(
                TimelineEntry(
                    timer.breached_at,
                    "timer",
                    "alarm",
                    _("%(target)s deadline missed") % {"target": target},
                    text=_("Due %(due)s") % {"due": due},
                    tone="danger",
                )
            )
        elif timer.met_at:
            entries.append(
                TimelineEntry(
                    timer.met_at,
                    "timer",
                    "check-circle",
                    _("%(target)s deadline met") % {"target": target},
                    text=_("Due %(due)s") % {"due": due},
                )
            )
    entries.sort(key=lambda e: e.when)
    return entries


@dataclass
class AgreedTime:
    """One time agreed with the customer: the first promise, then each reschedule."""

    at: dt.datetime
    made_at: dt.datetime | None
    by: User | None
    reason: str  # who it was agreed with (the first) or why it changed (a reschedule)
    out_of_hours_reason: str
    differs_from_plan: bool
    is_first: bool
    is_current: bool = False
    #: a reschedule: how long before the appointment it replaced it was made
    notice: dt.timedelta | None = None


@dataclass
class Arrival:
    """The arrival against the promises: minutes late (negative: early)."""

    at: dt.datetime
    late_minutes: int
    first_promise: dt.datetime
    late_vs_first_minutes: int

    @property
    def rescheduled(self) -> bool:
        return self.late_minutes != self.late_vs_first_minutes


def agreed_times(
    dispatch: Dispatch, reschedules: list[DispatchReschedule] | None = None
) -> list[AgreedTime]:
    """Every agreed time of the dispatch, oldest first (docs/domain.md §dispatch.appointment: a
    reschedule has its reason and is made before the time): the first promise stays visible after
    moves."""
    if reschedules is None:
        reschedules = list(dispatch.reschedules.select_related("by").order_by("at", "pk"))
    first_at = dispatch.first_appointment_at or (
        reschedules[0].previous_at if reschedules else dispatch.appointment_at
    )
    if first_at is None:
        return []
    scheduled = (
        DomainEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Dispatch),
            target_id=dispatch.pk,
            kind="dispatch.schedule",
        )
        .select_related("actor")
        .order_by("created_at", "id")
        .first()
    )
    entries = [
        AgreedTime(
            at=first_at,
            made_at=dispatch.scheduled_at or (scheduled.created_at if scheduled else None),
            by=scheduled.actor if scheduled else None,
            reason=dispatch.appointment_note,
            out_of_hours_reason=dispatch.out_of_hours_reason,
            differs_from_plan=dispatch.differs_from_plan(first_at),
            is_first=True,
        )
    ]
    for r in reschedules:
        entries.append(
            AgreedTime(
                at=r.new_at,
                made_at=r.at,
                by=r.by,
                reason=r.reason,
                out_of_hours_reason=r.out_of_hours_reason,
                differs_from_plan=dispatch.differs_from_plan(r.new_at),
                is_first=False,
                notice=r.previous_at - r.at,
            )
        )
    entries[-1].is_current = True
    return entries


def arrival_of(dispatch: Dispatch, times: list[AgreedTime]) -> Arrival | None:
    checked_in_at = dispatch.checked_in_at
    if checked_in_at is None or not times:
        return None

    def late(promise: dt.datetime) -> int:
        return int((checked_in_at - promise).total_seconds() // 60)

    return Arrival(
        at=checked_in_at,
        late_minutes=late(times[-1].at),
        first_promise=times[0].at,
        late_vs_first_minutes=late(times[0].at),
    )


def lateness_words(minutes: int) -> str:
    """How an arrival compares with a promise, in words."""
    if minutes > 0:
        return _("%(duration)s late") % {"duration": duration_text(minutes * 60)}
    if minutes < 0:
        return _("%(duration)s early") % {"duration": duration_text(-minutes * 60)}
    return pgettext("arrival", "on time")


@dataclass
class DispatchPage:
    dispatch: Dispatch
    timers: list[SlaTimer]
    timeline: list[TimelineEntry]
    parts: list[SparePartUsage]
    reschedules: list[DispatchReschedule]
    follow_ups: list[Dispatch]
    leads: list[Any]
    agreed_times: list[AgreedTime] = field(default_factory=list)
    arrival: Arrival | None = None


def dispatch_page(user: User, pk: int) -> DispatchPage:
    dispatch = dispatch_get(user, pk)
    timers = list(timers_for(dispatch))
    setattr(dispatch, "prefetched_timers", timers)  # noqa: B010 - as timers_attach does
    reschedules = list(dispatch.reschedules.select_related("by").order_by("at", "pk"))
    times = agreed_times(dispatch, reschedules)
    return DispatchPage(
        dispatch=dispatch,
        timers=timers,
        timeline=dispatch_timeline(dispatch, timers),
        parts=list(dispatch.parts.select_related("approved_by").all()),
        reschedules=reschedules,
        follow_ups=list(dispatches_for(user).filter(follow_up_of=dispatch).order_by("pk")),
        leads=list(dispatch.leads.select_related("sales_manager").all()),
        agreed_times=times,
        arrival=arrival_of(dispatch, times),
    )


def engineers_assignable(user: User) -> QuerySet[Engineer]:
    return (
        Engineer.objects.restrict(user)
        .filter(active=True, user__is_active=True)
        .select_related("user", "partner")
    )


# -- person-days ------------------------------------------------------------------------


@dataclass
class PersonDayLine:
    engineer: Engineer
    visits: int = 0
    minutes: int = 0
    person_days: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"))


@dataclass
class PartnerMonth:
    partner: Partner | None  # None: our own engineers
    lines: list[PersonDayLine]

    @property
    def visits(self) -> int:
        return sum(line.visits for line in self.lines)

    @property
    def person_days(self) -> Decimal:
        return sum((line.person_days for line in self.lines), Decimal(0))

    @property
    def fee(self) -> Decimal:
        return sum((line.fee for line in self.lines), Decimal(0))

    @property
    def amount(self) -> Decimal | None:
        """What the partner is owed this month: person-days × rate, or the share."""
        if self.partner is None:
            return None
        if self.partner.billing_mode == BillingMode.PERSON_DAY:
            return (self.person_days * (self.partner.person_day_rate or 0)).quantize(
                Decimal("0.01")
            )
        share = (self.partner.fee_share_percent or 0) / Decimal(100)
        return (self.fee * share).quantize(Decimal("0.01"))


def person_days_month(
    user: User, *, year: int, month: int, partner: int | None = None
) -> list[PartnerMonth]:
    """Visits completed in the month per engineer, grouped by partner (our own first):
    the monthly cost allocation (docs/domain.md §partners.billing). Two queries."""
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    begin = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(nxt, dt.time.min))
    visits = (
        Dispatch.objects.restrict(user)
        .filter(completed_at__gte=begin, completed_at__lt=end, engineer__isnull=False)
        .exclude(state=DispatchState.CANCELLED)
        .only("engineer_id", "on_site_minutes", "person_days", "service_fee")
    )
    if partner:
        visits = visits.filter(engineer__partner_id=partner)
    engineers = {
        e.pk: e
        for e in Engineer.objects.restrict(user)
        .select_related("user", "partner")
        .filter(pk__in=visits.values("engineer_id"))
    }
    lines: dict[int, PersonDayLine] = {}
    for visit in visits:
        engineer = engineers.get(visit.engineer_id)
        if engineer is None:
            continue
        line = lines.setdefault(engineer.pk, PersonDayLine(engineer=engineer))
        line.visits += 1
        line.minutes += visit.on_site_minutes or 0
        line.person_days += visit.person_days or Decimal(0)
        line.fee += visit.service_fee or Decimal(0)
    grouped: dict[int | None, list[PersonDayLine]] = defaultdict(list)
    partners: dict[int | None, Partner | None] = {None: None}
    for line in lines.values():
        grouped[line.engineer.partner_id].append(line)
        partners[line.engineer.partner_id] = line.engineer.partner
    out = [
        PartnerMonth(partner=partners[key], lines=sorted(items, key=lambda li: str(li.engineer)))
        for key, items in grouped.items()
    ]
    out.sort(key=lambda pm: (pm.partner is not None, str(pm.partner or "")))
    return out


# -- customer archive ---------------------------------------------------------------------


def dispatches_for_archive(customer: Any, contracts: list[Any], *, user: User) -> dict:
    from contracts.archive import group_by_contract

    items = (
        Dispatch.objects.restrict(user)
        .filter(customer=customer)
        .select_related("engineer__user")
        .prefetch_related(Prefetch("parts", queryset=SparePartUsage.objects.order_by("pk")))
        .order_by("-created_at", "-id")[:200]
    )
    return group_by_contract(items)


def service_reports_for_archive(customer: Any, contracts: list[Any], *, user: User) -> dict:
    """The customer service reports (客户服务报告) of completed visits, signed or not,
    under their contract: the engineering documents the archive keeps (docs/domain.md
    §customer.archive)."""
    from contracts.archive import group_by_contract

    items = (
        Dispatch.objects.restrict(user)
        .filter(customer=customer, completed_at__isnull=False)
        .select_related("engineer__user", "customer_signature")
        .order_by("-completed_at", "-id")[:200]
    )
    return group_by_contract(items)


def engineer_regions(user: User) -> list[str]:
    return sorted(
        set(
            Engineer.objects.restrict(user)
            .filter(active=True)
            .exclude(region="")
            .values_list("region", flat=True)
        )
    )


# -- asked by other apps (docs/architecture.md §apps.calls: each app reads its own data) --


def partner_scope_of(user: Any) -> int | None:
    """The partner company (乙方) whose work ``user`` is limited to: a partner engineer's
    partner (docs/domain.md §partners.scope); ``None`` for our own staff and for whoever
    sees every dispatch. Defects and requirement requests scope partner engineers by it."""
    if user.has_perm("fieldservice.view_all_dispatches"):
        return None
    from .models import engineer_of

    engineer = engineer_of(user)
    return engineer.partner_id if engineer is not None else None


def dispatch_for_defect(user: Any, pk: Any) -> tuple[Dispatch, dict[str, Any]] | None:
    """A visit ``user`` may see, and what a defect recorded from it starts with (an
    on-site engineer escalating to headquarters): the customer, the site, what the
    customer sees, the steps and cause found, and the partial solution as the workaround.
    ``None`` when there is no such visit for the user."""
    dispatch = (
        Dispatch.objects.restrict(user).select_related("customer", "ticket").filter(pk=pk).first()
    )
    if dispatch is None:
        return None
    problem = dispatch.problem or ""
    return dispatch, {
        "dispatch": dispatch.pk,
        "customer": dispatch.customer_id,
        "site": dispatch.site_address,
        "customer_sees": dispatch.problem,
        "title": problem.strip().splitlines()[0][:200] if problem else "",
        "steps": "\n".join(x for x in (dispatch.steps, dispatch.cause) if x),
        "workaround": dispatch.solution if dispatch.outcome == "partially_solved" else "",
    }


def board_version() -> tuple[int, ...]:
    """Changes whenever something the dispatch board draws may have changed: the newest
    history row of dispatches, engineers, their leave and partners, deadlines and
    customers (one query; the rule in servicedesk/core/live.py)."""
    from contracts.models import Customer
    from servicedesk.core.live import history_models_of, history_version

    return history_version(
        history_models_of(Dispatch, Engineer, EngineerLeave, Partner, SlaTimer, Customer)
    )


# -- the leave month (engineers × days) ----------------------------------------------------


@dataclass
class LeaveDay:
    day: dt.date
    working: bool
    holiday: str = ""  # the working calendar's note for a holiday or make-up day
    makeup: bool = False


@dataclass
class LeaveCell:
    day: dt.date
    visits: int = 0
    leave: EngineerLeave | None = None
    tone: str = ""  # "holiday" or "offday" (not a working day), from the working calendar


@dataclass
class LeaveRow:
    engineer: Engineer
    cells: list[LeaveCell]
    leave_days: int = 0
    visits: int = 0


@dataclass
class LeaveMonth:
    first: dt.date
    days: list[LeaveDay]
    rows: list[LeaveRow]


def leave_month(user: User, *, year: int, month: int, region: str = "") -> LeaveMonth:
    """Engineers × the days of a month: their leave, how many on-site visits each has that
    day (one aggregate query), and the working calendar's holidays. Four queries whatever
    the number of engineers."""
    import calendar as pycalendar

    from django.db.models import Count
    from django.db.models.functions import Coalesce, TruncDate

    from servicedesk.core import worktime
    from servicedesk.core.calendars import calendar_spec, default_calendar
    from servicedesk.core.choices import DayKind

    first = dt.date(year, month, 1)
    last = first.replace(day=pycalendar.monthrange(year, month)[1])
    day_list = [first + dt.timedelta(days=i) for i in range(last.day)]
    calendar = default_calendar()
    spec = calendar_spec(calendar)
    notes = {
        e.date: (e.kind, e.note)
        for e in calendar.exceptions.filter(date__gte=first, date__lte=last).only(
            "date", "kind", "note"
        )
    }
    days = []
    for day in day_list:
        kind, note = notes.get(day, ("", ""))
        days.append(
            LeaveDay(
                day=day,
                working=worktime.is_working_day(spec, day),
                holiday=note or ("" if kind != DayKind.HOLIDAY else str(_("Holiday"))),
                makeup=kind == DayKind.WORKDAY,
            )
        )
    engineers_qs = (
        Engineer.objects.restrict(user)
        .filter(active=True, user__is_active=True)
        .select_related("user", "partner")
    )
    if region:
        engineers_qs = engineers_qs.filter(region=region)
    engineers = list(engineers_qs)
    index = {e.pk: i for i, e in enumerate(engineers)}
    tones = [
        "holiday" if d.holiday and not d.makeup else "" if d.working else "offday" for d in days
    ]
    rows = [
        LeaveRow(
            engineer=e,
            cells=[LeaveCell(day=d, tone=t) for d, t in zip(day_list, tones, strict=True)],
        )
        for e in engineers
    ]
    begin = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    visits = (
        Dispatch.objects.restrict(user)
        .filter(engineer_id__in=list(index), state__in=[*BUSY_STATES, DispatchState.COMPLETED])
        .annotate(when=Coalesce("appointment_at", "planned_start"))
        .filter(when__gte=begin, when__lt=end)
        .annotate(day=TruncDate("when", tzinfo=timezone.get_current_timezone()))
        .values("engineer_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    for line in visits:
        row = rows[index[line["engineer_id"]]]
        row.cells[(line["day"] - first).days].visits = line["n"]
        row.visits += line["n"]
    for leave in EngineerLeave.objects.filter(
        engineer_id__in=list(index), starts_on__lte=last, ends_on__gte=first
    ).order_by("starts_on"):
        row = rows[index[leave.engineer_id]]
        for cell in row.cells:
            if leave.starts_on <= cell.day <= leave.ends_on:
                cell.leave = leave
                row.leave_days += 1
    return LeaveMonth(first=first, days=days, rows=rows)


def visits_by_customer(
    *, start: dt.datetime, end: dt.datetime, user_id: int | None = None
) -> list[dict[str, Any]]:
    """Visits completed in [start, end) per customer (of one engineer's user when
    ``user_id`` is given): count, solved count and on-site minutes, in one aggregate query;
    the field-service part of a weekly report and of the technical manager's briefing
    (reports app, docs/domain.md §reports)."""
    from django.db.models import Count, Q, Sum

    from .choices import Outcome
    from .models import Dispatch

    visits = Dispatch.objects.filter(completed_at__gte=start, completed_at__lt=end)
    if user_id is not None:
        visits = visits.filter(engineer__user_id=user_id)
    rows = list(
        visits.values("customer_id")
        .annotate(
            items=Count("id"),
            solved=Count("id", filter=Q(outcome=Outcome.SOLVED)),
            minutes=Sum("on_site_minutes"),
        )
        .order_by("customer_id")
    )
    return numbers_per_customer(rows, visits, "completed_at")


def dispatch_for_report(pk: int | None) -> Any:
    """One dispatch with its engineer, for the reports app's trip report (or ``None``)."""
    from .models import Dispatch

    if pk is None:
        return None
    return Dispatch.objects.select_related("engineer").filter(pk=pk).first()
