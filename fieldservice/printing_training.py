"""Printed forms of customer training (docs/domain.md §forms, §training): the training
plan and timetable (sent to the customer), the sign-in sheet (signed on paper or on a
tablet), the feedback form (培训反馈表), the training report (filed in the customer
archive) and a certificate per attendee."""

from __future__ import annotations

from django.db.models import Avg
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.people import display_name
from servicedesk.core.printforms import SignatureSlot, register_form

from .models.training import SCORE_FIELDS, TrainingAttendee, TrainingFeedback, TrainingSession


def _trainer(session: TrainingSession) -> list:
    return [session.trainer.user]


def _days(session: TrainingSession) -> str:
    if session.starts_on == session.ends_on:
        return session.starts_on.isoformat()
    return f"{session.starts_on.isoformat()} – {session.ends_on.isoformat()}"


def _facts(session: TrainingSession) -> printing.KeyValueGrid:
    return printing.KeyValueGrid(
        rows=[
            (_("Customer"), session.customer.name, True),
            (_("Training subject"), session.title, True),
            (_("Dates"), _days(session)),
            (_("Place"), session.location),
            (_("Trainer"), display_name(session.trainer.user)),
            (_("Expected attendees"), session.expected_attendees),
            (_("Contract"), session.contract.number if session.contract_id else "—"),
        ],
        columns=2,
    )


def _timetable_rows(session: TrainingSession) -> list[list[str]]:
    rows = []
    for index, line in enumerate(
        [line.strip() for line in session.timetable.splitlines() if line.strip()], start=1
    ):
        rows.append([str(index), line])
    return rows or [["—", _("No timetable yet.")]]


def _meta(session: TrainingSession) -> list[tuple[str, str]]:
    return [
        (_("Customer"), session.customer.short_name or session.customer.name),
        (_("Dates"), _days(session)),
    ]


@register_form(TrainingSession, "training_plan", gettext_lazy("Training plan and timetable"))
def training_plan(session: TrainingSession) -> printing.FormDocument:
    return printing.FormDocument(
        title=_("Training plan and timetable"),
        number=session.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=_meta(session),
        blocks=[
            _facts(session),
            printing.Heading(_("Plan (goals and content)")),
            printing.Paragraph(session.plan or "—"),
            printing.Heading(_("Timetable")),
            printing.Table(
                header=[_("No."), _("Time and content")],
                rows=_timetable_rows(session),
                col_widths=[0.8, 9],
                align=["center", "left"],
            ),
            printing.Paragraph(
                _(
                    "Please confirm the time, the place and the number of attendees with "
                    "the trainer."
                )
            ),
        ],
    )


def _attendee_rows(session: TrainingSession, blank: int) -> list[list[str]]:
    rows: list[list[str]] = []
    attendees = list(session.attendees.order_by("id"))
    for index, a in enumerate(attendees, start=1):
        signed = ""
        if a.signed_in_at:
            signed = (
                f"{timezone.localtime(a.signed_in_at):%m-%d %H:%M} {a.get_sign_in_method_display()}"
            )
        rows.append(
            [str(index), a.name, a.department or "", a.position or "", a.phone or "", signed]
        )
    for index in range(len(attendees) + 1, len(attendees) + 1 + blank):
        rows.append([str(index), "", "", "", "", ""])
    return rows


@register_form(
    TrainingSession,
    "training_sign_in",
    gettext_lazy("Training sign-in sheet"),
    slots=[SignatureSlot("attendee", gettext_lazy("Attendee"), customer=True)],
)
def training_sign_in(session: TrainingSession) -> printing.FormDocument:
    blank = max(3, session.expected_attendees - session.attendees.count())
    return printing.FormDocument(
        title=_("Training sign-in sheet"),
        number=session.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=_meta(session),
        blocks=[
            _facts(session),
            printing.Heading(_("Attendees")),
            printing.Table(
                header=[
                    _("No."),
                    _("Name"),
                    _("Department"),
                    _("Position"),
                    _("Phone"),
                    _("Signature / signed in"),
                ],
                rows=_attendee_rows(session, blank),
                col_widths=[0.7, 1.8, 2, 1.5, 2, 3],
                align=["center", "left", "left", "left", "left", "left"],
            ),
        ],
    )


def _score_table() -> printing.Table:
    labels = [
        _("Content of the training"),
        _("The trainer"),
        _("Materials"),
        _("Organisation (place, time, equipment)"),
    ]
    return printing.Table(
        header=[_("Item"), "5", "4", "3", "2", "1"],
        rows=[[label, "□", "□", "□", "□", "□"] for label in labels],
        col_widths=[5, 1, 1, 1, 1, 1],
        align=["left", "center", "center", "center", "center", "center"],
    )


@register_form(TrainingSession, "training_feedback", gettext_lazy("Training feedback form"))
def training_feedback(session: TrainingSession) -> printing.FormDocument:
    return printing.FormDocument(
        title=_("Training feedback form"),
        number=session.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=_meta(session),
        blocks=[
            _facts(session),
            printing.KeyValueGrid(rows=[(_("Your name"), ""), (_("Department"), "")], columns=2),
            printing.Heading(_("Scores (5 = very good, 1 = poor)")),
            _score_table(),
            printing.Heading(_("Comments and wishes")),
            printing.Spacer(30),
        ],
    )


def _averages(session: TrainingSession) -> list[list[str]]:
    labels = dict(
        zip(
            SCORE_FIELDS,
            [
                _("Content of the training"),
                _("The trainer"),
                _("Materials"),
                _("Organisation (place, time, equipment)"),
            ],
            strict=True,
        )
    )
    values = TrainingFeedback.objects.filter(session=session).aggregate(
        **{name: Avg(name) for name in SCORE_FIELDS}
    )
    return [
        [str(labels[n]), f"{values[n]:.1f}" if values[n] is not None else "—"] for n in SCORE_FIELDS
    ]


@register_form(
    TrainingSession,
    "training_report",
    gettext_lazy("Training report"),
    slots=[
        SignatureSlot("trainer", gettext_lazy("Trainer"), holders=_trainer),
        SignatureSlot("tech_manager", gettext_lazy("Technical manager"), group=Role.TECH_MANAGER),
    ],
)
def training_report(session: TrainingSession) -> printing.FormDocument:
    attendees = list(session.attendees.order_by("id"))
    present = [a for a in attendees if a.signed_in_at]
    comments = [
        f.comments
        for f in TrainingFeedback.objects.filter(session=session).order_by("id")
        if f.comments
    ]
    return printing.FormDocument(
        title=_("Training report"),
        number=session.number,
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=_meta(session),
        blocks=[
            _facts(session),
            printing.Heading(_("Attendance")),
            printing.KeyValueGrid(
                rows=[
                    (_("On the list"), len(attendees)),
                    (_("Signed in"), len(present)),
                    (_("Certificates"), sum(1 for a in attendees if a.certificate_number)),
                    (_("Feedback forms"), session.feedback.count()),
                ],
                columns=2,
            ),
            printing.Heading(_("Feedback (average score, 1–5)")),
            printing.Table(
                header=[_("Item"), _("Average")],
                rows=_averages(session),
                col_widths=[6, 2],
                align=["left", "center"],
            ),
            printing.Heading(_("Comments of the attendees")),
            printing.Paragraph("\n".join(comments) or "—"),
            printing.Heading(_("How the training went")),
            printing.Paragraph(session.summary or "—"),
            printing.Heading(_("Suggestions and the customer's situation")),
            printing.Paragraph(session.suggestions or "—"),
        ],
    )


@register_form(TrainingAttendee, "training_certificate", gettext_lazy("Training certificate"))
def training_certificate(attendee: TrainingAttendee) -> printing.FormDocument:
    session = attendee.session
    return printing.FormDocument(
        title=_("Training certificate"),
        number=attendee.certificate_number or _("(issued when the training is completed)"),
        company=printing.CompanyHeader(name=""),
        record_url="",
        meta=[(_("Customer"), session.customer.short_name or session.customer.name)],
        blocks=[
            printing.Spacer(12),
            printing.Paragraph(
                _(
                    "%(name)s (%(customer)s) attended the training “%(title)s” held at "
                    "%(place)s on %(dates)s and completed it."
                )
                % {
                    "name": attendee.name,
                    "customer": session.customer.name,
                    "title": session.title,
                    "place": session.location,
                    "dates": _days(session),
                }
            ),
            printing.Spacer(8),
            printing.KeyValueGrid(
                rows=[
                    (_("Name"), attendee.name),
                    (_("Department"), attendee.department or "—"),
                    (_("Training subject"), session.title, True),
                    (_("Trainer"), display_name(session.trainer.user)),
                    (_("Dates"), _days(session)),
                ],
                columns=2,
            ),
        ],
    )
