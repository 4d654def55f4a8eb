"""E-mail to ticket (docs/domain.md §hotline.mail, docs/architecture.md §mail-in): the
received message becomes one ticket with channel e-mail; replies thread onto it; automatic
replies and loops are kept but ignored; attachments pass the upload checks; Chinese
encodings are read right. The end-to-end tests at the bottom send over SMTP to the real
listener (aiosmtpd) started by the test."""

from __future__ import annotations

import base64
import io
import smtplib
import threading
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid

import pytest
from django.core import mail as django_mail
from PIL import Image

from servicedesk.core.choices import Role
from tests.tickets.factories import make_contact, make_customer
from tickets.choices import Channel, TicketState
from tickets.models import InboundMail, MailOutcome, Ticket
from tickets.services.mail import mail_parse, mail_receive

SUPPORT = "support@desk.example"


@pytest.fixture(autouse=True)
def _support(settings):
    settings.SUPPORT_MAIL_ADDRESSES = [SUPPORT]
    settings.SUPPORT_MAIL_FROM = f"服务热线 <{SUPPORT}>"
    settings.SUPPORT_MAIL_ACKNOWLEDGE = True


@pytest.fixture
def engineer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="rexian")


@pytest.fixture
def customer_contact(make_user):
    sales = make_user(Role.SALES_MANAGER)
    customer = make_customer(sales, name="苏州恒信精工有限公司")
    return make_contact(customer, name="刘会计", email="liu@hengxin.example", mobile="13800001111")


def mime(
    subject: str = "凭证无法保存",
    body: str = "您好，月末结账时凭证无法保存，请协助。",
    *,
    sender: str = "liu@hengxin.example",
    name: str = "刘会计",
    charset: str = "utf-8",
    headers: dict[str, str] | None = None,
    files: list[tuple[str, bytes]] = (),
    message_id: str | None = None,
) -> bytes:
    msg = MIMEMultipart() if files else MIMEText(body, "plain", charset)
    if files:
        msg.attach(MIMEText(body, "plain", charset))
        for filename, data in files:
            part = MIMEApplication(data)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
            msg.attach(part)
    msg["From"] = formataddr((str(Header(name, charset)), sender))
    msg["To"] = SUPPORT
    msg["Subject"] = Header(subject, charset)
    msg["Message-ID"] = message_id or make_msgid(domain="hengxin.example")
    for key, value in (headers or {}).items():
        msg[key] = value
    return msg.as_bytes()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_a_contacts_mail_opens_a_ticket_for_the_customer(engineer, customer_contact):
    received = mail_receive(mime())
    assert received.outcome == MailOutcome.TICKET
    ticket = received.ticket
    assert ticket.channel == Channel.EMAIL
    assert ticket.customer == customer_contact.customer
    assert ticket.caller_name == "刘会计"
    assert ticket.caller_phone == "13800001111"
    assert ticket.first_contact_owner == engineer
    assert "凭证无法保存" in ticket.description and "请协助" in ticket.description
    assert received.contact == customer_contact


@pytest.mark.django_db
def test_the_sender_gets_the_number_and_a_reply_threads_by_headers(
    engineer, customer_contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = mail_receive(mime())
    (ack,) = django_mail.outbox
    assert f"[{first.ticket.number}]" in ack.subject
    assert ack.to == ["liu@hengxin.example"]
    assert ack.extra_headers["In-Reply-To"] == first.message_id
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    reply = mime(
        "Re: 收到",
        "补充：错误代码 E-1024",
        headers={"In-Reply-To": ack.extra_headers["Message-ID"]},
    )
    second = mail_receive(reply)
    assert second.outcome == MailOutcome.REPLY
    assert second.ticket == first.ticket
    assert Ticket.objects.count() == 1
    # the assignee is told in-app
    assert first.ticket.assignee.notifications.filter(kind="ticket_mail").exists()


@pytest.mark.django_db
def test_a_reply_threads_by_the_number_in_the_subject_only_for_its_people(
    engineer, customer_contact
):
    first = mail_receive(mime())
    number = first.ticket.number
    again = mail_receive(mime(f"回复：[{number}] 仍然报错"))
    assert again.ticket == first.ticket and again.outcome == MailOutcome.REPLY
    # A stranger quoting the number does not write into someone else's ticket.
    stranger = mail_receive(mime(f"[{number}] 我也有问题", sender="x@other.example", name="某人"))
    assert stranger.outcome == MailOutcome.TICKET
    assert stranger.ticket != first.ticket


@pytest.mark.django_db
def test_an_unknown_sender_gets_a_ticket_without_customer_for_the_hotline(engineer):
    received = mail_receive(mime(sender="boss@newco.example", name="陈总"))
    ticket = received.ticket
    assert received.outcome == MailOutcome.TICKET and received.contact is None
    assert ticket.customer is None
    assert ticket.caller_name == "陈总" and ticket.caller_company == "newco.example"
    assert "boss@newco.example" in ticket.description
    assert ticket.state == TicketState.SCOPE_REVIEW  # the entitlement waits for the customer


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "sender", "subject"),
    [
        ({"Auto-Submitted": "auto-replied"}, "liu@hengxin.example", "凭证"),
        ({"X-Autoreply": "yes"}, "liu@hengxin.example", "凭证"),
        ({"Precedence": "bulk"}, "liu@hengxin.example", "凭证"),
        ({"Precedence": "junk"}, "liu@hengxin.example", "凭证"),
        ({"Precedence": "list"}, "liu@hengxin.example", "凭证"),
        ({}, "MAILER-DAEMON@hengxin.example", "Undelivered Mail Returned to Sender"),
        ({}, "liu@hengxin.example", "自动回复：我正在休假"),
    ],
)
def test_automatic_replies_are_kept_but_ignored(engineer, headers, sender, subject):
    received = mail_receive(mime(subject, headers=headers, sender=sender))
    assert received.outcome == MailOutcome.AUTO_REPLY
    assert received.ticket is None
    assert not Ticket.objects.exists()
    assert not django_mail.outbox


@pytest.mark.django_db
def test_loops_die_our_own_mail_and_a_sender_past_the_limit(engineer, settings):
    assert mail_receive(mime(sender=SUPPORT)).outcome == MailOutcome.LOOP
    looped = mime(headers={"X-Servicedesk-Loop": "abc"}, sender="a@b.example")
    assert mail_receive(looped).outcome == MailOutcome.LOOP
    assert mail_receive(mime(sender="x@y.example"), envelope_sender="").outcome == (
        MailOutcome.AUTO_REPLY  # a bounce: empty envelope sender
    )
    settings.SUPPORT_MAIL_PER_SENDER_HOUR = 3
    outcomes = [mail_receive(mime(f"问题 {i}", sender="flood@z.example")).outcome for i in range(5)]
    assert outcomes == [MailOutcome.TICKET] * 3 + [MailOutcome.RATE] * 2
    assert Ticket.objects.count() == 3


@pytest.mark.django_db
def test_acknowledgements_to_one_address_are_limited(
    engineer, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_MAIL_ACKS_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            mail_receive(mime(f"问题 {i}", sender="many@z.example"))
    assert len(django_mail.outbox) == 2


@pytest.mark.django_db
def test_the_same_message_twice_is_one_ticket(engineer, customer_contact):
    raw = mime()
    assert mail_receive(raw) is not None
    assert mail_receive(raw) is None
    assert InboundMail.objects.count() == 1 and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_attachments_pass_the_upload_checks(engineer, customer_contact, settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    files = [
        ("报错截图.png", png()),
        ("伪装.pdf", b"MZ\x90\x00 this is an exe"),
        ("大文件.txt", b"a" * 60_000),
    ]
    received = mail_receive(mime(files=files))
    (kept,) = received.attachments.all()
    assert kept.name == "报错截图.png"
    assert kept.file.name.endswith(".png")
    assert kept.file.read()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "伪装.pdf" in received.refused_attachments
    assert "大文件.txt" in received.refused_attachments


@pytest.mark.django_db
@pytest.mark.parametrize("charset", ["gb18030", "gbk", "gb2312", "utf-8"])
def test_chinese_encodings(engineer, customer_contact, charset):
    received = mail_receive(
        mime("金蝶凭证报错", "科目已停用，无法过账。", charset=charset, name="刘会计")
    )
    assert received.subject == "金蝶凭证报错"
    assert received.sender_name == "刘会计"
    assert received.text == "科目已停用，无法过账。"


def test_gbk_text_declared_as_gb2312_and_raw_8bit_headers():
    # 「镕」 is in GBK but not in GB 2312: mail programs still label such text gb2312.
    body = "朱镕基路 88 号".encode("gbk")
    raw = (
        b"From: =?gb2312?B?" + base64.b64encode("王工".encode("gbk")) + b"?= <w@x.example>\r\n"
        b"Subject: " + "报修：打印机".encode("gb18030") + b"\r\n"
        b"Message-ID: <a1@x.example>\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )
    parsed = mail_parse(raw)
    assert parsed.sender_name == "王工"
    assert parsed.subject == "报修：打印机"
    assert parsed.text == "朱镕基路 88 号"
    raw_utf8 = "From: 李工 <l@x.example>\r\nSubject: 原始头\r\nMessage-ID: <a2@x>\r\n\r\n正文"
    parsed = mail_parse(raw_utf8.encode("utf-8"))
    assert (parsed.sender_name, parsed.subject, parsed.text) == ("李工", "原始头", "正文")


def test_html_only_mail_is_read_as_text():
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "a@b.example", "网页邮件", "<h1@b.example>"
    msg.set_content("<p>第一行</p><p>第二行<br>第三行</p>", subtype="html")
    assert mail_parse(msg.as_bytes()).text.split() == ["第一行", "第二行", "第三行"]


# ---------------------------------------------------------------- over SMTP, end to end


@pytest.fixture
def listener(settings):
    from tickets.smtp import support_listener

    started = support_listener("127.0.0.1", 0)
    started.start()
    yield started
    started.stop()


def send(port: int, raw: bytes, to: str = SUPPORT, sender: str = "liu@hengxin.example") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(sender, [to], raw)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_over_smtp_ticket_reply_attachment_and_auto_reply(listener, engineer, customer_contact):
    send(listener.port, mime(files=[("截图.png", png())]))
    (ticket,) = Ticket.objects.all()
    assert ticket.channel == Channel.EMAIL and ticket.customer == customer_contact.customer
    assert ticket.mails.get().attachments.count() == 1
    (ack,) = django_mail.outbox
    send(
        listener.port,
        mime("Re: 收到", "补充", headers={"References": ack.extra_headers["Message-ID"]}),
    )
    send(listener.port, mime("自动回复", headers={"Auto-Submitted": "auto-replied"}))
    assert Ticket.objects.count() == 1
    assert list(ticket.mails.order_by("pk").values_list("outcome", flat=True)) == [
        "ticket",
        "reply",
    ]
    assert InboundMail.objects.filter(outcome=MailOutcome.AUTO_REPLY).count() == 1
    with pytest.raises(smtplib.SMTPRecipientsRefused):  # not an open relay
        send(listener.port, mime(), to="someone@elsewhere.example")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_listeners_receiving_the_same_mails_at_once_keep_each_once(engineer, customer_contact):
    from tickets.smtp import support_listener

    listeners = [support_listener("127.0.0.1", 0) for _ in range(2)]
    for one in listeners:
        one.start()
    mails = [mime(f"问题 {i}") for i in range(15)]
    errors: list[BaseException] = []

    def deliver(port: int, barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            for raw in mails:
                send(port, raw)
        except BaseException as exc:
            errors.append(exc)

    try:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=deliver, args=(one.port, barrier)) for one in listeners]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        for one in listeners:
            one.stop()
    assert not errors  # both listeners answered 250 for every mail
    assert InboundMail.objects.count() == 15
    assert Ticket.objects.count() == 15
    assert len(django_mail.outbox) <= 15
