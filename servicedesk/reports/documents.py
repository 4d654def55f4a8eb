"""Each report as one plain document: title, facts, text sections and tables. The printed
form (reportlab, servicedesk/core/printing) and the Excel workbook (openpyxl) are both
written from it, so the PDF and the workbook always show the same figures
(docs/domain.md §reports.output)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from servicedesk.core import printing
from servicedesk.core.people import display_name

from .choices import LineSource
from .models import SalesBriefing, TripReport, WeeklyReport
from .selectors import MeetingRecord, MonthSummary, report_lines


@dataclass
class Section:
    heading: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    widths: list[float] | None = None


@dataclass
class ReportDocument:
    title: str
    number: str
    url: str
    meta: list[tuple[str, Any]]
    sections: list[Section]


def _date(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


def _week(start: Any) -> str:
    from datetime import timedelta

    return f"{start:%Y-%m-%d} – {start + timedelta(days=6):%Y-%m-%d}"


def weekly_document(report: WeeklyReport) -> ReportDocument:
    rows = []
    for line in report_lines(report):
        place = line.project.number if line.project else ""
        who = line.customer.name if line.customer else "—"
        rows.append(
            [
                str(LineSource(line.source).label),
                f"{who} {place}".strip(),
                line.items,
                line.hours,
                line.detail,
            ]
        )
    return ReportDocument(
        title=_("Weekly work report"),
        number=report.number,
        url=report.get_absolute_url(),
        meta=[
            (_("Author"), display_name(report.author)),
            (_("Week"), _week(report.week_start)),
            (_("State"), report.get_state_display()),
        ],
        sections=[
            Section(
                _("Figures of the week"),
                header=[_("Tickets closed"), _("On-site visits"), _("Hours recorded")],
                rows=[[report.tickets_closed, report.visits, report.hours]],
            ),
            Section(
                _("Work by customer and project"),
                header=[_("Source"), _("Customer / project"), _("Count"), _("Hours"), _("Detail")],
                rows=rows,
                widths=[2, 3, 1, 1, 4],
            ),
            Section(_("Work done this week"), text=report.work_done or "—"),
            Section(_("Other work"), text=report.other_work or "—"),
            Section(_("Problems and help needed"), text=report.problems or "—"),
            Section(_("Plan for next week"), text=report.next_week or "—"),
        ],
    )


def meeting_document(record: MeetingRecord, manager: Any) -> ReportDocument:
    rows = []
    for row in record.rows:
        report = row["report"]
        rows.append(
            [
                display_name(row["person"]),
                report.get_state_display() if report else _("Not drafted"),
                report.tickets_closed if row["submitted"] else "—",
                report.visits if row["submitted"] else "—",
                report.hours if row["submitted"] else "—",
            ]
        )
    t = record.totals
    sections = [
        Section(
            _("Team figures (submitted reports)"),
            header=[
                _("People"),
                _("Reports submitted"),
                _("Tickets closed"),
                _("On-site visits"),
                _("Hours recorded"),
            ],
            rows=[[t["people"], t["reports"], t["tickets"], t["visits"], t["hours"]]],
        ),
        Section(
            _("Reports of the team"),
            header=[
                _("Person"),
                _("State"),
                _("Tickets closed"),
                _("On-site visits"),
                _("Hours recorded"),
            ],
            rows=rows,
            widths=[2, 2, 1, 1, 1],
        ),
    ]
    for row in record.rows:
        report = row["report"]
        if row["submitted"]:
            text = report.work_done
            if report.problems:
                text += "\n" + _("Problems: %s") % report.problems
            if report.next_week:
                text += "\n" + _("Next week: %s") % report.next_week
            sections.append(Section(display_name(row["person"]), text=text))
    return ReportDocument(
        title=_("Weekly meeting record"),
        number=f"ZJ{record.week_start:%G}W{record.week_start:%V}-{manager.pk:04d}",
        url=f"{reverse('reports:meeting')}?week={record.week_start:%Y-%m-%d}",
        meta=[(_("Manager"), display_name(manager)), (_("Week"), _week(record.week_start))],
        sections=sections,
    )


def month_document(summary: MonthSummary, manager: Any) -> ReportDocument:
    t = summary.totals
    return ReportDocument(
        title=_("Monthly project summary"),
        number=f"YH{summary.year}{summary.month:02d}-{manager.pk:04d}",
        url=f"{reverse('reports:monthly')}?month={summary.year}-{summary.month:02d}",
        meta=[
            (_("Month"), f"{summary.year}-{summary.month:02d}"),
            (_("Prepared for"), display_name(manager)),
        ],
        sections=[
            Section(
                _("Totals of the month"),
                header=[
                    _("Weekly reports"),
                    _("Project hours"),
                    _("Tickets closed"),
                    _("On-site visits"),
                    _("Hours recorded"),
                ],
                rows=[[t["reports"], t["project_hours"], t["tickets"], t["visits"], t["hours"]]],
            ),
            Section(
                _("By project"),
                header=[
                    _("Project"),
                    _("Customer"),
                    _("Days logged"),
                    _("Hours"),
                    _("People"),
                    _("Weeks"),
                ],
                rows=[
                    [
                        f"{p['project__number']} {p['project__title']}",
                        p["project__customer__name"],
                        p["days"],
                        p["hours"],
                        p["people"],
                        p["weeks"],
                    ]
                    for p in summary.projects
                ],
                widths=[4, 3, 1, 1, 1, 1],
            ),
            Section(
                _("Service by customer"),
                header=[_("Customer"), _("Tickets closed"), _("On-site visits"), _("Hours")],
                rows=[
                    [c["customer__name"], c["tickets"] or 0, c["visits"] or 0, c["hours"]]
                    for c in summary.customers
                ],
                widths=[4, 1, 1, 1],
            ),
        ],
    )


def trip_document(report: TripReport) -> ReportDocument:
    d = report.dispatch
    return ReportDocument(
        title=_("Trip report"),
        number=report.number,
        url=report.get_absolute_url(),
        meta=[
            (_("Engineer"), display_name(report.author)),
            (_("Customer"), report.customer.name),
            (_("Visited on"), _date(report.visited_on)),
        ],
        sections=[
            Section(
                _("Visit"),
                header=[_("Dispatch"), _("Outcome"), _("On-site minutes"), _("State")],
                rows=[
                    [
                        d.number,
                        d.get_outcome_display() or "—",
                        d.on_site_minutes or "—",
                        report.get_state_display(),
                    ]
                ],
            ),
            Section(_("What happened"), text=report.what_happened or "—"),
            Section(_("Lessons learnt"), text=report.lessons or "—"),
            Section(_("Suggestions"), text=report.suggestions or "—"),
            Section(_("The customer's situation"), text=report.customer_situation or "—"),
        ],
    )


def briefing_document(briefing: SalesBriefing) -> ReportDocument:
    items = list(briefing.items.select_related("customer"))
    return ReportDocument(
        title=_("Technical briefing to sales"),
        number=briefing.number,
        url=briefing.get_absolute_url(),
        meta=[
            (_("Technical manager"), display_name(briefing.author)),
            (_("Week"), _week(briefing.week_start)),
            (_("State"), briefing.get_state_display()),
        ],
        sections=[
            Section(_("Summary for sales"), text=briefing.summary or "—"),
            Section(
                _("Visits by customer"),
                header=[_("Customer"), _("Visits"), _("Solved"), _("What sales should know")],
                rows=[[i.customer.name, i.visits, i.solved, i.notes or "—"] for i in items],
                widths=[3, 1, 1, 6],
            ),
        ],
    )


# -- output --------------------------------------------------------------------------------


def form_document(doc: ReportDocument) -> printing.FormDocument:
    from servicedesk.core.printforms import absolute, company_header

    blocks: list[printing.Block] = []
    for section in doc.sections:
        blocks.append(printing.Heading(section.heading))
        if section.header:
            blocks.append(
                printing.Table(
                    header=section.header,
                    rows=section.rows or [[_("None")] + [""] * (len(section.header) - 1)],
                    col_widths=section.widths,
                )
            )
        if section.text:
            blocks.append(printing.Paragraph(section.text))
    return printing.FormDocument(
        title=doc.title,
        number=doc.number,
        company=company_header(),
        record_url=absolute(doc.url) if doc.url else "",
        meta=doc.meta,
        blocks=blocks,
    )


def pdf_bytes(doc: ReportDocument) -> bytes:
    return printing.render_pdf(form_document(doc))


def xlsx_bytes(doc: ReportDocument) -> bytes:
    """One sheet: the title and facts, then each section (a table or its text)."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = doc.title[:31]
    sheet.append([doc.title, doc.number])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in doc.meta:
        sheet.append([label, str(value)])
    for section in doc.sections:
        sheet.append([])
        sheet.append([section.heading])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if section.header:
            sheet.append(list(section.header))
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
            for row in section.rows:
                sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        if section.text:
            sheet.append([section.text])
            sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 30
    for col in "BCDEF":
        sheet.column_dimensions[col].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
