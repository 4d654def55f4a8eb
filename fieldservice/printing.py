"""Printed forms of field service (DESIGN.md §7).

- 服务要求单 (dispatch form, seed 003 §4.1 《服务规定单》): everything the engineer needs
  before leaving — customer, contract and entitlement (the charge when out of scope),
  site and contact, the problem as the hotline recorded it, skills, window, appointment.
- 客户服务报告 (customer service report, seed 003 §5.3–5.4, seed 002 §4): outcome, cause,
  solution, steps, precautions, backup, parts, new needs, the times (requested,
  appointed, arrived, completed), signed by the engineer and the customer, with a seal
  box and the signature fingerprint.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models import Dispatch


def _engineer_user(dispatch: Dispatch) -> list:
    """The engineer of the visit signs as the service engineer, nobody else."""
    return [dispatch.engineer.user] if dispatch.engineer_id else []


CUSTOMER_SLOT = SignatureSlot("customer", gettext_lazy("Customer"), customer=True)
ENGINEER_SLOT = SignatureSlot("engineer", gettext_lazy("Service engineer"), holders=_engineer_user)


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def charge_text(dispatch: Dispatch) -> str:
    if dispatch.service_fee is not None:
        return f"¥{dispatch.service_fee:,.2f}"
    charge = dispatch.charge or {}
    if charge.get("price") and dispatch.is_out_of_scope:
        return f"¥{charge['price']} {charge.get('unit_display', '')}".strip()
    return _("Free (in scope)") if dispatch.entitlement == "in_scope" else "—"


def _engineer(dispatch: Dispatch) -> str:
    if dispatch.engineer_id is None:
        return "—"
    engineer = dispatch.engineer
    partner = f" ({engineer.partner})" if engineer.partner_id else ""
    return f"{display_name(engineer.user)}{partner}"


def _customer_blocks(dispatch: Dispatch) -> list[printing.Block]:
    contract = dispatch.contract
    return [
        printing.Heading(_("Customer and site")),
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), dispatch.customer.name, True),
                (_("Site address"), dispatch.site_address, True),
                (_("Site contact"), dispatch.contact_name),
                (_("Contact phone"), dispatch.contact_phone),
                (_("Contract"), contract.number if contract else "—"),
                (_("Service level"), contract.get_service_level_display() if contract else "—"),
                (_("Entitlement"), dispatch.get_entitlement_display() or "—"),
                (_("Charge"), charge_text(dispatch)),
            ],
            columns=2,
        ),
    ]


@register_form(
    Dispatch,
    "dispatch_form",
    gettext_lazy("Service request form"),
    slots=[
        SignatureSlot(
            "service_manager", gettext_lazy("Service manager"), group=Role.SERVICE_MANAGER
        ),
        ENGINEER_SLOT,
    ],
)
def dispatch_form(dispatch: Dispatch) -> printing.FormDocument:
    blocks: list[printing.Block] = [
        *_customer_blocks(dispatch),
        printing.Heading(_("The job")),
        printing.KeyValueGrid(
            rows=[
                (_("Kind"), dispatch.get_kind_display()),
                (_("Product"), dispatch.product or "—"),
                (_("Ticket"), dispatch.ticket.number if dispatch.ticket_id else "—"),
                (
                    _("Follow-up of"),
                    dispatch.follow_up_of.number if dispatch.follow_up_of_id else "—",
                ),
                (_("Required skills"), dispatch.required_skills or "—"),
                (_("Software work (backup first)"), dispatch.software_work),
                (_("Due from"), _local(dispatch.due_from)),
                (_("Due by"), _local(dispatch.due_by)),
                (_("Engineer"), _engineer(dispatch)),
                (_("Appointment"), _local(dispatch.appointment_at or dispatch.planned_start)),
            ],
            columns=2,
        ),
        printing.Heading(_("Problem as recorded")),
        printing.Paragraph(dispatch.problem),
    ]
    if dispatch.notes:
        blocks += [printing.Heading(_("For the engineer")), printing.Paragraph(dispatch.notes)]
    if dispatch.entitlement_reason:
        blocks += [
            printing.Heading(_("Entitlement")),
            printing.Paragraph(dispatch.entitlement_reason),
        ]
    return printing.FormDocument(
        title=_("Service request form"),
        number=dispatch.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), dispatch.customer.short_name or dispatch.customer.name),
            (_("Requested"), _local(dispatch.created_at)),
        ],
        blocks=blocks,
    )


@register_form(
    Dispatch,
    "service_report",
    gettext_lazy("Customer service report"),
    slots=[ENGINEER_SLOT, CUSTOMER_SLOT],
    seal=True,
)
def service_report(dispatch: Dispatch) -> printing.FormDocument:
    parts = list(dispatch.parts.all())
    blocks: list[printing.Block] = [
        *_customer_blocks(dispatch),
        printing.Heading(_("Times")),
        printing.KeyValueGrid(
            rows=[
                (_("Requested"), _local(dispatch.created_at)),
                (_("Appointed"), _local(dispatch.appointment_at)),
                (_("Arrived"), _local(dispatch.checked_in_at)),
                (_("Completed"), _local(dispatch.completed_at)),
                (_("Engineer"), _engineer(dispatch)),
                (_("Kind"), dispatch.get_kind_display()),
            ],
            columns=2,
        ),
        printing.Heading(_("Problem as recorded")),
        printing.Paragraph(dispatch.problem),
        printing.Heading(_("Service result")),
        printing.KeyValueGrid(
            rows=[
                (_("Outcome"), dispatch.get_outcome_display() or "—", True),
                (_("Cause"), dispatch.cause or "—", True),
                (_("Solution"), dispatch.solution or "—", True),
                (_("Steps"), dispatch.steps or "—", True),
                (_("Precautions told to the customer"), dispatch.precautions or "—", True),
                (_("Data backed up"), dispatch.backup_done if dispatch.software_work else "—"),
                (_("Where the backup is stored"), dispatch.backup_location or "—"),
            ],
            columns=1,
        ),
        printing.Heading(_("Spare parts")),
        printing.Table(
            header=[_("Part"), _("PN / SN"), _("Quantity"), _("Use")],
            rows=[
                [
                    p.part_name,
                    " / ".join(filter(None, [p.part_number, p.serial_number])) or "—",
                    p.quantity,
                    p.get_kind_display(),
                ]
                for p in parts
            ]
            or [["—", "", "", _("No parts used.")]],
            col_widths=[3, 2.5, 1, 2],
            align=["left", "left", "center", "left"],
        ),
    ]
    if dispatch.new_needs:
        blocks += [
            printing.Heading(_("New needs noticed")),
            printing.Paragraph(dispatch.new_needs),
        ]
    return printing.FormDocument(
        title=_("Customer service report"),
        number=dispatch.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), dispatch.customer.short_name or dispatch.customer.name),
            (_("Date"), timezone.localdate(dispatch.completed_at or dispatch.created_at)),
        ],
        blocks=blocks,
    )
