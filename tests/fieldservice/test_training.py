"""Customer training (docs/domain.md §training): planned by a manager and given to a
trainer; the plan sent; attendees sign in on a tablet (a drawn signature each) or on the
scanned printed sheet; feedback forms with scores; held, completed (certificates numbered
for those present, the follow-up call scheduled two working days later), the report filed
in the customer archive. Printed forms render; channels offer the same actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import Revisit
from fieldservice.actions_training import TRAINING_ACTIONS
from fieldservice.models.training import SignInMethod, TrainingState
from fieldservice.printing_training import (
    training_certificate,
    training_feedback,
    training_plan,
    training_report,
    training_sign_in,
)
from fieldservice.services.training import (
    training_archive,
    training_attendee_add,
    training_cancel,
    training_complete,
    training_feedback_record,
    training_hold,
    training_send_plan,
    training_sheet_upload,
)
from fieldservice.services.training import (
    training_plan as plan_training,
)
from fieldservice.services.training import training_sign_in as sign_in
from servicedesk.core import printing
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import Notification
from tests.action_parity import assert_channels_agree
from tests.fieldservice.factories import make_engineer, make_partner, signature_png
from tests.tickets.factories import make_customer, sh

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n" + b"%" * 2000 + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def manager(make_user):
    return make_user(Role.TECH_MANAGER, username="weidong", last_name="卫", first_name="东")


def _plan(manager, trainer, **extra):
    return plan_training(
        by=manager,
        customer=extra.pop("customer", None) or make_customer(manager),
        trainer=trainer,
        title="U8 总账模块操作培训",
        location="客户三楼会议室",
        starts_on=dt.date(2026, 12, 10),
        ends_on=dt.date(2026, 12, 10),
        plan="掌握凭证录入、审核、记账和月末结账。",
        timetable="09:00–10:30 凭证录入\n10:45–12:00 审核与记账\n13:30–15:00 月末结账",
        expected_attendees=4,
        **extra,
    )


def test_a_training_from_plan_to_certificates(manager, make_user, clock):
    trainer = make_engineer(make_user)
    clock.set(sh(2026, 12, 7, 9, 0))
    session = _plan(manager, trainer)
    assert session.number.startswith("PX") and session.state == TrainingState.PLANNED
    with pytest.raises(NotPermitted):
        training_send_plan(session, by=trainer.user, sent_to="王主任")
    session = training_send_plan(session, by=manager, sent_to="王主任（电子邮件）")
    wang = training_attendee_add(session, by=trainer.user, name="王芳", department="财务部")
    li = training_attendee_add(session, by=trainer.user, name="李强", department="财务部")
    zhao = training_attendee_add(session, by=trainer.user, name="赵敏")
    absent = training_attendee_add(session, by=trainer.user, name="钱进")
    with pytest.raises(ApplicationError):
        training_attendee_add(session, by=trainer.user, name="王芳")
    # Nobody signed in: not held yet.
    with pytest.raises(TransitionConflict):
        training_hold(session, by=trainer.user)
    clock.set(sh(2026, 12, 10, 8, 55))
    wang = sign_in(session, by=trainer.user, attendee=wang, image=signature_png())
    assert wang.sign_in_method == SignInMethod.TABLET and wang.signature.signer_name == "王芳"
    scan = SimpleUploadedFile("sheet.pdf", PDF_BYTES, content_type="application/pdf")
    training_sheet_upload(session, by=trainer.user, scan=scan, present=[li, zhao])
    li.refresh_from_db()
    assert li.sign_in_method == SignInMethod.SHEET and li.signed_in_at is not None
    session = training_hold(session, by=trainer.user)
    with pytest.raises(TransitionConflict):  # no feedback yet
        training_complete(session, by=trainer.user, summary="顺利")
    with pytest.raises(ApplicationError):
        training_feedback_record(
            session, by=trainer.user, score_content=6, score_trainer=5, score_materials=4,
            score_organisation=5,
        )  # fmt: skip
    training_feedback_record(
        session, by=trainer.user, attendee=wang, score_content=5, score_trainer=5,
        score_materials=4, score_organisation=4, comments="希望增加报表培训",
    )  # fmt: skip
    training_feedback_record(
        session, by=trainer.user, score_content=4, score_trainer=5, score_materials=3,
        score_organisation=5,
    )  # fmt: skip
    clock.set(sh(2026, 12, 10, 16, 0))
    session = training_complete(
        session,
        by=trainer.user,
        summary="三人参加，掌握了凭证流程。",
        suggestions="客户需要报表培训",
    )
    assert session.state == TrainingState.COMPLETED
    numbers = {a.name: a.certificate_number for a in session.attendees.all()}
    assert numbers["钱进"] == "" and all(numbers[n] for n in ("王芳", "李强", "赵敏"))
    assert len(set(numbers.values()) - {""}) == 3
    # The follow-up call: two working days later (Thursday → Monday).
    follow_up = Revisit.objects.get(customer=session.customer, reason="post_training")
    assert follow_up.due_on == dt.date(2026, 12, 14)
    session = training_archive(session, by=manager)
    assert session.state == TrainingState.ARCHIVED
    for build in (training_plan, training_sign_in, training_feedback, training_report):
        assert printing.render_pdf(build(session)).startswith(b"%PDF")
    wang.refresh_from_db()
    assert printing.render_pdf(training_certificate(wang)).startswith(b"%PDF")
    absent.refresh_from_db()
    assert absent.certificate_number == ""


def test_cancel_needs_a_reason_and_tells_the_trainer(manager, make_user):
    trainer = make_engineer(make_user)
    session = _plan(manager, trainer)
    with pytest.raises(ApplicationError):
        training_cancel(session, by=manager, reason=" ")
    session = training_cancel(session, by=manager, reason="客户推迟")
    assert session.state == TrainingState.CANCELLED
    assert Notification.objects.filter(recipient=trainer.user, kind="training_cancelled").exists()


def test_report_is_in_the_customer_archive(client, manager, make_user):
    trainer = make_engineer(make_user)
    session = _plan(manager, trainer)
    session = training_send_plan(session, by=manager, sent_to="王主任")
    a = training_attendee_add(session, by=manager, name="王芳")
    sign_in(session, by=manager, attendee=a, image=signature_png())
    session = training_hold(session, by=manager)
    training_feedback_record(
        session, by=manager, score_content=5, score_trainer=5, score_materials=5,
        score_organisation=5,
    )  # fmt: skip
    session = training_complete(session, by=manager, summary="顺利")
    session = training_archive(session, by=manager)
    client.force_login(manager)
    html = client.get(session.customer.get_absolute_url()).content.decode()
    assert 'data-testid="archive-training"' in html and session.number in html


@pytest.mark.parametrize(
    "state", [TrainingState.PLANNED, TrainingState.PLAN_SENT, TrainingState.HELD, "completed"]
)
def test_every_channel_offers_the_declared_training_actions(state, make_user, manager):
    users = {role: make_user(role) for role in Role.values}
    users["staff_tech"] = make_user(Role.TECH_MANAGER, is_staff=True)
    trainer = make_engineer(make_user)
    users["trainer"] = trainer.user
    users["partner_engineer"] = make_engineer(make_user, partner=make_partner()).user
    session = _plan(manager, trainer)
    if state != TrainingState.PLANNED:
        session = training_send_plan(session, by=manager, sent_to="王主任")
    if state in (TrainingState.HELD, "completed"):
        a = training_attendee_add(session, by=manager, name="王芳")
        sign_in(session, by=manager, attendee=a, image=signature_png())
        session = training_hold(session, by=manager)
    if state == "completed":
        training_feedback_record(
            session, by=manager, score_content=5, score_trainer=5, score_materials=5,
            score_organisation=5,
        )  # fmt: skip
        session = training_complete(session, by=manager, summary="顺利")
    seen = assert_channels_agree(
        TRAINING_ACTIONS,
        session,
        list(users.values()),
        portal_url=session.get_absolute_url(),
        api_url=f"/api/v1/trainings/{session.pk}/",
    )
    expected_trainer = {
        TrainingState.PLANNED: {"add_attendee"},
        TrainingState.PLAN_SENT: {"add_attendee", "upload_sheet", "record_feedback"},
        TrainingState.HELD: {"add_attendee", "upload_sheet", "record_feedback"},
        "completed": set(),
    }[state]
    assert seen[trainer.user.username] == expected_trainer
    assert seen[users["partner_engineer"].username] == set()
    tech = users[Role.TECH_MANAGER].username
    if state == "completed":
        assert seen[tech] == {"archive"}


def test_the_sheet_form_lists_each_attendee_as_a_check_with_its_label(client, manager, make_user):
    """The upload panel's "signed the sheet" list: each attendee a Bootstrap check (box and
    label side by side). Rendered bare, the boxes floated out of the panel on a tablet and
    the card below covered them, so 陈静's box could not be ticked."""
    import re

    session = training_send_plan(
        _plan(manager, make_engineer(make_user)), by=manager, sent_to="王主任"
    )
    for name in ("张丽", "陈静"):
        training_attendee_add(session, by=manager, name=name)
    client.force_login(manager)
    html = client.get(session.get_absolute_url()).content.decode()
    group = re.search(
        r'<div class="check-group"[^>]*data-testid="upload_sheet-present-choices">'
        r"(.*?)</div>\s*</div>\s*</div>",
        html,
        re.S,
    )
    assert group, "the attendees are not a group of checks"
    checks = re.findall(
        r'<div class="form-check">\s*<input type="checkbox" name="upload_sheet-present"[^>]*'
        r'id="(id_upload_sheet-present_\d)"[^>]*>\s*'
        r'<label class="form-check-label" for="\1">(\S+)</label>',
        group.group(0),
    )
    assert [name for _id, name in checks] == ["张丽", "陈静"]
