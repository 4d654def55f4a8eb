"""Customers, their people, products and equipment; contracts with service periods,
scope and charging standard; first visits and revisits (docs/domain.md §contract, §revisit)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.choices import Role, ServiceLevel
from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedManager, RestrictedQuerySet
from servicedesk.core.scoping import field_work, field_work_customers

from .choices import (
    CONTRACT_COPY_KINDS,
    ChargeUnit,
    ContractState,
    CustomerCategory,
    Department,
    DocumentKind,
    FirstVisitState,
    NoticeChannel,
    PeriodKind,
    QuotaPeriod,
    RenewalOutcome,
    RevisitFollowUp,
    RevisitReason,
    RevisitState,
    ServiceType,
)

User = settings.AUTH_USER_MODEL


def _customers_of_field_work(user, field: str = "customer_id") -> Q | None:
    """A field engineer sees only the customers of their dispatches (docs/domain.md
    §visibility.field)."""
    work = field_work(user)
    return None if work is None else Q(**{f"{field}__in": field_work_customers(work)})


class Customer(models.Model):
    name = models.CharField(_("full legal name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True, db_index=True)
    category = models.CharField(
        _("category"), max_length=1, choices=CustomerCategory.choices, default=CustomerCategory.B
    )
    phone = models.CharField(_("main phone"), max_length=30, blank=True, db_index=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    sales_manager = models.ForeignKey(
        User,
        verbose_name=_("sales manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
    )
    in_use_since = models.DateField(
        _("system in use since"),
        null=True,
        blank=True,
        help_text=_("Go-live of the first system: the revisit cycle depends on time in use."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("contracts:customer", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        return _customers_of_field_work(user, "pk")


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("title"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("main contact"), default=False)
    may_receive_passwords = models.BooleanField(
        _("authorised to receive account/report passwords"), default=False
    )
    authorised_by = models.CharField(
        _("authorised by"),
        max_length=100,
        blank=True,
        help_text=_("Who at the customer authorised it."),
    )
    authorised_on = models.DateField(_("authorised on"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer", "-is_primary", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(may_receive_passwords=False)
                | (~Q(authorised_by="") & Q(authorised_on__isnull=False)),
                name="password_authorisation_recorded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.customer}）"

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        return _customers_of_field_work(user)


class InstalledProduct(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="products"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
    )
    software = models.CharField(_("software"), max_length=100)
    version = models.CharField(_("version"), max_length=40, blank=True)
    modules = models.CharField(_("modules"), max_length=300, blank=True)
    licence_number = models.CharField(
        _("dongle / licence number"), max_length=60, blank=True, db_index=True
    )
    go_live_on = models.DateField(_("go-live date"), null=True, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("installed product")
        verbose_name_plural = _("installed products")
        ordering = ["customer", "software"]

    def __str__(self) -> str:
        return f"{self.software} {self.version}".strip()

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        return _customers_of_field_work(user)


class Asset(models.Model):
    """Hardware at the customer's site (installations record them)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="assets"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
    )
    model = models.CharField(_("model"), max_length=100)
    part_number = models.CharField(_("part number"), max_length=60, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=80, blank=True, db_index=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    # Recorded by an installation (docs/domain.md §installation.assets): the product, its
    # licence, when and by which visit. The visit is a plain column: field service
    # depends on contracts, not the reverse (docs/architecture.md §apps.order).
    product = models.CharField(_("product"), max_length=100, blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    installation_dispatch_id = models.PositiveBigIntegerField(
        _("installation visit"), null=True, blank=True
    )
    installation_number = models.CharField(_("installation visit"), max_length=30, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["customer", "model"]

    def __str__(self) -> str:
        return f"{self.model} {self.serial_number}".strip()

    def under_warranty(self, on: dt.date | None = None) -> bool | None:
        """Is it under warranty on ``on`` (today)? ``None`` when no warranty end is known."""
        if self.warranty_end is None:
            return None
        return (on or timezone.localdate()) <= self.warranty_end

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        return _customers_of_field_work(user)


@condition(
    lambda contract: (
        _("Before it can be signed, the contract needs %(missing)s.")
        % {"missing": "、".join(contract.signing_problems())}
    )
)
def contract_is_complete(contract: Contract) -> bool:
    """Signing needs a sales manager, dates, amount, service level, scope and a free period."""
    return not contract.signing_problems()


class ContractQuerySet(RestrictedQuerySet):
    def active(self) -> ContractQuerySet:
        return self.filter(state__in=[ContractState.SIGNED, ContractState.IN_SERVICE])


class Contract(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    sales_manager = models.ForeignKey(
        User,
        verbose_name=_("sales manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_contracts",
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    service_level = models.CharField(
        _("service level"),
        max_length=10,
        choices=ServiceLevel.choices,
        default=ServiceLevel.BUSINESS_HOURS,
    )
    includes_implementation = models.BooleanField(_("includes implementation"), default=False)
    free_data_import = models.BooleanField(
        _("data import free of charge"), default=False, help_text=_("Otherwise charged.")
    )
    free_period_from_acceptance = models.BooleanField(
        _("free service period starts at acceptance"),
        default=False,
        # docs/domain.md §project.acceptance
        help_text=_("The free period's dates follow the acceptance of the implementation project."),
    )
    state = FSMField(
        _("state"), default=ContractState.DRAFT, choices=ContractState.choices, protected=True
    )
    terminated_reason = models.TextField(_("reason for termination"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ContractQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "-id"]
        permissions = [
            ("sign_contract", _("Can sign contracts")),
            ("renew_contract", _("Can renew contracts")),
            ("terminate_contract", _("Can terminate contracts")),
            ("view_full_copy", _("Can see the full contract copy")),
        ]
        indexes = [models.Index(fields=["customer", "state"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract", args=[self.pk])

    def sla_context(self) -> dict[str, str]:
        return {"service_level": self.service_level}

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        """A field engineer sees the contracts their dispatches are under (docs/domain.md
        §visibility.field)."""
        work = field_work(user)
        return None if work is None else Q(pk__in=work.values("contract_id"))

    def signing_problems(self) -> list[str]:
        problems = []
        if not self.sales_manager_id:
            problems.append(str(_("a sales manager")))
        if not self.signed_on:
            problems.append(str(_("the signing date")))
        if self.amount is None:
            problems.append(str(_("the amount")))
        if not self.service_level:
            problems.append(str(_("the service level")))
        if self.pk is None or not self.scope_items.exists():
            problems.append(str(_("the service scope")))
        if self.pk is None or not self.periods.filter(kind=PeriodKind.FREE).exists():
            problems.append(str(_("the free service period")))
        return problems

    # -- transitions (pure: they only change this instance) --------------------------
    @transition(
        field=state,
        source=ContractState.DRAFT,
        target=ContractState.SIGNED,
        conditions=[contract_is_complete],
        permission="contracts.sign_contract",
    )
    def sign(self) -> None:
        pass

    @transition(field=state, source=ContractState.SIGNED, target=ContractState.IN_SERVICE)
    def start_service(self) -> None:
        pass

    @transition(field=state, source=ContractState.IN_SERVICE, target=ContractState.EXPIRED)
    def expire(self) -> None:
        pass

    @transition(
        field=state,
        source=[ContractState.IN_SERVICE, ContractState.EXPIRED, ContractState.SIGNED],
        target=ContractState.IN_SERVICE,
        permission="contracts.renew_contract",
    )
    def renew(self) -> None:
        pass

    @transition(
        field=state,
        source=[
            ContractState.DRAFT,
            ContractState.SIGNED,
            ContractState.IN_SERVICE,
            ContractState.EXPIRED,
        ],
        target=ContractState.TERMINATED,
        permission="contracts.terminate_contract",
    )
    def terminate(self, reason: str = "") -> None:
        self.terminated_reason = reason


class ServiceScopeItem(models.Model):
    """One service type the contract covers, with an optional quota (e.g. 4 visits a year)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="scope_items"
    )
    service_type = models.CharField(_("service type"), max_length=30, choices=ServiceType.choices)
    quota = models.PositiveIntegerField(
        _("quota"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    quota_period = models.CharField(
        _("quota per"), max_length=10, choices=QuotaPeriod.choices, default=QuotaPeriod.YEAR
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service scope item")
        verbose_name_plural = _("service scope")
        constraints = [
            models.UniqueConstraint(fields=["contract", "service_type"], name="one_scope_per_type")
        ]

    def __str__(self) -> str:
        quota = f" ×{self.quota}/{self.get_quota_period_display()}" if self.quota else ""
        return f"{self.get_service_type_display()}{quota}"


class ServicePeriod(models.Model):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="periods"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("The last day of service (inclusive)."))
    amount = models.DecimalField(
        _("amount paid (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service period")
        verbose_name_plural = _("service periods")
        ordering = ["contract", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["ends_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


class ChargeRate(models.Model):
    """The charging standard for out-of-scope work (客户服务工作收费标准).

    Rows without a contract are the company's standard; a contract's own rows override it.
    A row without a service type applies to every type.
    """

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="charge_rates",
    )
    service_type = models.CharField(
        _("service type"), max_length=30, choices=ServiceType.choices, blank=True
    )
    unit = models.CharField(_("charged"), max_length=20, choices=ChargeUnit.choices)
    price = models.DecimalField(
        _("price (CNY)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("charge rate")
        verbose_name_plural = _("charging standard")
        ordering = ["contract", "service_type"]

    def __str__(self) -> str:
        kind = self.get_service_type_display() or _("any service")
        return f"{kind}: {self.price} {self.get_unit_display()}"


def contract_document_path(instance: ContractDocument, filename: str) -> str:
    return f"contracts/{instance.contract_id}/{instance.kind}-{uuid.uuid4().hex[:8]}-{filename}"


class ContractDocument(models.Model):
    """The contract's scanned copies: the full copy for management and sales only, the
    redacted copy (prices hidden) for implementation and service staff."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=contract_document_path)
    sha256 = models.CharField(max_length=64)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")
        ordering = ["contract", "kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.contract} · {self.get_kind_display()}"

    @property
    def is_contract_copy(self) -> bool:
        """The contract itself (full or redacted), not a technical document."""
        return self.kind in CONTRACT_COPY_KINDS


class RenewalDecision(models.Model):
    """The end of a service period, told to the right people (docs/domain.md §contract.period-end):
    a renewal bought is told to the company heads and the service staff; no renewal is told to the
    company heads, and the customer is told what happens to later requests (a printed
    letter or an e-mail to the contact)."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="renewal_decisions",
    )
    period_end = models.DateField(
        _("service ended on"), help_text=_("The last day of service the decision is about.")
    )
    outcome = models.CharField(_("decision"), max_length=12, choices=RenewalOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    notice_channel = models.CharField(
        _("customer told by"), max_length=10, choices=NoticeChannel.choices, blank=True
    )
    notice_contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact told"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notice_text = models.TextField(_("what the customer was told"), blank=True)
    notice_sent_at = models.DateTimeField(_("e-mail sent"), null=True, blank=True)
    notice_error = models.CharField(_("e-mail not sent"), max_length=300, blank=True)
    told = models.JSONField(
        _("staff told"), default=list, blank=True, help_text=_("Who was notified.")
    )
    decided_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service period end")
        verbose_name_plural = _("service period ends")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_end"], name="one_decision_per_period_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.period_end}: {self.get_outcome_display()}"

    def get_absolute_url(self) -> str:
        return self.contract.get_absolute_url()


class ServiceUsage(models.Model):
    """One use of a service type under a contract, counted against its quota."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="usages")
    service_type = models.CharField(max_length=30, choices=ServiceType.choices)
    used_on = models.DateField()
    source_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service usage")
        verbose_name_plural = _("service usage")
        indexes = [models.Index(fields=["contract", "service_type", "used_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "service_type", "source_type", "source_id"],
                condition=Q(source_id__isnull=False),
                name="one_usage_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract} {self.service_type} {self.used_on}"


# -- first visits (docs/domain.md §first-visit) -----------------------------------------

VERIFIABLE_FIELDS = [
    "customer.name",
    "contact.name",
    "contact.phone",
    "contact.mobile",
    "contact.email",
    "customer.website",
    "product.version",
    "product.modules",
    "product.licence_number",
]


class FirstVisit(ConcurrentTransitionMixin, models.Model):
    # None for a customer recorded from a hotline call before any contract (issue 10 §8).
    contract = models.OneToOneField(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="first_visit",
        null=True,
        blank=True,
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="first_visits"
    )
    agent = models.ForeignKey(
        User,
        verbose_name=_("first-visit agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="first_visits",
    )
    state = FSMField(
        _("state"),
        default=FirstVisitState.PENDING,
        choices=FirstVisitState.choices,
        protected=True,
    )
    checks = models.JSONField(
        _("verification"),
        default=dict,
        blank=True,
        help_text=_("Each verified field → checked or corrected."),
    )
    notes = models.TextField(_("notes"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    sla_subject = "first_visit"

    class Meta:
        verbose_name = _("first visit")
        verbose_name_plural = _("first visits")
        ordering = ["-created_at"]
        permissions = [("perform_first_visit", _("Can perform first visits"))]

    def __str__(self) -> str:
        return f"{_('First visit')} · {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:first-visit", args=[self.pk])

    def sla_context(self) -> dict[str, str]:
        return {"service_level": self.contract.service_level if self.contract_id else ""}

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        work = _customers_of_field_work(user)
        if work is not None:
            return work
        if user.groups.filter(name=Role.FIRST_VISIT_AGENT).exists() and not user.has_perm(
            "contracts.change_contract"
        ):
            return Q(agent=user)
        return None

    @transition(
        field=state,
        source=FirstVisitState.PENDING,
        target=FirstVisitState.VERIFYING,
        permission="contracts.perform_first_visit",
    )
    def start(self, at: dt.datetime) -> None:
        self.started_at = at

    @transition(
        field=state,
        source=FirstVisitState.VERIFYING,
        target=FirstVisitState.COMPLETED,
        permission="contracts.perform_first_visit",
    )
    def complete(self, at: dt.datetime) -> None:
        self.completed_at = at


class FirstVisitNeed(models.Model):
    """A need the customer told the first-visit agent, routed to one department."""

    first_visit = models.ForeignKey(FirstVisit, on_delete=models.CASCADE, related_name="needs")
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    description = models.TextField(_("need"))
    routed_at = models.DateTimeField(_("routed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("first-visit need")
        verbose_name_plural = _("first-visit needs")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_department_display()}: {self.description[:40]}"


# -- revisits (docs/domain.md §revisit) -------------------------------------------------


class RevisitCycle(models.Model):
    """How often customers of a category are revisited (A monthly, B every 2, C every 3)."""

    category = models.CharField(
        _("customer category"), max_length=1, choices=CustomerCategory.choices, unique=True
    )
    months = models.PositiveSmallIntegerField(
        _("every N months"), validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    months_after_first_year = models.PositiveSmallIntegerField(
        _("every N months after the first year in use"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Empty: the same cycle whatever the time in use."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("revisit cycle")
        verbose_name_plural = _("revisit cycles")
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.category}: {self.months}"


class Revisit(ConcurrentTransitionMixin, models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="revisits"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisits",
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=RevisitReason.choices, default=RevisitReason.PERIODIC
    )
    due_on = models.DateField(_("due on"), db_index=True)
    assignee = models.ForeignKey(
        User,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisits",
    )
    state = FSMField(
        _("state"), default=RevisitState.SCHEDULED, choices=RevisitState.choices, protected=True
    )
    source_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    contact_name = models.CharField(_("spoke with"), max_length=60, blank=True)
    opinion = models.TextField(_("customer's opinion"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    issue_raised = models.TextField(_("issue raised"), blank=True)
    follow_up = models.CharField(
        _("follow-up"), max_length=10, choices=RevisitFollowUp.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    sla_subject = "revisit"

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["due_on", "id"]
        permissions = [("perform_revisit", _("Can record revisits"))]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason", "due_on"],
                condition=Q(reason="periodic"),
                name="one_periodic_revisit_per_day",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.customer} · {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:revisit", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user) -> Q | None:
        return _customers_of_field_work(user)

    @transition(
        field=state,
        source=RevisitState.SCHEDULED,
        target=RevisitState.DONE,
        permission="contracts.perform_revisit",
    )
    def record(self, at: dt.datetime) -> None:
        self.done_at = at

    @transition(field=state, source=RevisitState.SCHEDULED, target=RevisitState.MISSED)
    def miss(self) -> None:
        pass
