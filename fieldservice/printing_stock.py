"""Printed forms of the spare-parts stock (docs/domain.md §forms): the faulty part's tag
label (故障部件标签), stuck on the part taken back so that it is tracked until it is back in
stock or written off (无论好坏均应用标签标记)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.people import display_name
from servicedesk.core.printforms import register_form

from .models.stock import FaultyPart


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


@register_form(FaultyPart, "part_tag", gettext_lazy("Faulty part tag"))
def part_tag(faulty: FaultyPart) -> printing.FormDocument:
    part = faulty.part
    return printing.FormDocument(
        title=_("Faulty part tag"),
        number=faulty.tag_number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Tag number"), faulty.tag_number), (_("Tagged"), _local(faulty.tagged_at))],
        blocks=[
            printing.KeyValueGrid(
                rows=[
                    (_("Tag number"), faulty.tag_number, True),
                    (_("Part"), f"{part.part_number} {part.name}", True),
                    (_("Serial number (SN)"), faulty.serial_number or "—"),
                    (_("Customer"), str(faulty.customer) if faulty.customer_id else "—"),
                    (_("Visit"), faulty.dispatch.number if faulty.dispatch_id else "—"),
                    (_("Tagged by"), display_name(faulty.tagged_by)),
                    (_("Fault"), faulty.fault, True),
                ],
                columns=2,
            ),
            printing.Heading(_("Repair record")),
            printing.KeyValueGrid(
                rows=[
                    (_("Sent for repair"), _local(faulty.sent_at)),
                    (_("Repaired by"), faulty.repairer or "—"),
                    (_("Back in stock"), _local(faulty.restocked_at)),
                    (_("Scrapped"), _local(faulty.written_off_at)),
                    (_("Test record"), faulty.test_record or "—", True),
                ],
                columns=2,
            ),
            printing.Paragraph(
                _(
                    "Keep this tag on the part until it is back in stock or written off. "
                    "Nothing enters stock without a test record."
                )
            ),
        ],
    )
