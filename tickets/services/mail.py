"""E-mail to ticket (docs/domain.md §hotline.mail, docs/architecture.md §mail-in).

``mail_receive(raw)`` is the one entry: the SMTP listener (``manage.py receive_mail``)
hands it every message for the support address, as bytes. It

1. parses the message (RFC 2047 / RFC 2231 headers, GB 18030 / GBK / UTF-8 bodies and
   raw 8-bit headers of older Chinese mail programs);
2. keeps it once: ``InboundMail.message_id`` is unique, so the same message delivered
   twice, or to two listeners at once, is one row (the second insert waits for the first
   and finds it);
3. ignores automatic replies, bounces, mail from the desk itself and a sender past the
   hourly limit (kept, with why, but no ticket and no answer: a loop dies here);
4. threads a reply onto its ticket — by the ``In-Reply-To`` / ``References`` headers citing
   a mail of the ticket or our acknowledgement, or by the ticket number in the subject
   (``[RX20261206-00012]``) when the sender is the ticket's sender or a contact of its
   customer; otherwise opens a ticket with channel e-mail, for the customer whose contact
   has the sender's address, or without a customer for the hotline to match;
5. keeps the attachments that pass the upload checks (core/uploads.py) and names the
   others on the mail;
6. acknowledges a new ticket to the sender once it commits, with the number in the
   subject and ``Auto-Submitted: auto-replied``.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.utils
import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from contracts.models import Contact
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.selectors import users_in_roles
from servicedesk.core.services import event_record, notifications_create
from servicedesk.core.services.files import file_attach_after_commit
from servicedesk.core.uploads import DOCUMENT

from ..choices import Channel
from ..models import DutyShift, InboundMail, InboundMailAttachment, MailOutcome, Ticket

if TYPE_CHECKING:
    from servicedesk.core.types import User

logger = logging.getLogger(__name__)

#: Mail the desk itself sends carries this header; a mail that has it is a loop.
LOOP_HEADER = "X-Servicedesk-Loop"
NUMBER_RE = re.compile(r"\[?\b(RX\d{8}-\d{5,})\b\]?")
MAX_ATTACHMENTS = 10
MAX_TEXT = 20_000
#: Charsets Chinese mail programs declare for text that is really a superset of them.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "hz-gb-2312": "hz",
}
#: Subjects of automatic replies and bounces that carry no header saying so.
AUTO_SUBJECTS = (
    "自动回复",
    "自动答复",
    "系统退信",
    "退信",
    "auto-reply",
    "autoreply",
    "automatic reply",
    "auto:",
    "out of office",
    "undeliverable",
    "undelivered mail",
    "delivery status notification",
    "mail delivery failed",
)
ROBOT_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply")


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    references: list[str]
    auto_reason: str = ""  # why it is an automatic mail, "" when a person wrote it
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    loop: bool = False


# ---------------------------------------------------------------- parsing


def _decode_bytes(data: bytes, charset: str | None) -> str:
    charset = (charset or "").strip().lower().strip('"')
    tried = [CHARSET_ALIASES.get(charset, charset)] if charset else []
    for name in [*tried, "utf-8", "gb18030"]:
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header(value: Any) -> str:
    """A header as text: RFC 2047 words in any charset (GB 2312 read as GB 18030), and raw
    8-bit bytes (as some mail programs send them) read as UTF-8 or else GB 18030."""
    if value is None:
        return ""
    if not isinstance(value, email.header.Header):  # a Header keeps raw 8-bit as bytes
        value = str(value)
    parts = []
    for chunk, charset in email.header.decode_header(value):
        if isinstance(chunk, str):
            # Undecoded 8-bit bytes arrive as surrogate escapes: take them back as bytes.
            chunk = _decode_bytes(chunk.encode("utf-8", "surrogateescape"), None)
        else:
            chunk = _decode_bytes(chunk, charset)
        parts.append(chunk)
    return " ".join(" ".join(parts).split())


def _message_ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _auto_reason(msg: Message, sender: str, subject: str) -> str:
    auto_submitted = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "Auto-Submitted"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if msg.get(name) is not None:
            return name
    if (msg.get("Precedence") or "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return "Precedence"
    if msg.get_content_type() == "multipart/report":
        return "multipart/report"
    local = sender.split("@", 1)[0].lower()
    if not sender or any(local.startswith(name) for name in ROBOT_SENDERS):
        return "sender"
    lowered = subject.lower()
    if any(lowered.startswith(word) for word in AUTO_SUBJECTS):
        return "subject"
    return ""


def _body_and_files(msg: Message) -> tuple[str, list[tuple[str, bytes]]]:
    plain, html = "", ""
    files: list[tuple[str, bytes]] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = (part.get("Content-Disposition") or "").lower()
        ctype = part.get_content_type()
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        if filename or disposition.startswith("attachment"):
            files.append((decode_header(filename) or _("attachment"), payload))
        elif ctype == "text/plain" and not plain:
            plain = _decode_bytes(payload, part.get_content_charset())
        elif ctype == "text/html" and not html:
            html = _decode_bytes(payload, part.get_content_charset())
    text = plain or strip_tags(re.sub(r"(?i)<br\s*/?>|</p>", "\n", html))
    return text.replace("\r\n", "\n").strip()[:MAX_TEXT], files


def mail_parse(raw: bytes) -> ParsedMail:
    msg = email.message_from_bytes(raw)
    name, address = email.utils.parseaddr(decode_header(msg.get("From")))
    sender = address.strip().lower()
    subject = decode_header(msg.get("Subject"))
    message_id = (_message_ids(msg.get("Message-ID") or "") or [""])[0]
    if not message_id:  # the same bytes delivered twice are still one mail
        message_id = f"<sha256-{hashlib.sha256(raw).hexdigest()}@no-message-id>"
    references = _message_ids(msg.get("In-Reply-To") or "") + _message_ids(
        msg.get("References") or ""
    )
    text, files = _body_and_files(msg)
    return ParsedMail(
        message_id=message_id[:255],
        sender=sender[:254],
        sender_name=name.strip()[:100],
        subject=subject[:300],
        text=text,
        references=references[:50],
        auto_reason=_auto_reason(msg, sender, subject),
        attachments=files,
        loop=msg.get(LOOP_HEADER) is not None,
    )


# ---------------------------------------------------------------- receiving


def support_addresses() -> set[str]:
    addresses = {a.strip().lower() for a in settings.SUPPORT_MAIL_ADDRESSES if a.strip()}
    return addresses | {email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}


def mail_receive(
    raw: bytes, *, envelope_sender: str | None = None, now: dt.datetime | None = None
) -> InboundMail | None:
    """Keep one received message and act on it; None when it was received before.
    ``envelope_sender`` is SMTP's ``MAIL FROM`` ("" for a bounce)."""
    parsed = mail_parse(raw)
    if envelope_sender == "" and not parsed.auto_reason:
        parsed.auto_reason = "bounce"
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _receive(parsed, now)
    except IntegrityError:
        # Another receiver kept the same Message-ID first (the unique index serialised us).
        if InboundMail.objects.filter(message_id=parsed.message_id).exists():
            return None
        raise


def _receive(parsed: ParsedMail, now: dt.datetime) -> InboundMail:
    mail = InboundMail(
        message_id=parsed.message_id,
        sender=parsed.sender,
        sender_name=parsed.sender_name,
        subject=parsed.subject,
        text=parsed.text,
        references=" ".join(parsed.references),
    )
    mail.outcome = _ignored(parsed, now)
    mail.save()  # the unique Message-ID: a second receiver of this mail stops here
    if mail.outcome:
        logger.info("mail %s from %s ignored: %s", mail.message_id, mail.sender, mail.outcome)
        return mail
    mail.contact = _contact_for(parsed.sender)
    ticket = _thread(parsed, mail.contact)
    if ticket is not None:
        mail.outcome, mail.ticket = MailOutcome.REPLY, ticket
        _tell_reply(ticket, mail)
    else:
        mail.outcome, mail.ticket = MailOutcome.TICKET, _open_ticket(parsed, mail.contact, now)
        if _may_acknowledge(parsed.sender, now):
            mail.reply_message_id = email.utils.make_msgid(domain=_domain())[:255]
            transaction.on_commit(lambda: _acknowledge(mail))
    mail.refused_attachments = _keep_attachments(mail, parsed.attachments)
    mail.save(
        update_fields=["outcome", "ticket", "contact", "reply_message_id", "refused_attachments"]
    )
    event_record(
        kind="ticket.mail_received",
        target=mail.ticket,
        actor=None,
        data={"sender": mail.sender, "subject": mail.subject, "outcome": mail.outcome},
    )
    return mail


def _ignored(parsed: ParsedMail, now: dt.datetime) -> str:
    if parsed.loop or parsed.sender in support_addresses():
        return MailOutcome.LOOP
    if parsed.auto_reason:
        return MailOutcome.AUTO_REPLY
    recent = InboundMail.objects.filter(
        sender=parsed.sender, received_at__gt=now - dt.timedelta(hours=1)
    ).count()
    if recent >= settings.SUPPORT_MAIL_PER_SENDER_HOUR:
        return MailOutcome.RATE
    return ""


def _contact_for(sender: str) -> Contact | None:
    return (
        Contact.objects.filter(email__iexact=sender)
        .select_related("customer")
        .order_by("-is_primary", "pk")
        .first()
    )


def _thread(parsed: ParsedMail, contact: Contact | None) -> Ticket | None:
    """The ticket this mail answers, or None for a new request."""
    if parsed.references:
        earlier = (
            InboundMail.objects.filter(ticket__isnull=False)
            .filter(Q(message_id__in=parsed.references) | Q(reply_message_id__in=parsed.references))
            .select_related("ticket")
            .order_by("-received_at")
            .first()
        )
        if earlier is not None:
            return earlier.ticket
    found = NUMBER_RE.search(parsed.subject)
    if found is None:
        return None
    ticket = Ticket.objects.filter(number=found.group(1)).first()
    if ticket is None:
        return None
    # A number is easy to copy: only the ticket's own sender or its customer's contacts
    # may add to it by the subject alone.
    if ticket.mails.filter(sender=parsed.sender).exists():
        return ticket
    if contact is not None and ticket.customer_id == contact.customer_id:
        return ticket
    return None


def mail_owner(now: dt.datetime | None = None) -> User:
    """Who takes a mailed request (first-contact owner): the engineer on duty now, else
    the account ``SUPPORT_MAIL_OWNER`` names, else a hotline engineer, else a technical
    manager. No one: the mail is refused for now (the sending server tries again)."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    shift = (
        DutyShift.objects.filter(starts_at__lte=now, ends_at__gt=now, engineer__is_active=True)
        .select_related("engineer")
        .order_by("-checked_in_at", "starts_at", "pk")
        .first()
    )
    if shift is not None:
        return shift.engineer
    username = settings.SUPPORT_MAIL_OWNER
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is not None:
            return user
    for role in (Role.HOTLINE_ENGINEER, Role.TECH_MANAGER):
        user = users_in_roles(role).order_by("pk").first()
        if user is not None:
            return user
    raise ApplicationError(_("No one can take mailed requests: plan a duty shift."))


def _open_ticket(parsed: ParsedMail, contact: Contact | None, now: dt.datetime) -> Ticket:
    from .tickets import ticket_intake

    customer = contact.customer if contact is not None else None
    product = customer.products.order_by("pk").first() if customer is not None else None
    domain = parsed.sender.rsplit("@", 1)[-1]
    subject = parsed.subject or _("(no subject)")
    description = f"{subject}\n\n{parsed.text}".strip()
    if customer is None:
        description = (
            _("Mail from %(sender)s, who is not a contact of any customer yet: find the customer.")
            % {"sender": parsed.sender}
            + "\n\n"
            + description
        )
    return ticket_intake(
        by=mail_owner(now),
        customer=customer,
        unidentified=customer is None,
        caller_name=(contact.name if contact else parsed.sender_name or parsed.sender)[:60],
        caller_company=(customer.name if customer else domain)[:200],
        caller_phone=((contact.mobile or contact.phone) if contact else "") or "-",
        product=str(product) if product else _("(not recorded)"),
        description=description,
        channel=Channel.EMAIL,
        received_at=now,
    )


def _keep_attachments(mail: InboundMail, files: list[tuple[str, bytes]]) -> str:
    """Store what passes the upload checks; the names and reasons of the rest."""
    refused = []
    for index, (name, data) in enumerate(files):
        if index >= MAX_ATTACHMENTS:
            refused.append(
                _("%(name)s: more than %(n)s attachments") % {"name": name, "n": MAX_ATTACHMENTS}
            )
            continue
        row = InboundMailAttachment.objects.create(mail=mail, name=name[:100], size=len(data))
        try:
            file_attach_after_commit(row, "file", SimpleUploadedFile(name, data), kinds=DOCUMENT)
        except ApplicationError as exc:
            row.delete()
            reasons = [str(m) for ms in (exc.extra or {}).values() for m in ms] or [exc.message]
            refused.append(f"{name}: {'; '.join(reasons)}")
    return "\n".join(refused)


def _tell_reply(ticket: Ticket, mail: InboundMail) -> None:
    notifications_create(
        recipients=[ticket.assignee],
        kind="ticket_mail",
        title=_("Mail about %(number)s from %(sender)s")
        % {"number": ticket.number, "sender": mail.sender_name or mail.sender},
        body=mail.text[:500],
        url=ticket.get_absolute_url(),
        target=ticket,
    )


def _may_acknowledge(sender: str, now: dt.datetime) -> bool:
    """At most ``SUPPORT_MAIL_ACKS_PER_HOUR`` acknowledgements to one address an hour."""
    if not settings.SUPPORT_MAIL_ACKNOWLEDGE:
        return False
    sent = (
        InboundMail.objects.filter(sender=sender, received_at__gt=now - dt.timedelta(hours=1))
        .exclude(reply_message_id="")
        .count()
    )
    return sent < settings.SUPPORT_MAIL_ACKS_PER_HOUR


def _domain() -> str:
    address = sorted(support_addresses())[0] if support_addresses() else "localhost"
    return address.rsplit("@", 1)[-1] or "localhost"


def _acknowledge(mail: InboundMail) -> None:
    """Tell the sender the ticket's number; replying to it threads onto the ticket."""
    ticket = mail.ticket
    if ticket is None:
        return
    references = " ".join([*mail.references.split()[-10:], mail.message_id])
    message = EmailMessage(
        subject=f"[{ticket.number}] {_('Received')}: {mail.subject}"[:300],
        body=_(
            "Dear customer,\n\nWe have received your mail and recorded it as service ticket "
            "%(number)s. The hotline will contact you soon. To add to this request, reply to "
            "this mail and keep [%(number)s] in the subject.\n"
        )
        % {"number": ticket.number},
        from_email=settings.SUPPORT_MAIL_FROM or settings.DEFAULT_FROM_EMAIL,
        to=[mail.sender],
        headers={
            "Message-ID": mail.reply_message_id,
            "In-Reply-To": mail.message_id,
            "References": references,
            "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All",
            LOOP_HEADER: uuid.uuid4().hex[:12],
        },
    )
    try:
        message.send()
    except Exception:  # the ticket stands; the hotline answers by phone anyway
        logger.exception("acknowledgement of %s to %s not sent", ticket.number, mail.sender)
