"""Spare-parts stock: receive, issue, return and transfer; loans to customers; faulty
parts taken back, repaired and restocked or written off (docs/domain.md §stock).

Every change of a quantity is one ``StockMovement`` written in the same transaction as
the change, under a row lock of the ``StockLevel``. Two engineers issuing the last unit
at once: the second waits for the first's lock, then finds nothing left and is refused in
words; the CHECK constraint ``stock_never_negative`` stands behind the check
(docs/domain.md §stock.never-negative). A part on a visit is also a line of the visit
(``SparePartUsage``, written by ``part_add``), so the service report lists it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.timers import timer_meet, timer_start

from ..choices import PartUsageKind
from ..models import Dispatch, SparePartUsage
from ..models.stock import (
    FaultyPart,
    LoanPurpose,
    LoanState,
    MovementKind,
    Part,
    PartLoan,
    StockLevel,
    StockMovement,
    Warehouse,
    WarehouseKind,
)

if TYPE_CHECKING:
    from contracts.models import Customer
    from servicedesk.core.types import User

#: The emergency loan's paperwork clock (docs/domain.md §stock.loans).
PAPERWORK = "paperwork"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _require(by: User, perm: str) -> None:
    if not by.has_perm(perm):
        raise NotPermitted(_("You may not perform this action."))


def _check_quantity(quantity: Any) -> int:
    if not isinstance(quantity, int) or quantity < 1:
        raise_field_errors({"quantity": [_("At least one.")]})
    return int(quantity)


def _check_test_record(test_record: str) -> str:
    """Nothing enters stock without a test record (docs/domain.md §stock.test)."""
    text = _text(test_record)
    if not text:
        raise_field_errors(
            {
                "test_record": [
                    _("Write down how the part was tested: nothing enters stock untested.")
                ]
            }
        )
    return text


def _may_take_from(by: User, warehouse: Warehouse) -> None:
    """An engineer takes from the company store or their own van; the stock keepers from
    any warehouse (docs/domain.md §stock.warehouses)."""
    if not warehouse.active:
        raise_field_errors({"warehouse": [_("This warehouse is closed.")]})
    if by.has_perm("fieldservice.manage_stock") or warehouse.kind == WarehouseKind.STORE:
        return
    if warehouse.engineer is not None and warehouse.engineer.user_id == by.pk:
        return
    raise NotPermitted(_("You may take parts only from the company store or your own van."))


def _level(part: Part, warehouse: Warehouse) -> StockLevel:
    """The part's row in the warehouse, created empty when missing, locked."""
    StockLevel.objects.get_or_create(part=part, warehouse=warehouse)
    return StockLevel.objects.select_for_update().get(part=part, warehouse=warehouse)


def _shortage(part: Part, warehouse: Warehouse, available: int, quantity: int) -> ApplicationError:
    message = _(
        "Not enough stock: %(warehouse)s holds %(available)s of %(part)s and %(quantity)s "
        "were asked for. Someone may have just taken the last one; reload and choose "
        "another warehouse."
    ) % {
        "warehouse": warehouse.name,
        "available": available,
        "part": part.name,
        "quantity": quantity,
    }
    return ApplicationError(message, extra={"quantity": [message]})


def _take_out(part: Part, warehouse: Warehouse, quantity: int) -> None:
    """Lower the stock, refusing in words when it does not suffice."""
    level = StockLevel.objects.select_for_update().filter(part=part, warehouse=warehouse).first()
    available = level.quantity if level is not None else 0
    if level is None or available < quantity:
        raise _shortage(part, warehouse, available, quantity)
    try:
        with transaction.atomic():
            StockLevel.objects.filter(pk=level.pk).update(quantity=F("quantity") - quantity)
    except IntegrityError as exc:  # stock_never_negative: the database's last word
        raise _shortage(part, warehouse, available, quantity) from exc


def _put_in(part: Part, warehouse: Warehouse, quantity: int) -> None:
    level = _level(part, warehouse)
    StockLevel.objects.filter(pk=level.pk).update(quantity=F("quantity") + quantity)


def _record(
    kind: str,
    *,
    part: Part,
    quantity: int,
    by: User,
    from_warehouse: Warehouse | None = None,
    to_warehouse: Warehouse | None = None,
    event_target: Any = None,
    **links: Any,
) -> StockMovement:
    movement = StockMovement.objects.create(
        kind=kind,
        part=part,
        quantity=quantity,
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        by=by,
        **links,
    )
    event_record(
        kind=f"stock.{kind}",
        target=event_target or part,
        actor=by,
        data={
            "movement": movement.pk,
            "part": part.pk,
            "quantity": quantity,
            "from": from_warehouse.pk if from_warehouse else None,
            "to": to_warehouse.pk if to_warehouse else None,
        },
    )
    return movement


# -- receive, issue, return, transfer ---------------------------------------------------


def stock_receive(
    *,
    by: User,
    part: Part,
    warehouse: Warehouse,
    quantity: int,
    test_record: str,
    note: str = "",
) -> StockMovement:
    """New parts into a warehouse, each batch with its test record."""
    _require(by, "fieldservice.manage_stock")
    quantity = _check_quantity(quantity)
    test_record = _check_test_record(test_record)
    with transaction.atomic():
        _put_in(part, warehouse, quantity)
        return _record(
            MovementKind.RECEIVE,
            part=part,
            quantity=quantity,
            by=by,
            to_warehouse=warehouse,
            test_record=test_record,
            note=_text(note)[:300],
        )


def stock_issue(
    *,
    by: User,
    part: Part,
    warehouse: Warehouse,
    quantity: int = 1,
    dispatch: Dispatch | None = None,
    serial_number: str = "",
    note: str = "",
) -> StockMovement:
    """Parts taken out of a warehouse; on a visit they become a line of its service report
    (``SparePartUsage`` used / replaced)."""
    _require(by, "fieldservice.move_stock")
    quantity = _check_quantity(quantity)
    _may_take_from(by, warehouse)
    with transaction.atomic():
        _take_out(part, warehouse, quantity)
        usage = _usage_line(
            dispatch,
            by=by,
            part=part,
            kind=PartUsageKind.REPLACED,
            quantity=quantity,
            serial_number=serial_number,
            note=note,
        )
        return _record(
            MovementKind.ISSUE,
            part=part,
            quantity=quantity,
            by=by,
            from_warehouse=warehouse,
            dispatch=dispatch,
            usage=usage,
            note=_text(note)[:300],
        )


def stock_return(
    *,
    by: User,
    part: Part,
    warehouse: Warehouse,
    quantity: int,
    test_record: str,
    dispatch: Dispatch | None = None,
    note: str = "",
) -> StockMovement:
    """Issued parts brought back unused: tested, then into a warehouse."""
    _require(by, "fieldservice.move_stock")
    quantity = _check_quantity(quantity)
    test_record = _check_test_record(test_record)
    with transaction.atomic():
        _put_in(part, warehouse, quantity)
        return _record(
            MovementKind.RETURN,
            part=part,
            quantity=quantity,
            by=by,
            to_warehouse=warehouse,
            dispatch=dispatch,
            test_record=test_record,
            note=_text(note)[:300],
        )


def stock_transfer(
    *,
    by: User,
    part: Part,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    quantity: int,
    note: str = "",
) -> StockMovement:
    """From one warehouse to another (the store to a van, a van back to the store)."""
    _require(by, "fieldservice.move_stock")
    quantity = _check_quantity(quantity)
    if from_warehouse.pk == to_warehouse.pk:
        raise_field_errors({"to_warehouse": [_("Choose another warehouse.")]})
    _may_take_from(by, from_warehouse)
    with transaction.atomic():
        # Both rows locked in primary-key order: two opposite transfers never deadlock.
        for warehouse in sorted((from_warehouse, to_warehouse), key=lambda w: w.pk):
            _level(part, warehouse)
        _take_out(part, from_warehouse, quantity)
        _put_in(part, to_warehouse, quantity)
        return _record(
            MovementKind.TRANSFER,
            part=part,
            quantity=quantity,
            by=by,
            from_warehouse=from_warehouse,
            to_warehouse=to_warehouse,
            note=_text(note)[:300],
        )


def stock_set_minimum(
    *, by: User, part: Part, warehouse: Warehouse, min_quantity: int
) -> StockLevel:
    """The low-stock warning level of a part in a warehouse."""
    _require(by, "fieldservice.manage_stock")
    if not isinstance(min_quantity, int) or min_quantity < 0:
        raise_field_errors({"min_quantity": [_("Zero or more.")]})
    with transaction.atomic():
        level = _level(part, warehouse)
        before = level.min_quantity
        level.min_quantity = min_quantity
        level.save(update_fields=["min_quantity"])
        event_record(
            kind="stock.minimum",
            target=part,
            actor=by,
            data={"warehouse": warehouse.pk, "from": before, "to": min_quantity},
        )
    return level


def _usage_line(
    dispatch: Dispatch | None,
    *,
    by: User,
    part: Part,
    kind: str,
    quantity: int = 1,
    serial_number: str = "",
    emergency: bool = False,
    repair_tag: str = "",
    note: str = "",
) -> SparePartUsage | None:
    """The part as a line of the visit's report (docs/domain.md §dispatch.parts)."""
    if dispatch is None:
        return None
    from .dispatches import part_add

    return part_add(
        dispatch,
        by=by,
        part_name=part.name,
        kind=kind,
        part_number=part.part_number,
        serial_number=_text(serial_number),
        quantity=quantity,
        emergency=emergency,
        repair_tag=repair_tag,
        note=_text(note),
    )


def _numbered(obj: Any, field: str, prefix: str, when: dt.datetime) -> None:
    """Number a new record by its day and primary key (docs/domain.md §numbers)."""
    setattr(obj, field, f"{prefix}{timezone.localtime(when):%Y%m%d}-{obj.pk:05d}")
    obj.save(update_fields=[field])


def _tech_managers() -> list[Any]:
    return list(users_in_roles(Role.TECH_MANAGER))


# -- loans ------------------------------------------------------------------------------


def _loan_errors(
    *, purpose: str, reason: str, due_back: dt.date | None, part: Part
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if purpose not in LoanPurpose.values:
        errors["purpose"] = [_("Choose what the part is lent for.")]
    if not _text(reason):
        errors["reason"] = [_("Why does the customer need it?")]
    if due_back is not None and due_back < timezone.localdate():
        errors["due_back"] = [_("The expected return cannot be in the past.")]
    if not part.active:
        errors["part"] = [_("This part is no longer stocked.")]
    return errors


def loan_request(
    *,
    by: User,
    part: Part,
    warehouse: Warehouse,
    customer: Customer,
    purpose: str,
    reason: str,
    quantity: int = 1,
    dispatch: Dispatch | None = None,
    emergency: bool = False,
    due_back: dt.date | None = None,
    serial_number: str = "",
) -> PartLoan:
    """Ask to lend a part to a customer. The technical manager approves before it leaves
    the warehouse; an emergency loan is taken at once and its paperwork is due within the
    ``paperwork`` deadline (docs/domain.md §stock.loans: 事情紧急时可事先借用，但事后须补全手续)."""
    _require(by, "fieldservice.move_stock")
    quantity = _check_quantity(quantity)
    raise_field_errors(_loan_errors(purpose=purpose, reason=reason, due_back=due_back, part=part))
    if dispatch is not None and dispatch.customer_id != customer.pk:
        raise_field_errors({"dispatch": [_("The visit is for another customer.")]})
    if emergency:
        _may_take_from(by, warehouse)
    now = timezone.now()
    with transaction.atomic():
        usage = _usage_line(
            dispatch,
            by=by,
            part=part,
            kind=PartUsageKind.LOAN,
            quantity=quantity,
            serial_number=serial_number,
            emergency=emergency,
            note=reason,
        )
        loan = PartLoan.objects.create(
            number=uuid.uuid4().hex[:20],
            part=part,
            warehouse=warehouse,
            quantity=quantity,
            serial_number=_text(serial_number)[:60],
            customer=customer,
            dispatch=dispatch,
            usage=usage,
            purpose=purpose,
            reason=_text(reason),
            emergency=emergency,
            due_back=due_back,
            requested_by=by,
            requested_at=now,
        )
        _numbered(loan, "number", "JY", now)
        event_record(
            kind="partloan.requested",
            target=loan,
            actor=by,
            data={"part": part.pk, "quantity": quantity, "emergency": emergency},
        )
        if emergency:
            loan = _loan_take(loan, by=by, now=now)
        if usage is None:  # a visit's line already told the technical managers (part_add)
            _tell_tech_managers(loan)
    return loan


def _loan_take(loan: PartLoan, *, by: User, now: dt.datetime) -> PartLoan:
    _take_out(loan.part, loan.warehouse, loan.quantity)
    loan = transition_run(
        instance=loan, name="take", by=by, kwargs={"at": now}, update_fields=["issued_at"]
    )
    _record(
        MovementKind.LOAN_OUT,
        part=loan.part,
        quantity=loan.quantity,
        by=by,
        from_warehouse=loan.warehouse,
        dispatch=loan.dispatch,
        usage=loan.usage,
        loan=loan,
        event_target=loan,
    )
    timer_start(subject=loan, target=PAPERWORK, started_at=now, owner_role=Role.TECH_MANAGER)
    return loan


def _tell_tech_managers(loan: PartLoan) -> None:
    title = (
        _("Emergency loan to approve afterwards: %(number)s %(part)s for %(customer)s")
        if loan.emergency
        else _("Loan to approve: %(number)s %(part)s for %(customer)s")
    )
    notifications_create(
        recipients=_tech_managers(),
        kind="spare_part_approval",
        title=title % {"number": loan.number, "part": loan.part.name, "customer": loan.customer},
        body=loan.reason[:500],
        url=loan.get_absolute_url(),
        target=loan,
    )


def loan_approve(loan: PartLoan, *, by: User, note: str = "") -> PartLoan:
    """The technical manager approves: a requested loan leaves the warehouse now; an
    emergency loan already out has its paperwork completed (its deadline met)."""
    now = timezone.now()
    note = _text(note)[:300]
    with transaction.atomic():
        if loan.state == LoanState.REQUESTED:
            if not loan.warehouse.active:
                raise_field_errors({"warehouse": [_("This warehouse is closed.")]})
            _take_out(loan.part, loan.warehouse, loan.quantity)
            loan = transition_run(
                instance=loan,
                name="approve",
                by=by,
                kwargs={"at": now, "by": by, "note": note},
                update_fields=["approved_at", "approved_by", "approval_note", "issued_at"],
            )
            _record(
                MovementKind.LOAN_OUT,
                part=loan.part,
                quantity=loan.quantity,
                by=by,
                from_warehouse=loan.warehouse,
                dispatch=loan.dispatch,
                usage=loan.usage,
                loan=loan,
                event_target=loan,
            )
        else:
            loan = transition_run(
                instance=loan,
                name="complete_paperwork",
                by=by,
                kwargs={"at": now, "by": by, "note": note},
                update_fields=["approved_at", "approved_by", "approval_note"],
            )
            timer_meet(subject=loan, target=PAPERWORK, at=now)
        if loan.usage is not None:
            from .dispatches import part_approve

            part_approve(loan.usage, by=by)
        notifications_create(
            recipients=[loan.requested_by],
            kind="spare_part_approved",
            title=_("Loan approved: %(number)s %(part)s")
            % {"number": loan.number, "part": loan.part.name},
            url=loan.get_absolute_url(),
            target=loan,
        )
    return loan


def loan_refuse(loan: PartLoan, *, by: User, reason: str) -> PartLoan:
    if not _text(reason):
        raise_field_errors({"reason": [_("Say why the loan is refused.")]})
    with transaction.atomic():
        loan = transition_run(
            instance=loan,
            name="refuse",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)[:300]},
            update_fields=["refused_at", "refusal_reason"],
        )
        notifications_create(
            recipients=[loan.requested_by],
            kind="spare_part_refused",
            title=_("Loan refused: %(number)s %(part)s")
            % {"number": loan.number, "part": loan.part.name},
            body=loan.refusal_reason,
            url=loan.get_absolute_url(),
            target=loan,
        )
    return loan


def loan_return(loan: PartLoan, *, by: User, warehouse: Warehouse, test_record: str) -> PartLoan:
    """The customer gives the part back: tested, then into a warehouse."""
    test_record = _check_test_record(test_record)
    if not warehouse.active:
        raise_field_errors({"warehouse": [_("This warehouse is closed.")]})
    with transaction.atomic():
        loan = transition_run(
            instance=loan,
            name="give_back",
            by=by,
            kwargs={"at": timezone.now(), "warehouse": warehouse, "test_record": test_record},
            update_fields=["returned_at", "returned_to", "return_test_record"],
        )
        _put_in(loan.part, warehouse, loan.quantity)
        _record(
            MovementKind.LOAN_BACK,
            part=loan.part,
            quantity=loan.quantity,
            by=by,
            to_warehouse=warehouse,
            dispatch=loan.dispatch,
            loan=loan,
            test_record=test_record,
            event_target=loan,
        )
    return loan


def loan_sell(loan: PartLoan, *, by: User, sale_reference: str) -> PartLoan:
    """The customer keeps the part: the loan becomes a sale (its stock left at the loan)."""
    if not _text(sale_reference):
        raise_field_errors({"sale_reference": [_("The sales order or invoice number.")]})
    with transaction.atomic():
        return transition_run(
            instance=loan,
            name="sell",
            by=by,
            kwargs={"at": timezone.now(), "sale_reference": _text(sale_reference)[:60]},
            update_fields=["sold_at", "sale_reference"],
        )


# -- faulty parts -----------------------------------------------------------------------


def faulty_tag(
    *,
    by: User,
    part: Part,
    fault: str,
    serial_number: str = "",
    customer: Customer | None = None,
    dispatch: Dispatch | None = None,
) -> FaultyPart:
    """Tag a part taken back (good or bad, 无论好坏均应用标签标记): the tag number is printed on
    its label; on a visit the part is also a line of the report, with the tag."""
    _require(by, "fieldservice.add_faultypart")
    if not _text(fault):
        raise_field_errors({"fault": [_("Describe the fault (or why it was taken back).")]})
    if dispatch is not None:
        customer = dispatch.customer
    now = timezone.now()
    with transaction.atomic():
        faulty = FaultyPart.objects.create(
            tag_number=uuid.uuid4().hex[:20],
            part=part,
            serial_number=_text(serial_number)[:60],
            fault=_text(fault),
            customer=customer,
            dispatch=dispatch,
            tagged_by=by,
            tagged_at=now,
        )
        _numbered(faulty, "tag_number", "GZ", now)
        usage = _usage_line(
            dispatch,
            by=by,
            part=part,
            kind=PartUsageKind.FAULTY,
            serial_number=serial_number,
            repair_tag=faulty.tag_number,
            note=fault,
        )
        if usage is not None:
            faulty.usage = usage
            faulty.save(update_fields=["usage"])
        event_record(kind="faultypart.tagged", target=faulty, actor=by, data={"part": part.pk})
    return faulty


def faulty_send(
    faulty: FaultyPart, *, by: User, repairer: str, expected_back: dt.date | None = None
) -> FaultyPart:
    if not _text(repairer):
        raise_field_errors({"repairer": [_("Who repairs it (vendor or workshop)?")]})
    with transaction.atomic():
        return transition_run(
            instance=faulty,
            name="send",
            by=by,
            kwargs={
                "at": timezone.now(),
                "repairer": _text(repairer)[:120],
                "expected_back": expected_back,
            },
            update_fields=["sent_at", "repairer", "expected_back"],
        )


def faulty_restock(
    faulty: FaultyPart, *, by: User, warehouse: Warehouse, test_record: str
) -> FaultyPart:
    """Back from repair (or found good): tested, then into a warehouse."""
    test_record = _check_test_record(test_record)
    if not warehouse.active:
        raise_field_errors({"warehouse": [_("This warehouse is closed.")]})
    with transaction.atomic():
        faulty = transition_run(
            instance=faulty,
            name="restock",
            by=by,
            kwargs={"at": timezone.now(), "warehouse": warehouse, "test_record": test_record},
            update_fields=["restocked_at", "restocked_to", "test_record"],
        )
        _put_in(faulty.part, warehouse, 1)
        _record(
            MovementKind.REPAIR_BACK,
            part=faulty.part,
            quantity=1,
            by=by,
            to_warehouse=warehouse,
            repair=faulty,
            test_record=test_record,
            event_target=faulty,
        )
    return faulty


def faulty_write_off(faulty: FaultyPart, *, by: User, reason: str) -> FaultyPart:
    if not _text(reason):
        raise_field_errors({"reason": [_("Why is it written off?")]})
    with transaction.atomic():
        return transition_run(
            instance=faulty,
            name="write_off",
            by=by,
            kwargs={"at": timezone.now(), "reason": _text(reason)[:300]},
            update_fields=["written_off_at", "write_off_reason"],
        )


# -- the catalogue ----------------------------------------------------------------------


def part_save(*, part: Part, by: User) -> Part:
    """Create or change a catalogue entry (the admin's form)."""
    _require(by, "fieldservice.manage_stock")
    if not _text(part.part_number):
        raise_field_errors({"part_number": [_("The part number (PN).")]})
    if not _text(part.name):
        raise_field_errors({"name": [_("Which part?")]})
    with transaction.atomic():
        save_with_history(part, by=by, reason="catalogue")
    return part


def warehouse_save(*, warehouse: Warehouse, by: User) -> Warehouse:
    """Create or change a warehouse; a van belongs to an engineer."""
    _require(by, "fieldservice.manage_stock")
    if warehouse.kind == WarehouseKind.VAN and warehouse.engineer_id is None:
        raise_field_errors({"engineer": [_("Whose van is it?")]})
    with transaction.atomic():
        save_with_history(warehouse, by=by, reason="catalogue")
    return warehouse
