"""Printed forms of the hotline (docs/domain.md §forms).

- 热线服务记录单 (hotline service record): who called, for which customer, under which
  contract and entitlement; the symptoms; the problem, cause, solution and steps (docs/domain.md
  §hotline.close: "热线记录需完整，包括用户信息、用户提交的问题、解决办法、解决步骤") and the
  precautions told to the caller ("告知用户预防措施与问题发生的原因"); the calls and
  the course of the ticket; signed by the hotline engineer.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models import SPECIAL_PLAN_FORM, SPECIAL_PLAN_SIGNERS, Ticket
from .selectors import ticket_timeline

TIMELINE_ROWS = 60


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _charge_text(ticket: Ticket) -> str:
    if ticket.agreed_charge is not None:
        return f"¥{ticket.agreed_charge:,.2f} · {ticket.get_commercial_decision_display()}"
    if ticket.commercial_decision:
        return ticket.get_commercial_decision_display()
    charge = ticket.charge or {}
    if charge.get("price"):
        return f"¥{charge['price']} {charge.get('unit_display', '')}".strip()
    return "—"


@register_form(
    Ticket,
    "hotline_record",
    gettext_lazy("Hotline service record"),
    slots=[
        SignatureSlot(
            "hotline_engineer",
            gettext_lazy("Hotline engineer"),
            # 首问责任制: who took the call, and whoever works it now.
            holders=lambda t: [t.first_contact_owner, t.assignee],
        )
    ],
)
def hotline_record(ticket: Ticket) -> printing.FormDocument:
    customer = ticket.customer
    contract = ticket.contract
    blocks: list[printing.Block] = [
        printing.Heading(_("Caller and customer")),
        printing.KeyValueGrid(
            rows=[
                (_("Caller"), ticket.caller_name),
                (_("Phone"), ticket.caller_phone),
                (_("Company"), ticket.caller_company, True),
                (_("Customer"), customer.name if customer else "—", True),
                (_("Channel"), ticket.get_channel_display()),
                (_("Received"), _local(ticket.received_at)),
                (_("Product"), ticket.product),
                (_("Service type"), ticket.get_service_type_display()),
                (_("Kind"), ticket.get_kind_display()),
                (_("Severity"), ticket.get_severity_display()),
            ],
            columns=2,
        ),
        printing.Heading(_("Contract and entitlement")),
        printing.KeyValueGrid(
            rows=[
                (_("Contract"), contract.number if contract else "—"),
                (_("Service level"), contract.get_service_level_display() if contract else "—"),
                (_("Entitlement"), ticket.get_entitlement_display() or "—"),
                (_("Charge"), _charge_text(ticket)),
                (_("Reason"), ticket.entitlement_reason or "—", True),
            ],
            columns=2,
        ),
        printing.Heading(_("Symptoms")),
        printing.Paragraph(ticket.description),
        printing.Heading(_("Resolution")),
        printing.KeyValueGrid(
            rows=[
                (_("Problem"), ticket.problem or "—", True),
                (_("Cause"), ticket.cause or "—", True),
                (_("Solution"), ticket.solution or "—", True),
                (_("Steps"), ticket.steps or "—", True),
                (_("Precautions told to the caller"), ticket.precautions or "—", True),
            ],
            columns=1,
        ),
    ]
    if ticket.dispatch_notes:
        blocks += [
            printing.Heading(_("For the field engineer")),
            printing.Paragraph(ticket.dispatch_notes),
        ]
    rows = [
        [
            _local(entry.when),
            entry.title,
            display_name(entry.actor)
            if hasattr(entry.actor, "get_username")
            else (entry.actor or ""),
            entry.text,
        ]
        for entry in ticket_timeline(ticket)
        if entry.kind in ("call", "event", "note")
    ][:TIMELINE_ROWS]
    blocks += [
        printing.Heading(_("Calls and course of the ticket")),
        printing.Table(
            header=[_("Time"), _("What"), _("Who"), _("Details")],
            rows=rows or [["—", _("Nothing recorded yet."), "", ""]],
            col_widths=[1.5, 2.2, 1.0, 3.3],
            align=["center", "left", "center", "left"],
        ),
    ]
    return printing.FormDocument(
        title=_("Hotline service record"),
        number=ticket.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), (customer.short_name or customer.name) if customer else "—"),
            (_("First-contact owner"), display_name(ticket.first_contact_owner)),
            (_("State"), ticket.get_state_display()),
        ],
        blocks=blocks,
    )


def ticket_sales_manager(ticket: Ticket) -> list:
    """The deal's sales manager: the contract's, else the customer's (any sales manager
    when neither names one)."""
    if ticket.contract_id and ticket.contract.sales_manager_id:
        return [ticket.contract.sales_manager]
    if ticket.customer_id and ticket.customer.sales_manager_id:
        return [ticket.customer.sales_manager]
    return []


@register_form(
    Ticket,
    SPECIAL_PLAN_FORM,
    gettext_lazy("Special arrangement"),
    slots=[
        SignatureSlot(
            "sales_manager",
            SPECIAL_PLAN_SIGNERS["sales_manager"],
            holders=ticket_sales_manager,
            group=Role.SALES_MANAGER,
        ),
        # The head of sales (销售部负责人) is the director role (docs/domain.md §roles: charging
        # exceptions are the director's decision).
        SignatureSlot("director", SPECIAL_PLAN_SIGNERS["director"], group=Role.DIRECTOR),
    ],
)
def special_plan(ticket: Ticket) -> printing.FormDocument:
    """特殊情况处理方案 (docs/domain.md §hotline.special-plan): the arrangement the sales manager's
    negotiation of an out-of-scope request needs, signed by him and the head of sales, handed to the
    service owner. Only what does not move under the signatures is printed."""
    customer = ticket.customer
    contract = ticket.contract
    charge = ticket.charge or {}
    standard = (
        f"¥{charge['price']} {charge.get('unit_display', '')}".strip()
        if charge.get("price")
        else "—"
    )
    blocks: list[printing.Block] = [
        printing.Heading(_("The request")),
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), customer.name if customer else ticket.caller_company, True),
                (_("Caller"), ticket.caller_name),
                (_("Phone"), ticket.caller_phone),
                (_("Received"), _local(ticket.received_at)),
                (_("Product"), ticket.product),
                (_("Service type"), ticket.get_service_type_display()),
                (_("Contract"), contract.number if contract else "—"),
                (_("Entitlement"), ticket.get_entitlement_display() or "—"),
                (_("Charging standard"), standard),
                (_("Reason"), ticket.entitlement_reason or "—", True),
            ],
            columns=2,
        ),
        printing.Heading(_("Symptoms")),
        printing.Paragraph(ticket.description),
        printing.Heading(_("Special arrangement")),
        printing.Paragraph(ticket.special_plan or _("(not written yet)")),
    ]
    return printing.FormDocument(
        title=_("Special arrangement"),
        number=ticket.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Customer"), (customer.short_name or customer.name) if customer else "—")],
        blocks=blocks,
    )
