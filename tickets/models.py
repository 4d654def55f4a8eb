"""The hotline: duty roster, calls, service tickets, knowledge base (docs/domain.md
§hotline)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from contracts.choices import EntitlementResult, ServiceType
from servicedesk.core.conditions import condition
from servicedesk.core.next_due import KeptNextDueMixin
from servicedesk.core.querysets import RestrictedManager, RestrictedQuerySet
from servicedesk.core.scoping import field_work

from .choices import (
    ArticleState,
    Channel,
    CommercialDecision,
    ScopeDecision,
    Severity,
    TicketKind,
    TicketState,
)

User = settings.AUTH_USER_MODEL


class HotlineLine(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    number = models.CharField(_("number"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hotline line")
        verbose_name_plural = _("hotline lines")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DutyShift(models.Model):
    """One engineer on one line for one shift (值班安排); hand-over acknowledged at start."""

    line = models.ForeignKey(
        HotlineLine, verbose_name=_("line"), on_delete=models.PROTECT, related_name="shifts"
    )
    engineer = models.ForeignKey(
        User, verbose_name=_("engineer"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    checked_in_at = models.DateTimeField(
        _("checked in"),
        null=True,
        blank=True,
        help_text=_("At the desk and ready: within 10 minutes of the shift start."),
    )
    handover_acknowledged_at = models.DateTimeField(
        _("hand-over acknowledged"), null=True, blank=True
    )
    handover_note = models.TextField(_("hand-over note"), blank=True)
    planned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedManager()
    history = HistoricalRecords()

    sla_subject = "duty_shift"

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["starts_at", "line"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["engineer", "starts_at"]),
            models.Index(fields=["line", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.starts_at:%m-%d %H:%M} {self.engineer}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:shift", args=[self.pk])


#: The special arrangement of an out-of-scope request (docs/domain.md §hotline.special-plan):
#: written by the sales manager, signed by him and the head of sales, handed to the service owner.
SPECIAL_PLAN_FORM = "special_plan"
SPECIAL_PLAN_SIGNERS = {
    "sales_manager": _("Sales manager"),
    "director": _("Head of sales (director)"),
}


def special_plan_missing_signers(ticket: Ticket) -> list[str]:
    from django.contrib.contenttypes.models import ContentType

    from servicedesk.core.models import Signature

    roles = {
        role.strip().lower()
        for role in Signature.objects.filter(
            target_type=ContentType.objects.get_for_model(ticket),
            target_id=ticket.pk,
            form=SPECIAL_PLAN_FORM,
        ).values_list("signer_role", flat=True)
    }
    return [role for role in SPECIAL_PLAN_SIGNERS if role not in roles]


def _special_plan_missing_text(ticket: Ticket) -> str:
    from django.utils.translation import gettext

    from servicedesk.core.conditions import words_list

    who = words_list(SPECIAL_PLAN_SIGNERS[m] for m in special_plan_missing_signers(ticket))
    return gettext("The special arrangement still needs the signature of: %(who)s.") % {"who": who}


@condition(_("Write the special arrangement first."))
def special_plan_written(ticket: Ticket) -> bool:
    return bool((ticket.special_plan or "").strip())


@condition(_special_plan_missing_text)
def special_plan_signed(ticket: Ticket) -> bool:
    """Signed by the sales manager and the head of sales (docs/domain.md §hotline.special-plan)."""
    return not special_plan_missing_signers(ticket)


@condition(_("The special arrangement is signed: its text can no longer change."))
def special_plan_unsigned(ticket: Ticket) -> bool:
    """The signatures cover the text (docs/domain.md §signatures.content): fixed once anyone
    signed."""
    return len(special_plan_missing_signers(ticket)) == len(SPECIAL_PLAN_SIGNERS)


@condition(_("Record the problem, cause, solution and steps first."))
def ticket_has_resolution(ticket: Ticket) -> bool:
    """docs/domain.md §hotline.close: the record needs the problem, cause, solution and steps."""
    return all(
        (value or "").strip()
        for value in (ticket.problem, ticket.cause, ticket.solution, ticket.steps)
    )


class TicketQuerySet(RestrictedQuerySet):
    def open(self) -> TicketQuerySet:
        return self.exclude(state__in=[TicketState.CLOSED])


class Ticket(KeptNextDueMixin, ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=TicketKind.choices, default=TicketKind.REQUEST
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    caller_name = models.CharField(_("caller"), max_length=60)
    caller_company = models.CharField(_("company"), max_length=200)
    caller_phone = models.CharField(_("phone"), max_length=30, db_index=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    product = models.CharField(_("product"), max_length=100)
    service_type = models.CharField(
        _("service type"),
        max_length=30,
        choices=ServiceType.choices,
        default=ServiceType.PHONE_SUPPORT,
    )
    description = models.TextField(_("symptoms"))
    received_at = models.DateTimeField(_("received"))
    severity = models.CharField(
        _("severity"), max_length=12, choices=Severity.choices, default=Severity.NORMAL
    )
    needs_on_site = models.BooleanField(
        _("needs an on-site visit"),
        default=False,
        help_text=_("Submit to the service manager within 30 working minutes."),
    )
    state = FSMField(
        _("state"), default=TicketState.NEW, choices=TicketState.choices, protected=True
    )
    first_contact_owner = models.ForeignKey(
        User,
        verbose_name=_("first-contact owner"),
        on_delete=models.PROTECT,
        related_name="first_contact_tickets",
        help_text=_("首问责任制: who took the call stays responsible until it is closed."),
    )
    assignee = models.ForeignKey(
        User,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    # Entitlement at intake (contracts app), kept as it was decided.
    entitlement = models.CharField(
        _("entitlement"), max_length=15, choices=EntitlementResult.choices, blank=True
    )
    entitlement_reason = models.CharField(_("entitlement reason"), max_length=300, blank=True)
    entitlement_code = models.CharField(max_length=30, blank=True)
    charge = models.JSONField(_("charge"), null=True, blank=True)
    # Resolution
    problem = models.TextField(_("problem"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    steps = models.TextField(_("steps"), blank=True)
    precautions = models.TextField(
        _("precautions told to the caller"),
        blank=True,
        help_text=_("How to avoid the problem, told to the caller with its cause."),
    )
    shelve_reason = models.TextField(_("why shelved"), blank=True)
    dispatch_notes = models.TextField(
        _("for the field engineer"),
        blank=True,
        help_text=_("What the engineer on site must know."),
    )
    # Scope and commercial review (docs/domain.md §hotline.scope, §hotline.commercial)
    scope_decision = models.CharField(
        _("scope decision"), max_length=15, choices=ScopeDecision.choices, blank=True
    )
    scope_note = models.TextField(_("scope note"), blank=True)
    commercial_decision = models.CharField(
        _("commercial decision"), max_length=15, choices=CommercialDecision.choices, blank=True
    )
    agreed_charge = models.DecimalField(
        _("agreed charge (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    commercial_note = models.TextField(_("customer's decision / terms"), blank=True)
    special_plan = models.TextField(
        _("special arrangement"),
        blank=True,
        help_text=_("When the negotiation needs a special arrangement: the plan that is signed."),
    )
    special_plan_owner = models.ForeignKey(
        User,
        verbose_name=_("special arrangement handed to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    special_plan_handed_at = models.DateTimeField(
        _("special arrangement handed over"), null=True, blank=True
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The due time of the nearest running deadline, kept by the database (triggers on the
    # timers, servicedesk/core/next_due.py) so that the board and the queues rank open
    # tickets from an index; never written by save(), not part of the audit.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, editable=False)

    objects = TicketQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["next_due_at"])

    class Meta:
        verbose_name = _("service ticket")
        verbose_name_plural = _("service tickets")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("work_ticket", _("Can work hotline tickets")),
            ("decide_scope", _("Can decide whether a request is in scope")),
            ("decide_charge", _("Can decide charges for out-of-scope requests")),
            ("close_ticket", _("Can close tickets")),
            ("disclose_password", _("Can disclose account/report passwords")),
        ]
        indexes = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(fields=["first_contact_owner", "state"]),
            models.Index(fields=["customer", "state"]),
            models.Index(fields=["-received_at", "-id"], name="ticket_received_desc"),
            # A person's open tickets (the hotline queue and its count) without visiting
            # their closed ones: "state <> 'closed'" cannot narrow a (person, state) index.
            models.Index(
                fields=["assignee"],
                name="ticket_open_assignee",
                condition=~models.Q(state=TicketState.CLOSED),
            ),
            models.Index(
                fields=["first_contact_owner"],
                name="ticket_open_first_contact",
                condition=~models.Q(state=TicketState.CLOSED),
            ),
            # The board: each column's first cards by nearest deadline, read in order.
            models.Index(
                fields=["state", "next_due_at", "received_at", "id"],
                name="ticket_board_next_due",
                condition=~models.Q(state=TicketState.CLOSED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.caller_company}"

    def get_absolute_url(self) -> str:
        return reverse("tickets:ticket", args=[self.pk])

    def sla_context(self) -> dict[str, str]:
        level = self.contract.service_level if self.contract_id else ""
        return {"service_level": level, "severity": self.severity, "kind": self.kind}

    #: States in which the ticket may wait for the customer (its promises paused).
    customer_wait_states = frozenset(
        {
            TicketState.NEW,
            TicketState.SHELVED,
            TicketState.SCOPE_REVIEW,
            TicketState.COMMERCIAL_REVIEW,
            TicketState.DISPATCH_REQUESTED,
            TicketState.DISPATCHED,
        }
    )

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        """A field engineer sees the tickets behind their dispatches, and any they own
        (docs/domain.md §visibility)."""
        work = field_work(user)
        if work is None:
            return None
        return (
            Q(pk__in=work.values("ticket_id"))
            | Q(assignee_id=user.pk)
            | Q(first_contact_owner_id=user.pk)
        )

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=[TicketState.NEW, TicketState.SHELVED],
        target=TicketState.ANSWERED,
        permission="tickets.work_ticket",
    )
    def answer(self, at: dt.datetime) -> None:
        self.answered_at = at

    @transition(
        field=state,
        source=TicketState.NEW,
        target=TicketState.SHELVED,
        permission="tickets.work_ticket",
    )
    def shelve(self, reason: str) -> None:
        self.shelve_reason = reason

    @transition(
        field=state,
        source=TicketState.SHELVED,
        target=TicketState.SHELVED,
        permission="tickets.work_ticket",
    )
    def call_back(self) -> None:
        pass

    @transition(
        field=state,
        source=[TicketState.NEW, TicketState.SHELVED],
        target=TicketState.DISPATCH_REQUESTED,
        permission="tickets.work_ticket",
    )
    def request_dispatch(self, notes: str) -> None:
        self.dispatch_notes = notes

    @transition(field=state, source=TicketState.DISPATCH_REQUESTED, target=TicketState.DISPATCHED)
    def dispatch(self) -> None:
        pass

    @transition(field=state, source=TicketState.DISPATCHED, target=TicketState.RESOLVED)
    def resolve(self) -> None:
        pass

    @transition(
        field=state,
        source=TicketState.NEW,
        target=TicketState.SCOPE_REVIEW,
        permission="tickets.work_ticket",
    )
    def refer_scope(self) -> None:
        pass

    @transition(
        field=state,
        source=TicketState.SCOPE_REVIEW,
        target=TicketState.NEW,
        permission="tickets.decide_scope",
    )
    def confirm_in_scope(self, note: str = "") -> None:
        self.scope_decision = ScopeDecision.IN_SCOPE
        self.scope_note = note

    @transition(
        field=state,
        source=TicketState.SCOPE_REVIEW,
        target=TicketState.COMMERCIAL_REVIEW,
        permission="tickets.decide_scope",
    )
    def confirm_out_of_scope(self, note: str = "") -> None:
        self.scope_decision = ScopeDecision.OUT_OF_SCOPE
        self.scope_note = note

    @transition(
        field=state,
        source=TicketState.NEW,
        target=TicketState.COMMERCIAL_REVIEW,
        permission="tickets.work_ticket",
    )
    def refer_commercial(self) -> None:
        pass

    @transition(
        field=state,
        source=TicketState.COMMERCIAL_REVIEW,
        target=TicketState.NEW,
        permission="tickets.decide_charge",
    )
    def agree_charge(self, amount, note: str = "") -> None:
        self.commercial_decision = CommercialDecision.CHARGE_AGREED
        self.agreed_charge = amount
        self.commercial_note = note

    @transition(
        field=state,
        source=TicketState.COMMERCIAL_REVIEW,
        target=TicketState.NEW,
        permission="tickets.decide_charge",
    )
    def waive_charge(self, note: str = "") -> None:
        self.commercial_decision = CommercialDecision.WAIVED
        self.agreed_charge = 0
        self.commercial_note = note

    @transition(
        field=state,
        source=TicketState.COMMERCIAL_REVIEW,
        target=TicketState.CLOSED,
        permission="tickets.decide_charge",
    )
    def decline(self, note: str, at: dt.datetime) -> None:
        self.commercial_decision = CommercialDecision.DECLINED
        self.commercial_note = note
        self.closed_at = at

    @transition(
        field=state,
        source=TicketState.COMMERCIAL_REVIEW,
        target=TicketState.COMMERCIAL_REVIEW,
        conditions=[special_plan_unsigned],
        permission="tickets.decide_charge",
    )
    def write_special_plan(self, plan: str) -> None:
        self.special_plan = plan

    @transition(
        field=state,
        source=TicketState.COMMERCIAL_REVIEW,
        target=TicketState.NEW,
        conditions=[special_plan_written, special_plan_signed],
        permission="tickets.decide_charge",
    )
    def hand_over_special_plan(self, owner: Any, at: dt.datetime, note: str = "") -> None:
        """The signed plan goes to the service owner, and the work goes on by it."""
        self.commercial_decision = CommercialDecision.SPECIAL
        self.special_plan_owner = owner
        self.special_plan_handed_at = at
        self.commercial_note = note

    @transition(
        field=state,
        source=[TicketState.ANSWERED, TicketState.RESOLVED],
        target=TicketState.CLOSED,
        conditions=[ticket_has_resolution],
        permission="tickets.close_ticket",
    )
    def close(self, at: dt.datetime) -> None:
        self.closed_at = at


class TicketNote(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ticket note")
        verbose_name_plural = _("ticket notes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class Call(models.Model):
    """A call reported by the phone system (docs/domain.md §hotline.calls)."""

    caller_phone = models.CharField(_("caller's phone"), max_length=30, db_index=True)
    started_at = models.DateTimeField(_("started"))
    answered = models.BooleanField(_("answered"))
    rings = models.PositiveSmallIntegerField(_("rings before answer"), default=0)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), default=0)
    engineer = models.ForeignKey(
        User,
        verbose_name=_("engineer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    line = models.ForeignKey(
        HotlineLine,
        verbose_name=_("line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    external_id = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["started_at"]),
            models.Index(fields=["engineer", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.caller_phone} {self.started_at:%Y-%m-%d %H:%M}"


@condition(_("Fill in the title, the symptoms and the solution first."))
def article_complete(article: KnowledgeArticle) -> bool:
    return all((getattr(article, name) or "").strip() for name in ("title", "symptoms", "solution"))


class KnowledgeArticle(ConcurrentTransitionMixin, models.Model):
    """标准化问题库: answers written from solved tickets, visits and defects, reviewed, then
    suggested at intake (docs/domain.md §hotline.knowledge)."""

    title = models.CharField(_("title"), max_length=200)
    product = models.CharField(_("product"), max_length=100, blank=True)
    module = models.CharField(_("module"), max_length=100, blank=True)
    symptoms = models.TextField(_("symptoms"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    steps = models.TextField(_("steps"), blank=True)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ArticleState.choices,
        default=ArticleState.DRAFT,
        protected=True,
    )
    source_ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    # What the article was written from (a ticket, an on-site visit, a defect): a generic
    # link, because the hotline app may not depend on field service or defects
    # (docs/architecture.md §apps.order).
    source_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("written from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    search_text = models.TextField(editable=False, blank=True)
    solved_count = models.PositiveIntegerField(_("calls solved"), default=0)
    suggested_count = models.PositiveIntegerField(_("times suggested"), default=0)
    opened_count = models.PositiveIntegerField(_("times opened"), default=0)
    helpful_count = models.PositiveIntegerField(_("marked helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("marked not helpful"), default=0)
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewer = models.ForeignKey(
        User,
        verbose_name=_("reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(_("review note"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge base")
        ordering = ["-solved_count", "-updated_at"]
        permissions = [("review_knowledgearticle", _("Review and publish knowledge articles"))]
        indexes = [models.Index(fields=["source_type", "source_id"], name="article_source")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tickets:article", args=[self.pk])

    @property
    def published(self) -> bool:
        return self.state == ArticleState.PUBLISHED

    # -- the review (docs/domain.md §hotline.knowledge) ---------------------------------

    @transition(
        field=state,
        source=ArticleState.DRAFT,
        target=ArticleState.IN_REVIEW,
        conditions=[article_complete],
        permission="tickets.change_knowledgearticle",
    )
    def submit(self) -> None:
        self.review_note = ""

    @transition(
        field=state,
        source=ArticleState.IN_REVIEW,
        target=ArticleState.PUBLISHED,
        conditions=[article_complete],
        permission="tickets.review_knowledgearticle",
    )
    def publish(self, at: dt.datetime, reviewer: Any, note: str = "") -> None:
        self.published_at = at
        self.reviewer = reviewer
        self.review_note = note

    @transition(
        field=state,
        source=ArticleState.IN_REVIEW,
        target=ArticleState.DRAFT,
        permission="tickets.review_knowledgearticle",
    )
    def send_back(self, reviewer: Any, note: str) -> None:
        self.reviewer = reviewer
        self.review_note = note

    @transition(
        field=state,
        source=ArticleState.PUBLISHED,
        target=ArticleState.ARCHIVED,
        permission="tickets.review_knowledgearticle",
    )
    def archive(self, note: str) -> None:
        self.review_note = note

    @transition(
        field=state,
        source=ArticleState.ARCHIVED,
        target=ArticleState.DRAFT,
        permission="tickets.change_knowledgearticle",
    )
    def revise(self) -> None:
        self.review_note = ""


class ArticleVote(models.Model):
    """One reader's verdict on an article (helpful or not), changeable; the article's
    counters follow it (docs/domain.md §hotline.knowledge)."""

    article = models.ForeignKey(
        KnowledgeArticle,
        verbose_name=_("knowledge article"),
        on_delete=models.CASCADE,
        related_name="votes",
    )
    user = models.ForeignKey(User, verbose_name=_("reader"), on_delete=models.CASCADE)
    helpful = models.BooleanField(_("helpful"))
    at = models.DateTimeField(_("time"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_vote_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.article} · {self.user}"


class PasswordDisclosure(models.Model):
    """Passwords only to contacts the customer authorised (docs/domain.md §hotline.passwords)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="disclosures")
    contact = models.ForeignKey("contracts.Contact", on_delete=models.PROTECT, related_name="+")
    what = models.CharField(_("what was disclosed"), max_length=100)
    disclosed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    disclosed_at = models.DateTimeField(_("time"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("password disclosure")
        verbose_name_plural = _("password disclosures")
        ordering = ["-disclosed_at"]

    def __str__(self) -> str:
        return f"{self.what} → {self.contact}"


class MailOutcome(models.TextChoices):
    """What became of a mail to the support address (docs/domain.md §hotline.mail)."""

    TICKET = "ticket", _("New ticket")
    REPLY = "reply", _("Added to its ticket")
    AUTO_REPLY = "auto_reply", _("Ignored: an automatic reply")
    LOOP = "loop", _("Ignored: sent by the desk itself")
    RATE = "rate", _("Ignored: too many mails from this sender")


class InboundMail(models.Model):
    """One mail received at the support address, kept once (its ``Message-ID`` is unique,
    so a mail delivered twice or to two receivers makes one ticket)."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.EmailField(_("sender"), db_index=True)
    sender_name = models.CharField(_("sender's name"), max_length=100, blank=True)
    subject = models.CharField(_("mail subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("mail received"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=MailOutcome.choices)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("service ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mails",
    )
    contact = models.ForeignKey(
        "contracts.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    references = models.TextField(_("references"), blank=True)
    #: The Message-ID of the acknowledgement sent back, which the customer's reply cites.
    reply_message_id = models.CharField(_("Message-ID of our reply"), max_length=255, blank=True)
    refused_attachments = models.TextField(_("attachments not kept"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("received mail")
        verbose_name_plural = _("received mails")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["sender", "received_at"])]

    def __str__(self) -> str:
        return self.subject or self.sender


def _mail_attachment_path(instance: Any, filename: str) -> str:
    return f"mail/{timezone.localdate():%Y/%m}/{filename}"


class InboundMailAttachment(models.Model):
    """A file attached to a received mail, kept after the upload checks
    (docs/architecture.md §uploads)."""

    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("name"), max_length=100)
    file = models.FileField(_("file"), upload_to=_mail_attachment_path, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mail attachment")
        verbose_name_plural = _("mail attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
