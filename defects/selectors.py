"""Reads of defects and requirement requests, shaped for the portal and the API and
restricted to what the user may see. Board and pipeline run in a constant number of
queries whatever the number of records (tests pin them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from servicedesk.core.dates import SANE_FIRST, SANE_LAST
from servicedesk.core.history import event_label  # any app's event in words
from servicedesk.core.models import DomainEvent
from servicedesk.core.selectors import (
    StateColumn,
    TimelineEntry,
    columns_by_deadline,
    columns_by_state,
    customer_waits_for,
    has_breached_timer,
    history_changes,
    timeline_timer_entries,
    timeline_wait_entries,
    timers_attach_open,
    timers_for,
)

from .choices import DefectState, RequirementState
from .models import OPEN_DEFECT_STATES, Defect, EvaluationReport, Requirement

if TYPE_CHECKING:
    from servicedesk.core.types import User

BOARD_STATES = [
    DefectState.RECORDED,
    DefectState.REPORTED,
    DefectState.VERIFIED,
    DefectState.IN_FIX,
    DefectState.REOPENED,
    DefectState.FIXED,
    DefectState.CONFIRMED,
]
PIPELINE_STATES = [
    RequirementState.RECORDED,
    RequirementState.EVALUATING,
    RequirementState.QUOTED,
    RequirementState.ACCEPTED,
    RequirementState.SOLUTION_CONFIRMED,
    RequirementState.SCHEDULED,
    RequirementState.IN_DEVELOPMENT,
    RequirementState.DELIVERED,
]


def _ct(model: type) -> ContentType:
    return ContentType.objects.get_for_model(model)


# -- defects -----------------------------------------------------------------------------


def defects_list(*, user: User) -> QuerySet[Defect]:
    """What lists and the board show: the customer and the responsible person. (Joining
    every foreign key made PostgreSQL spend 25 ms planning each list query.)"""
    return Defect.objects.restrict(user).select_related("customer", "assignee")


def defects_for_api(*, user: User) -> QuerySet[Defect]:
    """The API list: the people by join, the ticket and dispatch numbers by two small
    prefetches (a constant number of queries)."""
    from fieldservice.models import Dispatch
    from tickets.models import Ticket

    return (
        defects_list(user=user)
        .select_related("developer")
        .prefetch_related(
            Prefetch("ticket", queryset=Ticket.objects.only("id", "number")),
            Prefetch("dispatch", queryset=Dispatch.objects.only("id", "number")),
        )
    )


@dataclass
class DefectFilters:
    severity: str = ""
    customer: int | None = None
    product: str = ""
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, params: Any) -> DefectFilters:
        customer = params.get("customer", "")
        return cls(
            severity=params.get("severity", "")[:12],
            customer=int(customer) if customer.isdigit() else None,
            product=params.get("product", "").strip()[:100],
            overdue=params.get("overdue", "") in ("1", "true", "on"),
            q=params.get("q", "").strip()[:100],
        )

    def apply(self, qs: QuerySet[Defect]) -> QuerySet[Defect]:
        if self.severity:
            qs = qs.filter(severity=self.severity)
        if self.customer:
            qs = qs.filter(customer_id=self.customer)
        if self.product:
            qs = qs.filter(product__icontains=self.product)
        if self.overdue:
            qs = qs.filter(has_breached_timer(Defect))
        if self.q:
            qs = qs.filter(
                Q(number__icontains=self.q) | Q(title__icontains=self.q) | Q(tracker_key=self.q)
            )
        return qs

    @property
    def active(self) -> bool:
        return bool(self.severity or self.customer or self.product or self.overdue or self.q)


def defect_board(
    *, user: User, filters: DefectFilters | None = None, per_column: int = 25, state: str = ""
) -> list[StateColumn]:
    """Open defects by state, nearest deadline first (the defect board). Three queries:
    the counts, the first ``per_column`` cards of each column, their timers."""
    filters = filters or DefectFilters()
    states = [state] if state in BOARD_STATES else BOARD_STATES
    return columns_by_deadline(
        filters.apply(defects_list(user=user).filter(state__in=states)),
        states=states,
        choices=DefectState,
        since="reported_at",
        per_column=per_column,
    )


def defect_detail(*, user: User, pk: int) -> Defect:
    defect = (
        defects_list(user=user)
        .select_related(
            "contract",
            "recorded_by",
            "developer",
            "ticket",
            "dispatch",
            "knowledge_article",
            "verified_by",
        )
        .prefetch_related("followers")
        .get(pk=pk)
    )
    timers_attach_open([defect])
    return defect


def board_customers(*, user: User) -> list[tuple[int, str]]:
    """Customers with open defects, for the board's filter."""
    rows = (
        defects_list(user=user)
        .filter(state__in=OPEN_DEFECT_STATES, customer__isnull=False)
        .values_list("customer_id", "customer__name")
        .distinct()
        .order_by("customer__name")[:300]
    )
    return list(rows)


# -- requirements ------------------------------------------------------------------------


def requirements_list(*, user: User) -> QuerySet[Requirement]:
    return Requirement.objects.restrict(user).select_related("customer")


def requirement_pipeline(
    *, user: User, per_column: int = 25, customer: int | None = None
) -> list[StateColumn]:
    base = requirements_list(user=user).filter(state__in=PIPELINE_STATES)
    if customer:
        base = base.filter(customer_id=customer)
    return columns_by_state(
        base,
        states=PIPELINE_STATES,
        choices=RequirementState,
        order_by=[F("recorded_at").asc(), F("id").asc()],
        per_column=per_column,
    )


def requirements_decided(*, user: User, limit: int = 20) -> list[Requirement]:
    """The latest requests closed by their evaluation (workaround, declined) or accepted
    by the customer, under the pipeline."""
    return list(
        requirements_list(user=user)
        .filter(
            state__in=[
                RequirementState.WORKAROUND,
                RequirementState.DECLINED,
                RequirementState.CUSTOMER_ACCEPTED,
            ]
        )
        .order_by("-evaluated_at", "-id")[:limit]
    )


def attach_solution_signers(items: list[Any]) -> list[Any]:
    """Each request's ``solution_signer_roles`` (who signed its solution confirmation),
    one query for the page."""
    from servicedesk.core.models import Signature

    from .models import SOLUTION_FORM

    roles: dict[int, set[str]] = {item.pk: set() for item in items}
    if items:
        for target_id, role in Signature.objects.filter(
            target_type=_ct(Requirement), target_id__in=list(roles), form=SOLUTION_FORM
        ).values_list("target_id", "signer_role"):
            roles[target_id].add(role.strip().lower())
    for item in items:
        item.solution_signer_roles = roles[item.pk]
    return items


def requirement_detail(*, user: User, pk: int) -> Requirement:
    item = (
        requirements_list(user=user)
        .select_related(
            "contract__sales_manager", "recorded_by", "developer", "trained_by", "ticket"
        )
        .prefetch_related("evaluators")
        .get(pk=pk)
    )
    timers_attach_open([item])
    return item


def evaluated_in(report: EvaluationReport) -> list[Requirement]:
    """Every request evaluated in the report's period (local dates, both ends included)."""
    tz = timezone.get_current_timezone()
    # Clamped: a stored 9999-12-31 must not overflow (servicedesk/core/dates.py).
    first, last = max(report.period_start, SANE_FIRST), min(report.period_end, SANE_LAST)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return list(
        Requirement.objects.filter(evaluated_at__gte=start, evaluated_at__lt=end)
        .select_related("customer", "contract")
        .prefetch_related("evaluators")
        .order_by("evaluated_at", "id")
    )


def reports_list(*, user: User) -> QuerySet[EvaluationReport]:
    return EvaluationReport.objects.restrict(user).select_related("created_by")


# -- timeline ----------------------------------------------------------------------------


EVENT_TITLES = {
    "defect.recorded": ("bug", gettext_lazy("Defect recorded")),
    "defect.report": ("send", gettext_lazy("Verified on site and reported")),
    "defect.verify": ("clipboard-check", gettext_lazy("Reproduced by the tester")),
    "defect.start_fix": ("tools", gettext_lazy("Fix started")),
    "defect.fix": ("wrench-adjustable", pgettext_lazy("defect", "Fixed")),
    "defect.confirm": ("hand-thumbs-up", gettext_lazy("Confirmed by the customer")),
    "defect.reopen": ("arrow-counterclockwise", gettext_lazy("Reopened")),
    "defect.close": ("archive", gettext_lazy("Closed")),
    "defect.reject": ("slash-circle", gettext_lazy("Rejected")),
    "defect.escalate": ("person-up", gettext_lazy("Escalated to the region lead")),
    "defect.change_severity": ("exclamation-triangle", gettext_lazy("Severity changed")),
    "defect.workaround": ("bandaid", gettext_lazy("Emergency workaround recorded")),
    "defect.workaround_published": (
        "journal-plus",
        gettext_lazy("Workaround written to the knowledge base"),
    ),
    "defect.follow": ("eye", gettext_lazy("Following")),
    "defect.unfollow": ("eye-slash", gettext_lazy("Stopped following")),
    "requirement.recorded": ("lightbulb", gettext_lazy("Request recorded")),
    "requirement.start_evaluation": ("search", gettext_lazy("Evaluation started")),
    "requirement.accept": ("check-circle", gettext_lazy("Accepted (free)")),
    "requirement.quote": ("cash-coin", gettext_lazy("Quoted")),
    "requirement.offer_workaround": ("signpost", gettext_lazy("Workaround, customer trained")),
    "requirement.decline": ("x-circle", gettext_lazy("Declined")),
    "requirement.agree": ("handshake", gettext_lazy("Customer agreed to the price")),
    "requirement.refuse_quote": ("x-circle", gettext_lazy("Customer refused the price")),
    "requirement.confirm_solution": ("patch-check", gettext_lazy("Solution confirmed")),
    "requirement.schedule": ("calendar-check", gettext_lazy("Scheduled")),
    "requirement.start_development": ("code-slash", gettext_lazy("Development started")),
    "requirement.deliver": ("box-seam", gettext_lazy("Delivered")),
    "requirement.customer_accept": ("award", gettext_lazy("Accepted by the customer")),
    "requirement.escalate": ("person-up", gettext_lazy("Escalated to the region lead")),
    "form.signed": ("pen", gettext_lazy("Form signed")),
}
#: plain field changes (not transitions) by their history reason
HISTORY_TITLES = {
    "solution": gettext_lazy("Agreed solution written"),
    "workaround": gettext_lazy("Emergency workaround recorded"),
    "publish workaround": gettext_lazy("Workaround written to the knowledge base"),
    "tracker": gettext_lazy("External tracker link changed"),
}
SIGNER_ROLES = {
    "sales_manager": gettext_lazy("Sales manager"),
    "director": gettext_lazy("Director"),
    "recorded_by": gettext_lazy("Recorded by"),
}


def _event_text(event: DomainEvent) -> str:
    data = event.data or {}
    if event.kind == "defect.change_severity":
        from .choices import Severity

        def label(value: str) -> str:
            return str(Severity(value).label) if value in Severity.values else value

        return _("%(old)s → %(new)s: %(reason)s") % {
            "old": label(data.get("severity_from", "")),
            "new": label(data.get("severity_to", "")),
            "reason": data.get("reason", ""),
        }
    if event.kind == "form.signed":
        role = str(data.get("role", ""))
        return f"{data.get('signer', '')}（{SIGNER_ROLES.get(role.lower(), role)}）"
    return str(data.get("point") or data.get("note") or data.get("reason") or "")


def timeline(obj: Defect | Requirement) -> list[TimelineEntry]:
    """Transitions (domain events), deadlines and other field changes, oldest first.
    Three queries whatever the record's history."""
    entries: list[TimelineEntry] = []
    events = list(
        DomainEvent.objects.filter(target_type=_ct(type(obj)), target_id=obj.pk)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    for event in events:
        icon, title = EVENT_TITLES.get(event.kind) or ("lightning-charge", event_label(event.kind))
        when = event.created_at
        if event.kind in ("defect.recorded", "requirement.recorded"):
            when = cast(
                dt.datetime,
                getattr(obj, "reported_at", None) or getattr(obj, "recorded_at", when),
            )
        entries.append(
            TimelineEntry(when, "event", icon, str(title), event.actor, _event_text(event))
        )
    timers = getattr(obj, "all_timers", None)
    if timers is None:
        timers = list(timers_for(obj))
    entries.extend(timeline_timer_entries(timers, cancelled=True))
    entries.extend(timeline_wait_entries(customer_waits_for(obj)))
    covered = {e.kind.rsplit(".", 1)[-1] for e in events}
    for row in history_changes(obj, limit=200):
        reason = (row["reason"] or "").split(":", 1)[0]
        if row["type"] == "created" or reason in covered or reason == "record":
            continue
        if not {c["field"] for c in row["changes"]} - {"number"}:
            continue
        entries.append(
            TimelineEntry(
                row["when"],
                "history",
                "pencil",
                str(HISTORY_TITLES.get(row["reason"], row["title"])),
                row["actor"],
                row["note"],
                changes=row["changes"],
            )
        )
    order = {"event": 0, "timer": 1, "history": 2}
    entries.sort(key=lambda e: (e.when, order[e.kind]))
    return entries


# -- for other apps ----------------------------------------------------------------------


@dataclass
class OpenItem:
    """An open defect or requirement as a hand-over book lists it (docs/domain.md §planned:
    hand-over books list number, title and deadline)."""

    kind: str  # "defect" or "requirement"
    number: str
    title: str
    state: str
    state_display: str
    due_at: dt.datetime | None
    url: str


def problem_subjects(numbers_by_kind: dict[str, list[str]]) -> list[tuple[int, list[int]]]:
    """(content type id, row ids) of the defects and requirements with these numbers
    (``{"defect": [...], "requirement": [...]}``): for another app's timers on them
    (docs/architecture.md §apps.events, case 3)."""
    subjects: list[tuple[int, list[int]]] = []
    for model, kind in ((Defect, "defect"), (Requirement, "requirement")):
        numbers = numbers_by_kind.get(kind) or []
        ids = list(model.objects.filter(number__in=numbers).values_list("pk", flat=True))
        subjects.append((_ct(model).pk, ids))
    return subjects


def open_items_for_customer(customer: Any) -> list[OpenItem]:
    """Every open defect and requirement request of ``customer`` with its nearest running
    deadline, soonest first (four queries), e.g. for the projects app's hand-over book."""
    defects = timers_attach_open(list(Defect.objects.open().filter(customer=customer)))
    requirements = timers_attach_open(list(Requirement.objects.open().filter(customer=customer)))
    items = [
        OpenItem(
            kind,
            obj.number,
            obj.title,
            obj.state,
            str(obj.get_state_display()),
            obj.next_timer.due_at if obj.next_timer else None,
            obj.get_absolute_url(),
        )
        for kind, objects in (("defect", defects), ("requirement", requirements))
        for obj in objects
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda i: (i.due_at or far, i.number))


def board_version() -> tuple[int, ...]:
    """Changes whenever a card of the defect board may have changed: the newest history
    row of defects, their deadlines and customers (one query; the rule in
    servicedesk/core/live.py)."""
    from contracts.models import Customer
    from servicedesk.core.live import history_models_of, history_version
    from servicedesk.core.models import SlaTimer

    return history_version(history_models_of(Defect, SlaTimer, Customer))
