"""Printed forms of the contracts app (docs/domain.md §forms).

- 首访记录 (first visit record): the customer data the agent verified, each field marked
  checked or corrected (with the value before the correction), the needs and the
  departments they went to; signed by the agent and, when the customer wants, by them.
- 合同服务摘要 (contract service summary): what the customer bought — scope with quotas,
  service periods, service level and the charging standard for anything outside it;
  signed by the sales manager and the customer, with the customer's seal. The contract
  amount is price-sensitive (full copy for director and sales only) and is never printed
  here, nor are the amounts paid for renewals.
- 服务期满告知函 (service period end notice): a customer that does not renew is told what
  happens to later requests (docs/domain.md §contract.period-end); signed by the sales manager.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, absolute, register_form
from servicedesk.core.selectors import events_for

from .models import ChargeRate, Contract, FirstVisit, RenewalDecision
from .selectors_visits import first_visit_targets, verification_rows

MARK_SYMBOLS = {"checked": "√", "corrected": "△"}


def _mark_text(mark: str) -> str:
    if mark == "checked":
        return f"{MARK_SYMBOLS[mark]} {_('Checked')}"
    if mark == "corrected":
        return f"{MARK_SYMBOLS[mark]} {_('Corrected')}"
    return "□ " + _("Not verified")


def _first_values(visit: FirstVisit) -> dict[str, str]:
    """The value each corrected field had before its first correction."""
    before: dict[str, str] = {}
    for event in events_for(visit).filter(kind="firstvisit.verify").order_by("created_at", "pk"):
        for key, change in (event.data.get("corrections") or {}).items():
            before.setdefault(key, change.get("old") or "")
    return before


@register_form(
    FirstVisit,
    "first_visit_record",
    gettext_lazy("First visit record"),
    slots=[
        SignatureSlot(
            "first_visit_agent",
            gettext_lazy("First-visit agent"),
            holders=lambda visit: [visit.agent],
            group=Role.FIRST_VISIT_AGENT,
        ),
        SignatureSlot("customer", gettext_lazy("Customer (optional)"), customer=True),
    ],
)
def first_visit_record(visit: FirstVisit) -> printing.FormDocument:
    customer = visit.customer
    contract = visit.contract
    targets = first_visit_targets(visit)
    before = _first_values(visit)
    rows = []
    for i, row in enumerate(verification_rows(visit, targets), start=1):
        old = before.get(row.key, "") if row.mark == "corrected" else ""
        rows.append([str(i), str(row.label), row.value or "—", old, _mark_text(row.mark)])
    needs = []
    for i, need in enumerate(visit.needs.order_by("created_at", "pk"), start=1):
        routed = timezone.localtime(need.routed_at) if need.routed_at else _("Not routed yet")
        needs.append(
            [
                str(i),
                need.description,
                need.get_department_display(),
                timezone.localtime(need.created_at),
                routed,
            ]
        )
    day = visit.completed_at or visit.started_at or visit.created_at
    grid: list[printing.KeyValueRow] = [
        (_("Customer"), customer.name),
        (_("Category"), customer.get_category_display()),
        (_("Contract number"), contract.number if contract else _("No contract yet")),
        (_("Service level"), contract.get_service_level_display() if contract else "—"),
        (_("Signed on"), contract.signed_on if contract else "—"),
        (
            _("Sales manager"),
            display_name(contract.sales_manager if contract else customer.sales_manager) or "—",
        ),
        (_("Address"), customer.address or "—", True),
    ]
    if visit.notes:
        grid.append((_("Notes"), visit.notes, True))
    blocks: list[printing.Block] = [
        printing.KeyValueGrid(rows=grid, columns=2),
        printing.Heading(_("Customer data verified")),
        printing.Table(
            header=[_("No."), _("Item"), _("On record"), _("Before correction"), _("Result")],
            rows=rows,
            col_widths=[0.5, 1.6, 2.6, 1.8, 1.3],
            align=["center", "left", "left", "left", "center"],
        ),
        printing.Heading(_("Customer needs")),
        printing.Table(
            header=[_("No."), _("Need"), _("Department"), _("Recorded"), _("Routed")],
            rows=needs or [["—", _("No needs recorded."), "", "", ""]],
            col_widths=[0.5, 3.2, 1.4, 1.4, 1.4],
            align=["center", "left", "center", "center", "center"],
        ),
    ]
    return printing.FormDocument(
        title=_("First visit record"),
        number=f"FV-{visit.pk:06d}",
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), customer.short_name or customer.name),
            (_("First-visit agent"), display_name(visit.agent) or "—"),
            (_("Date"), timezone.localdate(day)),
            (_("State"), visit.get_state_display()),
        ],
        blocks=blocks,
    )


def _money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def _contract_url(contract: Contract) -> str:
    try:
        return absolute(contract.get_absolute_url())
    except NoReverseMatch:  # the contract page belongs to another part of the app
        return settings.SITE_URL


@register_form(
    Contract,
    "service_summary",
    gettext_lazy("Contract service summary"),
    slots=[
        SignatureSlot(
            "sales_manager",
            gettext_lazy("Sales manager"),
            holders=lambda contract: [contract.sales_manager],
            group=Role.SALES_MANAGER,
        ),
        SignatureSlot("customer", gettext_lazy("Customer"), customer=True),
    ],
    seal=True,
)
def contract_service_summary(contract: Contract) -> printing.FormDocument:
    customer = contract.customer
    scope = [
        [
            item.get_service_type_display(),
            str(item.quota) if item.quota else _("Unlimited"),
            item.get_quota_period_display() if item.quota else "—",
            item.note,
        ]
        for item in contract.scope_items.order_by("pk")
    ]
    periods = "\n".join(
        f"{period.get_kind_display()}　{period.starts_on:%Y-%m-%d} — {period.ends_on:%Y-%m-%d}"
        for period in contract.periods.order_by("starts_on")
    )
    rates: Any = contract.charge_rates.all()
    own_rates = True
    if not rates.exists():
        rates, own_rates = ChargeRate.objects.filter(contract__isnull=True), False
    rate_rows = [
        [
            rate.get_service_type_display() or _("Any service"),
            rate.get_unit_display(),
            _money(rate.price),
            rate.note,
        ]
        for rate in rates.order_by("service_type", "unit", "pk")
    ]
    yes, no = _("Yes"), _("No")
    return printing.FormDocument(
        title=_("Contract service summary"),
        subtitle=contract.title,
        number=f"CS-{contract.number}",
        company=printing.CompanyHeader(name=""),
        record_url=_contract_url(contract),
        meta=[
            (_("Customer"), customer.short_name or customer.name),
            (_("Contract number"), contract.number),
            (_("Printed"), timezone.localdate()),
        ],
        blocks=[
            printing.KeyValueGrid(
                rows=[
                    (_("Customer"), customer.name, True),
                    (_("Contract number"), contract.number),
                    (_("Signed on"), contract.signed_on),
                    (_("Service level"), contract.get_service_level_display()),
                    (_("Sales manager"), display_name(contract.sales_manager) or "—"),
                    (_("Includes implementation"), yes if contract.includes_implementation else no),
                    (_("Data import free of charge"), yes if contract.free_data_import else no),
                    (_("Service periods"), periods or "—", True),
                ],
                columns=2,
            ),
            printing.Heading(_("Service scope")),
            printing.Table(
                header=[_("Service"), _("Quota"), _("Per"), _("Note")],
                rows=scope or [[_("No service scope recorded."), "", "", ""]],
                col_widths=[2, 1, 1.3, 2.7],
                align=["left", "center", "center", "left"],
            ),
            printing.Heading(
                _("Charging standard (this contract)")
                if own_rates
                else _("Charging standard (company standard)")
            ),
            printing.Table(
                header=[_("Service"), _("Charged"), _("Price"), _("Note")],
                rows=rate_rows or [[_("No charging standard recorded."), "", "", ""]],
                col_widths=[1.8, 1.3, 1.1, 2.8],
                align=["left", "center", "right", "left"],
            ),
            printing.Paragraph(
                _(
                    "Work outside the scope, beyond a quota or outside the service periods is "
                    "charged by this standard, as agreed with the sales manager beforehand."
                )
                + "\n"
                + _("(No further text below.)")
            ),
        ],
    )


@register_form(
    RenewalDecision,
    "renewal_notice",
    gettext_lazy("Service period end notice"),
    slots=[
        # The letter is the deal's sales manager's: bound like every staff box.
        SignatureSlot(
            "sales_manager",
            gettext_lazy("Sales manager"),
            holders=lambda decision: [
                decision.contract.sales_manager or decision.contract.customer.sales_manager
            ],
            group=Role.SALES_MANAGER,
        )
    ],
)
def renewal_notice(decision: RenewalDecision) -> printing.FormDocument:
    contract = decision.contract
    customer = contract.customer
    contact = decision.notice_contact
    manager = contract.sales_manager or customer.sales_manager
    return printing.FormDocument(
        title=_("Service period end notice"),
        number=f"RN-{contract.number}-{decision.period_end:%Y%m%d}",
        company=printing.CompanyHeader(name=""),
        record_url=_contract_url(contract),
        meta=[
            (_("Customer"), customer.short_name or customer.name),
            (_("Contract number"), contract.number),
            (_("Printed"), timezone.localdate()),
        ],
        blocks=[
            printing.KeyValueGrid(
                rows=[
                    (_("Addressed to"), customer.name, True),
                    (_("Contact"), contact.name if contact else "—"),
                    (_("Contract number"), contract.number),
                    (_("Service ended on"), decision.period_end),
                    (_("Sales manager"), display_name(manager) or "—"),
                ],
                columns=2,
            ),
            printing.Paragraph(decision.notice_text),
            printing.Paragraph(_("(No further text below.)")),
        ],
    )
