"""Spare-parts stock (docs/domain.md §stock): the parts catalogue, warehouses (the company
store, an engineer's van), the stock of each part in each warehouse, the movement ledger,
loans to customers and faulty parts taken back for repair.

Invariants kept by the database: stock never goes negative (``stock_never_negative``),
and nothing enters stock without a test record (``stock_in_needs_test_record``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.conditions import condition
from servicedesk.core.querysets import RestrictedManager

User = settings.AUTH_USER_MODEL


class WarehouseKind(models.TextChoices):
    STORE = "store", _("Company store")
    VAN = "van", _("Engineer's van")


class MovementKind(models.TextChoices):
    RECEIVE = "receive", _("Received into stock")
    ISSUE = "issue", _("Issued")
    RETURN = "return", _("Returned unused")
    TRANSFER = "transfer", _("Transferred")
    LOAN_OUT = "loan_out", _("Loaned to a customer")
    LOAN_BACK = "loan_back", _("Loan returned")
    REPAIR_BACK = "repair_back", _("Back from repair")


#: Movements that put parts into a warehouse from outside it: each needs a test record
#: (docs/domain.md §stock.test: 对无检查记录的不办理入库手续).
INTO_STOCK = [
    MovementKind.RECEIVE,
    MovementKind.RETURN,
    MovementKind.LOAN_BACK,
    MovementKind.REPAIR_BACK,
]


class LoanPurpose(models.TextChoices):
    REPLACEMENT = "replacement", _("Replacement")
    STAND_IN = "stand_in", _("Stand-in while the customer's part is repaired")
    TEST = "test", _("Test in the customer's system")


class LoanState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("loan", "Awaiting approval")
    ON_LOAN = "on_loan", pgettext_lazy("loan", "On loan")
    RETURNED = "returned", pgettext_lazy("loan", "Returned")
    SOLD = "sold", pgettext_lazy("loan", "Converted to a sale")
    REJECTED = "rejected", pgettext_lazy("loan", "Refused")


LOAN_OPEN_STATES = [LoanState.REQUESTED, LoanState.ON_LOAN]


class RepairState(models.TextChoices):
    TAGGED = "tagged", pgettext_lazy("repair", "Tagged")
    AT_REPAIR = "at_repair", pgettext_lazy("repair", "At repair")
    RESTOCKED = "restocked", pgettext_lazy("repair", "Back in stock")
    WRITTEN_OFF = "written_off", pgettext_lazy("repair", "Written off")


REPAIR_OPEN_STATES = [RepairState.TAGGED, RepairState.AT_REPAIR]


class Part(models.Model):
    """A spare part in the catalogue (备件), identified by its part number (PN)."""

    part_number = models.CharField(_("part number (PN)"), max_length=60, unique=True)
    name = models.CharField(_("part"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        ordering = ["part_number"]
        permissions = [
            ("manage_stock", _("Can receive stock and keep the parts catalogue")),
            ("move_stock", _("Can issue, return and transfer spare parts")),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:stock-part", args=[self.pk])


class Warehouse(models.Model):
    """Where parts are kept: the company store, or an engineer's van."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=WarehouseKind.choices, default=WarehouseKind.STORE
    )
    engineer = models.ForeignKey(
        "fieldservice.Engineer",
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warehouses",
        help_text=_("The engineer whose van this is."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="van") | Q(engineer__isnull=False),
                name="warehouse_van_has_engineer",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:stock") + f"?warehouse={self.pk}"


class StockLevel(models.Model):
    """How many of a part one warehouse holds; below ``min_quantity`` the stock page warns.

    Written only by ``fieldservice.services.stock`` (each change is a ``StockMovement``);
    the quantity can never go below zero (a CHECK constraint, docs/domain.md §stock.never-negative).
    """

    part = models.ForeignKey(
        Part, verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="levels"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="levels"
    )
    quantity = models.IntegerField(_("in stock"), default=0)
    min_quantity = models.PositiveIntegerField(
        _("low-stock warning below"),
        default=0,
        help_text=_("The stock page warns when the quantity falls below this."),
    )

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "part"], name="stock_one_row_per_part"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]
        indexes = [
            # The low-stock lines of a warehouse, counted for the stock page's tabs.
            models.Index(
                fields=["warehouse"],
                condition=Q(quantity__lt=F("min_quantity")),
                name="stock_low_by_warehouse",
            ),
            models.Index(fields=["part", "warehouse"], name="stock_part_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.part} @ {self.warehouse}: {self.quantity}"

    @property
    def is_low(self) -> bool:
        return self.quantity < self.min_quantity


class StockMovement(models.Model):
    """One line of the stock ledger (append-only): what moved, from where to where, why,
    by whom, and for stock coming in the test record it was accepted on."""

    kind = models.CharField(_("kind"), max_length=12, choices=MovementKind.choices)
    part = models.ForeignKey(
        Part, verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="movements"
    )
    from_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    test_record = models.TextField(_("test record"), blank=True)
    dispatch = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    usage = models.ForeignKey(
        "fieldservice.SparePartUsage",
        verbose_name=_("spare part line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    loan = models.ForeignKey(
        "fieldservice.PartLoan",
        verbose_name=_("loan"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    repair = models.ForeignKey(
        "fieldservice.FaultyPart",
        verbose_name=_("faulty part"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="stock_move_positive"),
            models.CheckConstraint(
                condition=~Q(kind__in=INTO_STOCK) | ~Q(test_record=""),
                name="stock_in_needs_test_record",
            ),
            models.CheckConstraint(
                condition=Q(from_warehouse__isnull=False) | Q(to_warehouse__isnull=False),
                name="stock_move_has_a_warehouse",
            ),
        ]
        indexes = [models.Index(fields=["part", "-at"], name="stock_move_part_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part} ×{self.quantity}"


# -- loans ------------------------------------------------------------------------------


@condition(_("The technical manager has not approved this emergency loan yet."))
def loan_approved(loan: PartLoan) -> bool:
    return loan.approved_at is not None


@condition(_("The paperwork of this loan is complete."))
def loan_paperwork_pending(loan: PartLoan) -> bool:
    return loan.emergency and loan.approved_at is None


@condition(_("Only an emergency loan is taken before approval."))
def loan_is_emergency(loan: PartLoan) -> bool:
    return loan.emergency


def _loan_scope(user: Any, by_field: str = "requested_by") -> Q | None:
    """Engineers see their own loans and tags and those of the visits they see
    (docs/domain.md §visibility.field)."""
    from . import engineer_of

    if user.has_perm("fieldservice.view_all_dispatches"):
        return None
    engineer = engineer_of(user)
    mine = Q(**{by_field: user.pk}) if user.pk else Q(pk__in=[])
    if engineer is None:
        return mine
    if engineer.partner_id:
        return mine | Q(dispatch__engineer__partner_id=engineer.partner_id)
    return mine | Q(dispatch__engineer_id=engineer.pk)


class PartLoan(ConcurrentTransitionMixin, models.Model):
    """A spare part lent to a customer (更换、顶替、暂借、测试): approved by the technical
    manager first, or — in an emergency — taken first and approved within the paperwork
    deadline; it ends returned (tested back into stock) or converted to a sale
    (docs/domain.md §stock.loans)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    part = models.ForeignKey(
        Part, verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="loans"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("from warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    serial_number = models.CharField(_("serial number (SN)"), max_length=60, blank=True)
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="part_loans",
    )
    dispatch = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
    )
    usage = models.OneToOneField(
        "fieldservice.SparePartUsage",
        verbose_name=_("spare part line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loan",
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=LoanPurpose.choices)
    reason = models.TextField(_("why"))
    emergency = models.BooleanField(
        _("emergency (taken first, paperwork afterwards)"), default=False
    )
    due_back = models.DateField(_("expected back"), null=True, blank=True)
    state = FSMField(
        _("state"), default=LoanState.REQUESTED, choices=LoanState.choices, protected=True
    )
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approval_note = models.CharField(_("approval note"), max_length=300, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    returned_to = models.ForeignKey(
        Warehouse,
        verbose_name=_("returned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_test_record = models.TextField(_("test record on return"), blank=True)
    sold_at = models.DateTimeField(_("sold"), null=True, blank=True)
    sale_reference = models.CharField(_("sales order / invoice"), max_length=60, blank=True)
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)
    refusal_reason = models.CharField(_("why refused"), max_length=300, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    sla_subject = "part_loan"

    class Meta:
        verbose_name = _("spare-part loan")
        verbose_name_plural = _("spare-part loans")
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_loan", _("Can approve spare-part loans and sell them"))]
        indexes = [models.Index(fields=["state", "requested_at"], name="loan_state_requested")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_test_record=""),
                name="loan_returned_with_test_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.part.name} → {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:loan", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _loan_scope(user)

    def sla_context(self) -> dict[str, str]:
        return {"purpose": self.purpose}

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=LoanState.REQUESTED,
        target=LoanState.ON_LOAN,
        conditions=[loan_is_emergency],
        permission="fieldservice.move_stock",
    )
    def take(self, at: Any) -> None:
        self.issued_at = at

    @transition(
        field=state,
        source=LoanState.REQUESTED,
        target=LoanState.ON_LOAN,
        permission="fieldservice.approve_loan",
    )
    def approve(self, at: Any, by: Any, note: str = "") -> None:
        self.approved_at = at
        self.approved_by = by
        self.approval_note = note
        self.issued_at = at

    @transition(
        field=state,
        source=LoanState.ON_LOAN,
        target=LoanState.ON_LOAN,
        conditions=[loan_paperwork_pending],
        permission="fieldservice.approve_loan",
    )
    def complete_paperwork(self, at: Any, by: Any, note: str = "") -> None:
        self.approved_at = at
        self.approved_by = by
        self.approval_note = note

    @transition(
        field=state,
        source=LoanState.REQUESTED,
        target=LoanState.REJECTED,
        permission="fieldservice.approve_loan",
    )
    def refuse(self, at: Any, reason: str) -> None:
        self.refused_at = at
        self.refusal_reason = reason

    @transition(
        field=state,
        source=LoanState.ON_LOAN,
        target=LoanState.RETURNED,
        conditions=[loan_approved],
        permission="fieldservice.move_stock",
    )
    def give_back(self, at: Any, warehouse: Warehouse, test_record: str) -> None:
        self.returned_at = at
        self.returned_to = warehouse
        self.return_test_record = test_record

    @transition(
        field=state,
        source=LoanState.ON_LOAN,
        target=LoanState.SOLD,
        conditions=[loan_approved],
        permission="fieldservice.approve_loan",
    )
    def sell(self, at: Any, sale_reference: str) -> None:
        self.sold_at = at
        self.sale_reference = sale_reference


# -- faulty parts -----------------------------------------------------------------------


class FaultyPart(ConcurrentTransitionMixin, models.Model):
    """A faulty part taken back from a customer: tagged at once (the tag number printed
    on a label, 无论好坏均应用标签标记), sent for repair, and tracked until it is back in
    stock — after a test — or written off (docs/domain.md §stock.repairs)."""

    tag_number = models.CharField(_("tag number"), max_length=20, unique=True)
    part = models.ForeignKey(
        Part, verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="repairs"
    )
    serial_number = models.CharField(_("serial number (SN)"), max_length=60, blank=True)
    fault = models.TextField(_("fault"))
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faulty_parts",
    )
    dispatch = models.ForeignKey(
        "fieldservice.Dispatch",
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faulty_parts",
    )
    usage = models.OneToOneField(
        "fieldservice.SparePartUsage",
        verbose_name=_("spare part line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faulty",
    )
    state = FSMField(
        _("state"), default=RepairState.TAGGED, choices=RepairState.choices, protected=True
    )
    tagged_by = models.ForeignKey(
        User, verbose_name=_("tagged by"), on_delete=models.PROTECT, related_name="+"
    )
    tagged_at = models.DateTimeField(_("tagged"), default=timezone.now)
    repairer = models.CharField(_("repaired by"), max_length=120, blank=True)
    sent_at = models.DateTimeField(_("sent for repair"), null=True, blank=True)
    expected_back = models.DateField(_("expected back"), null=True, blank=True)
    restocked_at = models.DateTimeField(_("back in stock"), null=True, blank=True)
    restocked_to = models.ForeignKey(
        Warehouse,
        verbose_name=_("back into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    test_record = models.TextField(_("test record"), blank=True)
    written_off_at = models.DateTimeField(_("written off"), null=True, blank=True)
    write_off_reason = models.CharField(_("why written off"), max_length=300, blank=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("faulty part")
        verbose_name_plural = _("faulty parts")
        ordering = ["-tagged_at", "-id"]
        permissions = [("repair_part", _("Can send faulty parts for repair and restock them"))]
        indexes = [models.Index(fields=["state", "tagged_at"], name="faulty_state_tagged")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="restocked") | ~Q(test_record=""),
                name="faulty_restocked_with_test_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tag_number} {self.part.name}"

    def get_absolute_url(self) -> str:
        return reverse("fieldservice:repair", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user: Any) -> Q | None:
        return _loan_scope(user, "tagged_by")

    # -- transitions (pure) -----------------------------------------------------------
    @transition(
        field=state,
        source=RepairState.TAGGED,
        target=RepairState.AT_REPAIR,
        permission="fieldservice.repair_part",
    )
    def send(self, at: Any, repairer: str, expected_back: Any = None) -> None:
        self.sent_at = at
        self.repairer = repairer
        self.expected_back = expected_back

    @transition(
        field=state,
        source=[RepairState.TAGGED, RepairState.AT_REPAIR],
        target=RepairState.RESTOCKED,
        permission="fieldservice.repair_part",
    )
    def restock(self, at: Any, warehouse: Warehouse, test_record: str) -> None:
        self.restocked_at = at
        self.restocked_to = warehouse
        self.test_record = test_record

    @transition(
        field=state,
        source=[RepairState.TAGGED, RepairState.AT_REPAIR],
        target=RepairState.WRITTEN_OFF,
        permission="fieldservice.repair_part",
    )
    def write_off(self, at: Any, reason: str) -> None:
        self.written_off_at = at
        self.write_off_reason = reason
