"""Printed forms of routine inspections (docs/domain.md §forms, §inspection):

- 年度例行检查计划 (yearly inspection schedule): every inspection day of a contract's year,
  the equipment, the engineer and backup, for the customer (e-mailed or printed);
- 例行检查报告 (inspection report): the checklist item by item (OK / issue, note), the
  issues raised and the summary, signed by the engineer and the customer.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models.inspections import Inspection, InspectionSchedule, ItemResult
from .services.inspections import INSPECTION_REPORT

YEARLY_SCHEDULE = "inspection_schedule"


def _inspection_engineer(inspection: Inspection) -> list:
    dispatch = inspection.dispatch
    return [dispatch.engineer.user] if dispatch.engineer_id else []


def _engineer_name(engineer) -> str:
    return display_name(engineer.user) if engineer is not None else "—"


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def schedule_year(schedule: InspectionSchedule, first: dt.date) -> list[dt.date]:
    """The inspection days of the twelve months from ``first``."""
    following = first.replace(year=first.year + 1)
    return schedule.dates_between(first, following - dt.timedelta(days=1))


def _service_end(schedule: InspectionSchedule) -> dt.date | None:
    ends = [p.ends_on for p in schedule.contract.periods.all()]
    return max(ends) if ends else None


@register_form(
    InspectionSchedule,
    YEARLY_SCHEDULE,
    gettext_lazy("Yearly routine inspection schedule"),
    slots=[
        SignatureSlot(
            "service_manager", gettext_lazy("Service manager"), group=Role.SERVICE_MANAGER
        )
    ],
)
def yearly_schedule(schedule: InspectionSchedule) -> printing.FormDocument:
    first = timezone.localdate().replace(day=1)
    end = _service_end(schedule)
    days = [d for d in schedule_year(schedule, first) if end is None or d <= end]
    made = {i.due_on: i for i in schedule.inspections.select_related("dispatch")}
    contract = schedule.contract
    rows = [
        [
            index,
            day.isoformat(),
            _("Made: %(number)s") % {"number": made[day].dispatch.number}
            if day in made
            else _("Planned"),
            _engineer_name(schedule.engineer),
            _engineer_name(schedule.backup_engineer),
        ]
        for index, day in enumerate(days, start=1)
    ]
    return printing.FormDocument(
        title=_("Yearly routine inspection schedule %(start)s to %(end)s")
        % {
            "start": f"{first:%Y-%m}",
            "end": f"{first.replace(year=first.year + 1) - dt.timedelta(days=1):%Y-%m}",
        },
        number=f"XJ{first:%Y%m}-{schedule.pk:05d}",
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Customer"), contract.customer.name), (_("Contract"), contract.number)],
        blocks=[
            printing.Heading(_("Contract and rhythm")),
            printing.KeyValueGrid(
                rows=[
                    (_("Customer"), contract.customer.name, True),
                    (_("Contract"), contract.number),
                    (_("Service until"), end.isoformat() if end else "—"),
                    (_("Rhythm"), schedule.rhythm_text()),
                    (_("Software maintenance"), schedule.includes_software),
                    (_("Engineer"), _engineer_name(schedule.engineer)),
                    (_("Backup engineer"), _engineer_name(schedule.backup_engineer)),
                ],
                columns=2,
            ),
            printing.Heading(_("Equipment under maintenance")),
            printing.Paragraph("\n".join(schedule.equipment_list) or "—"),
            printing.Heading(_("Inspection days")),
            printing.Table(
                header=[_("No."), _("Day"), _("Status"), _("Engineer"), _("Backup engineer")],
                rows=rows or [["—", "", _("No inspection this year."), "", ""]],
                col_widths=[0.8, 2, 3, 2, 2],
                align=["center", "left", "left", "left", "left"],
            ),
        ],
    )


@register_form(
    Inspection,
    INSPECTION_REPORT,
    gettext_lazy("Routine inspection report"),
    slots=[
        SignatureSlot("engineer", gettext_lazy("Service engineer"), holders=_inspection_engineer),
        SignatureSlot("customer", gettext_lazy("Customer"), customer=True),
    ],
    seal=True,
)
def inspection_report(inspection: Inspection) -> printing.FormDocument:
    dispatch = inspection.dispatch
    items = list(inspection.items.select_related("ticket", "follow_up"))
    issues = [i for i in items if i.result == ItemResult.ISSUE]
    blocks: list[printing.Block] = [
        printing.Heading(_("Customer and visit")),
        printing.KeyValueGrid(
            rows=[
                (_("Customer"), inspection.customer.name, True),
                (_("Site address"), dispatch.site_address, True),
                (_("Contract"), inspection.contract.number),
                (_("Dispatch"), dispatch.number),
                (_("Inspection day"), inspection.due_on.isoformat()),
                (_("Arrived"), _local(dispatch.checked_in_at)),
                (_("Engineer"), _engineer_name(dispatch.engineer)),
                (_("Site contact"), dispatch.contact_name or "—"),
            ],
            columns=2,
        ),
        printing.Heading(_("Equipment under maintenance")),
        printing.Paragraph(inspection.equipment or "—"),
        printing.Heading(_("Checklist")),
        printing.Checklist(
            items=[
                (
                    f"{i.get_section_display()} · {i.label}",
                    None if i.result == ItemResult.NONE else i.result == ItemResult.OK,
                    i.note,
                )
                for i in items
            ]
        ),
    ]
    if issues:
        blocks += [
            printing.Heading(_("Issues and what was opened")),
            printing.Table(
                header=[_("Item"), pgettext("inspection item", "Issue"), _("Opened")],
                rows=[[i.label, i.note or "—", _raised(i)] for i in issues],
                col_widths=[2.5, 5, 2.5],
            ),
        ]
    blocks += [
        printing.Heading(_("Summary and recommendations")),
        printing.Paragraph(inspection.summary or "—"),
    ]
    return printing.FormDocument(
        title=_("Routine inspection report"),
        number=dispatch.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), inspection.customer.short_name or inspection.customer.name),
            (_("Date"), inspection.due_on.isoformat()),
        ],
        blocks=blocks,
    )


def _raised(item) -> str:
    if item.ticket_id:
        return _("Ticket %(number)s") % {"number": item.ticket.number}
    if item.follow_up_id:
        return _("Dispatch %(number)s") % {"number": item.follow_up.number}
    return "—"


# -- installations (docs/domain.md §installation) ----------------------------------------

from .models.installations import Installation, InstallationDay  # noqa: E402
from .services.installations import DAILY_REPORT, INSTALLATION_REPORT  # noqa: E402


def _installation_engineer(installation: Installation) -> list:
    dispatch = installation.dispatch
    return [dispatch.engineer.user] if dispatch.engineer_id else []


def _asset_rows(installation: Installation) -> list[list]:
    return [
        [
            a.product or "—",
            a.model,
            a.part_number or "—",
            a.serial_number,
            a.location or "—",
            a.warranty_end.isoformat() if a.warranty_end else "—",
            a.licence or "—",
        ]
        for a in installation.assets()
    ]


@register_form(
    Installation,
    INSTALLATION_REPORT,
    gettext_lazy("Installation report"),
    slots=[
        SignatureSlot("engineer", gettext_lazy("Service engineer"), holders=_installation_engineer),
        SignatureSlot("customer", gettext_lazy("Customer (acceptance)"), customer=True),
    ],
    seal=True,
)
def installation_report(installation: Installation) -> printing.FormDocument:
    dispatch = installation.dispatch
    days = list(installation.days.order_by("day"))
    return printing.FormDocument(
        title=_("Installation report"),
        number=dispatch.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), installation.customer.short_name or installation.customer.name),
            (_("Date"), timezone.localdate(dispatch.checked_in_at or dispatch.created_at)),
        ],
        blocks=[
            printing.Heading(_("Customer and visit")),
            printing.KeyValueGrid(
                rows=[
                    (_("Customer"), installation.customer.name, True),
                    (_("Site address"), dispatch.site_address, True),
                    (_("Contract"), installation.contract.number if installation.contract else "—"),
                    (_("Dispatch"), dispatch.number),
                    (_("Engineer"), _engineer_name(dispatch.engineer)),
                    (_("Arrived"), _local(dispatch.checked_in_at)),
                ],
                columns=2,
            ),
            printing.Heading(_("Assets installed")),
            printing.Table(
                header=[
                    _("Product"),
                    _("Model"),
                    _("PN"),
                    _("SN"),
                    _("Location"),
                    _("Warranty end"),
                    _("Licence"),
                ],
                rows=_asset_rows(installation) or [["—", "", "", "", "", "", ""]],
                col_widths=[2, 2, 1.5, 2, 1.5, 1.6, 1.6],
            ),
            printing.Heading(_("Daily service reports")),
            printing.Table(
                header=[_("Day"), _("Hours"), _("Work done"), _("Issues")],
                rows=[[d.day.isoformat(), d.hours, d.work_done, d.issues or "—"] for d in days]
                or [["—", "", "", ""]],
                col_widths=[1.6, 0.9, 5, 3],
            ),
            printing.Heading(_("Acceptance")),
            printing.Paragraph(
                installation.acceptance_note
                or _("The customer accepts the installation of the assets listed above.")
            ),
        ],
    )


@register_form(
    InstallationDay,
    DAILY_REPORT,
    gettext_lazy("Daily service report"),
    slots=[SignatureSlot("customer", gettext_lazy("Customer"), customer=True)],
)
def installation_day_report(report: InstallationDay) -> printing.FormDocument:
    installation = report.installation
    dispatch = installation.dispatch
    return printing.FormDocument(
        title=_("Daily service report"),
        number=f"{dispatch.number}-{report.day:%m%d}",
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), installation.customer.short_name or installation.customer.name),
            (_("Date"), report.day.isoformat()),
        ],
        blocks=[
            printing.KeyValueGrid(
                rows=[
                    (_("Customer"), installation.customer.name, True),
                    (_("Dispatch"), dispatch.number),
                    (_("Engineer"), _engineer_name(dispatch.engineer)),
                    (_("Day"), report.day.isoformat()),
                    (_("Hours"), report.hours),
                ],
                columns=2,
            ),
            printing.Heading(_("Work done")),
            printing.Paragraph(report.work_done),
            printing.Heading(_("Issues")),
            printing.Paragraph(report.issues or "—"),
            printing.Heading(_("Plan for the next day")),
            printing.Paragraph(report.next_steps or "—"),
        ],
    )


# -- goods inspection (docs/domain.md §goods-inspection) ---------------------------------

from .models.goods import GoodsInspection  # noqa: E402
from .services.goods import GOODS_RECORD  # noqa: E402


def _goods_engineer(record: GoodsInspection) -> list:
    dispatch = record.dispatch
    return [dispatch.engineer.user] if dispatch.engineer_id else []


@register_form(
    GoodsInspection,
    GOODS_RECORD,
    gettext_lazy("Goods inspection record"),
    slots=[
        SignatureSlot("engineer", gettext_lazy("Service engineer"), holders=_goods_engineer),
        SignatureSlot("customer", gettext_lazy("Customer"), customer=True),
    ],
)
def goods_inspection_record(record: GoodsInspection) -> printing.FormDocument:
    dispatch = record.dispatch
    return printing.FormDocument(
        title=_("Goods inspection record"),
        number=dispatch.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[
            (_("Customer"), record.customer.short_name or record.customer.name),
            (_("Date"), timezone.localdate(record.recorded_at).isoformat()),
        ],
        blocks=[
            printing.KeyValueGrid(
                rows=[
                    (_("Customer"), record.customer.name, True),
                    (_("Contract"), record.contract.number if record.contract else "—"),
                    (_("Dispatch"), dispatch.number),
                    (_("Engineer"), _engineer_name(dispatch.engineer)),
                    (_("Inspected on"), timezone.localdate(record.recorded_at).isoformat()),
                    (_("Delivery on"), record.delivery_on.isoformat()),
                    (_("Test duration (hours)"), record.test_hours),
                    (_("Passed"), record.passed),
                    (_("Box sealed"), record.box_sealed),
                    (
                        _("Unpacking agreed by"),
                        f"{record.unpacking_consent_by} {record.unpacking_consent_on or ''}".strip()
                        or "—",
                    ),
                ],
                columns=2,
            ),
            printing.Heading(_("Goods inspected")),
            printing.Paragraph(record.goods),
            printing.Heading(_("Test results")),
            printing.Paragraph(record.test_result),
            printing.Heading(_("Licences requested")),
            printing.Paragraph(record.licences_requested or "—"),
            printing.Heading(_("Media and licence backups kept at")),
            printing.Paragraph(record.backup_location or "—"),
        ],
    )
