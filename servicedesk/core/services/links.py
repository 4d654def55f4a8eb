"""One-time customer links (docs/architecture.md §links).

A link is a random token (192 bits) of which only the SHA-256 is looked up. It is sent to
one customer contact, works until it expires (72 hours by default) and only once, and a
signing link is bound to the fingerprint of the document it shows
(docs/architecture.md §printing.fingerprint): a changed document kills it. Every request
to the public pages is logged with time and IP (``LinkOpen``) and counted for the rate
limit; an unknown, used, expired or withdrawn token gets the same page that says nothing
about which.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import printing
from ..channels import crypto
from ..exceptions import ApplicationError, NotPermitted, field_error, raise_field_errors
from ..models import CustomerLink, LinkOpen, LinkPurpose, LinkState, Signature
from ..models.links import token_digest
from ..printforms import FormSpec, SignatureSlot, form_get, unsigned_document
from .events import event_record

if TYPE_CHECKING:
    from ..types import User

logger = logging.getLogger(__name__)

DEFAULT_HOURS = 72
MAX_HOURS = 24 * 14
#: docs/architecture.md §links.limits: per IP in WINDOW, all requests / unknown tokens.
WINDOW = dt.timedelta(minutes=10)
MAX_REQUESTS_PER_IP = 60
MAX_MISSES_PER_IP = 10


class RateLimited(Exception):
    """Too many requests from one address; the page says to wait."""


# ---------------------------------------------------------------- creating


def _customer_slot(spec: FormSpec) -> SignatureSlot:
    for slot in spec.slots:
        if slot.customer:
            return slot
    raise field_error("form", _("This form has no box the customer signs."))


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)
    return token, token_digest(token)


def _check_contact(name: str, phone: str, email: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["contact_name"] = [_("Whom is the link for?")]
    if email:
        try:
            validate_email(email.strip())
        except Exception:
            errors["contact_email"] = [_("Enter a valid e-mail address.")]
    if phone and not phone.strip().replace("-", "").replace(" ", "").lstrip("+").isdigit():
        errors["contact_phone"] = [_("Enter a mobile number.")]
    return errors


def link_create_for_signing(
    *,
    target: models.Model,
    form: str,
    by: User,
    contact_name: str,
    contact_phone: str = "",
    contact_email: str = "",
    hours: int = DEFAULT_HOURS,
) -> tuple[CustomerLink, str]:
    """A signing link for the customer box of ``form`` on ``target``; returns the link and
    its token (shown to the sender, never stored in the clear). Earlier open signing links
    of the same document are withdrawn: one live link per document."""
    from ..selectors import signatures_for

    if not by.has_perm("core.add_signature"):
        raise NotPermitted(_("You may not sign forms."))
    try:
        spec = form_get(type(target), form)
    except LookupError:
        raise field_error(
            "form", _("This record has no form “%(form)s”.") % {"form": form}
        ) from None
    slot = _customer_slot(spec)
    errors = _check_contact(contact_name, contact_phone, contact_email)
    if not 1 <= int(hours or 0) <= MAX_HOURS:
        errors["hours"] = [_("Between 1 hour and 14 days.")]
    raise_field_errors(errors)
    if signatures_for(target, form).filter(signer_role__iexact=slot.role).exists():
        raise ApplicationError(_("The customer has already signed this document."))
    fingerprint = printing.content_fingerprint(unsigned_document(spec, target))
    token, digest = _new_token()
    now = timezone.now()
    with transaction.atomic():
        _open_links(target, LinkPurpose.SIGN, form).update(state=LinkState.REVOKED, used_at=now)
        link = CustomerLink.objects.create(
            purpose=LinkPurpose.SIGN,
            token_sha256=digest,
            token_encrypted=crypto.seal(token),
            target=target,
            form=form,
            signer_role=slot.role,
            content_sha256=fingerprint,
            contact_name=contact_name.strip()[:100],
            contact_phone=(contact_phone or "").strip()[:40],
            contact_email=(contact_email or "").strip(),
            expires_at=now + dt.timedelta(hours=int(hours)),
            created_by=by,
        )
        event_record(
            kind="link.sent",
            target=target,
            actor=by,
            data={
                "form": form,
                "contact": link.contact_name,
                "expires": link.expires_at.isoformat(),
            },
        )
    return link, token


def _open_links(target: models.Model, purpose: str, form: str = "") -> models.QuerySet:
    qs = CustomerLink.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        purpose=purpose,
        state=LinkState.OPEN,
    )
    return qs.filter(form=form) if form else qs


def link_target(link: CustomerLink) -> models.Model:
    """The record a link is about; a deleted record makes the link unusable."""
    target = link.target
    if not isinstance(target, models.Model):
        raise ApplicationError(_("This link can no longer be used."))
    return target


def link_token(link: CustomerLink) -> str:
    return crypto.unseal(link.token_encrypted)


def link_url(link: CustomerLink, token: str | None = None) -> str:
    token = token or link_token(link)
    return f"{settings.SITE_URL}{reverse('core:link', args=[token])}"


def link_sms_text(link: CustomerLink, token: str | None = None) -> str:
    """The words staff paste into an SMS (no SMS gateway is configured)."""
    what = link_document_title(link) if link.purpose == LinkPurpose.SIGN else _("our service")
    hours = max(1, round((link.expires_at - timezone.now()).total_seconds() / 3600))
    template = (
        _(
            "【%(company)s】%(name)s, please open %(url)s to read and sign “%(what)s” "
            "(valid %(hours)s hours, once)."
        )
        if link.purpose == LinkPurpose.SIGN
        else _(
            "【%(company)s】%(name)s, please tell us how satisfied you are with %(what)s: "
            "%(url)s (valid %(hours)s hours)."
        )
    )
    return template % {
        "company": settings.COMPANY_NAME,
        "name": link.contact_name,
        "url": link_url(link, token),
        "what": what,
        "hours": hours,
    }


def link_document_title(link: CustomerLink) -> str:
    model = link.target_type.model_class()
    try:
        return str(form_get(model, link.form).title) if model is not None else link.form
    except LookupError:
        return link.form


def link_qr_svg(url: str) -> str:
    """The link as a QR code in SVG, drawn by reportlab's QR widget (no other library)."""
    from reportlab.graphics import renderSVG  # type: ignore[import-untyped]
    from reportlab.graphics.barcode.qr import QrCodeWidget  # type: ignore[import-untyped]
    from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]

    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    size = 240
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg") :]


def link_email(*, link: CustomerLink, by: User) -> CustomerLink:
    """E-mail the link to its contact now; a refused or unconfigured mail is an error in
    words, and nothing is recorded."""
    if not link.contact_email:
        raise field_error("contact_email", _("The contact has no e-mail address."))
    if not link.usable:
        raise ApplicationError(_("This link can no longer be used."))
    if not settings.EMAIL_CONFIGURED and not getattr(settings, "EMAIL_ALWAYS_SEND", False):
        raise ApplicationError(_("E-mail is not configured (EMAIL_URL)."))
    mail = EmailMessage(
        subject=_("Please sign: %(what)s") % {"what": link_document_title(link)}
        if link.purpose == LinkPurpose.SIGN
        else _("How satisfied are you with our service?"),
        body=link_sms_text(link),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[link.contact_email],
    )
    try:
        mail.send()
    except Exception as exc:
        logger.warning("link e-mail failed", exc_info=True)
        raise ApplicationError(
            _("The e-mail could not be sent: %(error)s") % {"error": exc}
        ) from exc
    event_record(
        kind="link.emailed",
        target=link_target(link),
        actor=by,
        data={"link": link.pk, "to": link.contact_email},
    )
    return link


def link_revoke(*, link: CustomerLink, by: User) -> CustomerLink:
    with transaction.atomic():
        updated = CustomerLink.objects.filter(pk=link.pk, state=LinkState.OPEN).update(
            state=LinkState.REVOKED, used_at=timezone.now()
        )
        if updated:
            event_record(
                kind="link.revoked", target=link_target(link), actor=by, data={"link": link.pk}
            )
    link.refresh_from_db()
    return link


# ---------------------------------------------------------------- the public side


def _client(meta: dict[str, Any]) -> tuple[str | None, str]:
    """The customer's address and device. Behind our nginx (``TRUST_X_FORWARDED_FOR``)
    the address is the last entry of ``X-Forwarded-For``, the one nginx itself appended;
    otherwise every customer would share the proxy's address and its rate limit."""
    import ipaddress

    ip = meta.get("REMOTE_ADDR") or None
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        hops = [h.strip() for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
        if hops and hops[-1]:
            ip = hops[-1]
    try:
        ip = str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        ip = None
    return ip, (meta.get("HTTP_USER_AGENT") or "")[:300]


def link_resolve(*, token: str, meta: dict[str, Any], action: str) -> CustomerLink | None:
    """The usable link of ``token`` or None, after the rate limit; logs the request.

    Raises ``RateLimited`` when the address asked too often (docs/architecture.md
    §links.limits). A signing link whose document changed is treated as dead."""
    ip, agent = _client(meta)
    since = timezone.now() - WINDOW
    recent = LinkOpen.objects.filter(ip_address=ip, at__gte=since)
    if (
        recent.count() >= MAX_REQUESTS_PER_IP
        or recent.filter(link__isnull=True).count() >= MAX_MISSES_PER_IP
    ):
        LinkOpen.objects.create(ip_address=ip, user_agent=agent, action=action, outcome="limited")
        raise RateLimited
    link = (
        CustomerLink.objects.filter(token_sha256=token_digest(token or ""))
        .select_related("target_type")
        .first()
    )
    outcome = "ok"
    if link is None:
        outcome = "unknown"
    elif not link.usable:
        outcome = "dead"
    elif link.purpose == LinkPurpose.SIGN and not _fingerprint_holds(link):
        outcome = "changed"
    LinkOpen.objects.create(
        link=link, ip_address=ip, user_agent=agent, action=action, outcome=outcome
    )
    return link if outcome == "ok" else None


def _fingerprint_holds(link: CustomerLink) -> bool:
    target = link.target
    if target is None:
        return False
    spec = form_get(type(target), link.form)
    return printing.content_fingerprint(unsigned_document(spec, target)) == link.content_sha256


def _lock_usable(link: CustomerLink) -> CustomerLink:
    locked = CustomerLink.objects.select_for_update().get(pk=link.pk)
    if not locked.usable:
        raise ApplicationError(_("This link can no longer be used."))
    return locked


def link_sign(
    *, link: CustomerLink, signer_name: str, image: str, meta: dict[str, Any]
) -> Signature:
    """The customer signs through the link: the signature is recorded in the form's
    customer box with the sender as witness, and the link is used up."""
    from ..services.signatures import signature_record

    ip, agent = _client(meta)
    if not (image or "").strip():
        raise field_error("image", _("Please sign in the box."))
    with transaction.atomic():
        locked = _lock_usable(link)
        if not _fingerprint_holds(locked):
            raise ApplicationError(_("This link can no longer be used."))
        if locked.created_by is None:
            raise ApplicationError(_("This link can no longer be used."))
        signature = signature_record(
            target=link_target(locked),
            form=locked.form,
            signer_role=locked.signer_role,
            signer_name=signer_name or locked.contact_name,
            image=image,
            by=locked.created_by,
            ip_address=ip,
            user_agent=agent,
        )
        locked.state, locked.used_at, locked.signature = LinkState.SIGNED, timezone.now(), signature
        locked.save(update_fields=["state", "used_at", "signature"])
        _tell_sender(locked, _("%(name)s signed “%(what)s” through the link."))
    return signature


def link_decline(*, link: CustomerLink, reason: str, meta: dict[str, Any]) -> CustomerLink:
    if not (reason or "").strip():
        raise field_error("reason", _("Please tell us why you do not sign."))
    with transaction.atomic():
        locked = _lock_usable(link)
        locked.state, locked.used_at = LinkState.DECLINED, timezone.now()
        locked.decline_reason = reason.strip()[:2000]
        locked.save(update_fields=["state", "used_at", "decline_reason"])
        event_record(
            kind="link.declined",
            target=link_target(locked),
            actor=None,
            data={
                "form": locked.form,
                "contact": locked.contact_name,
                "reason": locked.decline_reason,
            },
        )
        _tell_sender(locked, _("%(name)s declined to sign “%(what)s”: %(reason)s"))
    return locked


def _tell_sender(link: CustomerLink, words: str) -> None:
    from .notifications import notifications_create

    if link.created_by is None:
        return
    target = link.target
    notifications_create(
        recipients=[link.created_by],
        kind=f"link_{link.state}",
        title=(
            words
            % {
                "name": link.contact_name,
                "what": link_document_title(link),
                "reason": link.decline_reason[:100],
            }
        )[:200],
        url=getattr(target, "get_absolute_url", lambda: "")(),
        target=target,
        dedupe_key=f"link:{link.pk}:{link.state}",
    )


def link_preview_pngs(link: CustomerLink, resolution: int = 110) -> list[bytes]:
    """The document as the customer signs it, as page images (``pdftoppm``), since phone
    browsers often cannot show a PDF inline."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from ..printforms import render

    program = shutil.which("pdftoppm")
    if program is None:  # poppler missing: the page offers the PDF only
        return []
    target = link_target(link)
    pdf = render(form_get(type(target), link.form), target)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 - fixed program, our own file
            [program, "-png", "-r", str(resolution), str(source), str(Path(tmp) / "p")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return [p.read_bytes() for p in sorted(Path(tmp).glob("p*.png"))]


def link_pdf(link: CustomerLink) -> bytes:
    from ..printforms import render

    target = link_target(link)
    return render(form_get(type(target), link.form), target)
