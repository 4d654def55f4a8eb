"""Printed forms of field service (docs/domain.md §forms).

- 服务要求单 (《服务规定单》, docs/domain.md §forms): everything the engineer needs
  before leaving — customer, contract and entitlement (the charge when out of scope),
  site and contact, the problem as the hotline recorded it, skills, window, appointment.
- 客户服务报告 (customer service report, docs/domain.md §dispatch.report): outcome, cause,
  solution, steps, precautions, backup, parts, new needs, the times (requested, planned,
  every time agreed with the customer with each reschedule's reason, arrived against the
  last and the first promise, completed), signed by the engineer and the customer, with a
  seal box and the signature fingerprint.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.durations import duration_text
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models import Dispatch
from .selectors import AgreedTime, agreed_times, arrival_of, lateness_words


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


def _appointment_text(dispatch: Dispatch) -> str:
    if dispatch.appointment_at is None:
        return _local(dispatch.planned_start)
    first = dispatch.first_appointment_at
    if first and first != dispatch.appointment_at:
        return _("%(now)s (first promise %(first)s)") % {
            "now": _local(dispatch.appointment_at),
            "first": _local(first),
        }
    return _local(dispatch.appointment_at)


def _arrival_text(dispatch: Dispatch, times: list[AgreedTime]) -> str:
    """The arrival against the last promise and, after a reschedule, the first one."""
    arrival = arrival_of(dispatch, times)
    if arrival is None:
        return _local(dispatch.checked_in_at)
    text = _("%(when)s (%(late)s)") % {
        "when": _local(arrival.at),
        "late": lateness_words(arrival.late_minutes),
    }
    if arrival.rescheduled:
        text += _("; against the first promise %(first)s: %(late)s") % {
            "first": _local(arrival.first_promise),
            "late": lateness_words(arrival.late_vs_first_minutes),
        }
    return text


def _agreed_times_blocks(dispatch: Dispatch, times: list[AgreedTime]) -> list[printing.Block]:
    """Every time agreed with the customer, the first promise included (a reschedule keeps
    its reason and when it was made), so a late arrival can be seen after any move."""
    if not times:
        return []
    rows = []
    for index, t in enumerate(times, start=1):
        notes = []
        if t.is_first:
            notes.append(
                _("First promise, agreed with %(who)s") % {"who": t.reason}
                if t.reason
                else _("First promise")
            )
        else:
            notes.append(_("Reason: %(why)s") % {"why": t.reason})
            if t.notice is not None:
                notes.append(
                    _("%(ahead)s before the time it replaced") % {"ahead": duration_text(t.notice)}
                )
        if t.out_of_hours_reason:
            notes.append(_("Outside the service hours: %(why)s") % {"why": t.out_of_hours_reason})
        if t.differs_from_plan:
            notes.append(_("differs from the plan"))
        rows.append(
            [
                index,
                _local(t.at),
                _local(t.made_at),
                display_name(t.by) if t.by else "—",
                _("; ").join(notes),
            ]
        )
    return [
        printing.Heading(_("Times agreed with the customer")),
        printing.Table(
            header=[_("No."), _("Time"), _("Agreed on"), _("By"), _("Notes")],
            rows=rows,
            col_widths=[0.9, 2.2, 2.2, 1.4, 5],
            align=["center", "left", "left", "left", "left"],
        ),
    ]


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
                (_("Severity"), dispatch.get_severity_display()),
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
                (_("Appointment"), _appointment_text(dispatch)),
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
    times = agreed_times(dispatch)
    blocks: list[printing.Block] = [
        *_customer_blocks(dispatch),
        printing.Heading(_("Times")),
        printing.KeyValueGrid(
            rows=[
                (_("Requested"), _local(dispatch.created_at)),
                (_("Planned"), _local(dispatch.planned_start)),
                (_("Appointed"), _local(dispatch.appointment_at)),
                (_("Arrived"), _arrival_text(dispatch, times)),
                (_("Completed"), _local(dispatch.completed_at)),
                (_("Engineer"), _engineer(dispatch)),
                (_("Kind"), dispatch.get_kind_display()),
            ],
            columns=2,
        ),
        *_agreed_times_blocks(dispatch, times),
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


from . import printing_upgrades  # noqa: E402, F401 - upgrade plan and report, restore plan (issue 15)
