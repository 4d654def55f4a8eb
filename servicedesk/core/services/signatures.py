"""Signatures on printed forms (docs/architecture.md §signatures, docs/api.md §forms)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import printing
from ..choices import SignatureMethod
from ..exceptions import ApplicationError, NotPermitted, field_error, raise_field_errors
from ..models import Signature
from ..printforms import (
    FormSpec,
    SignatureSlot,
    form_get,
    signed_document,
    slot_find,
    slot_right,
    unsigned_document,
)
from ..uploads import SCAN, upload_read
from .events import event_record
from .history import history_user

if TYPE_CHECKING:
    from ..types import User

MAX_SIGNATURE_IMAGE_BYTES = 2 * 1024 * 1024


def _decode_data_url(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not isinstance(data_url, str) or not data_url.startswith(prefix):
        raise ApplicationError(
            _("The signature must be a PNG data URL."),
            extra={"image": [_("The signature must be a PNG data URL.")]},
        )
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApplicationError(
            _("The signature image is not valid base64."),
            extra={"image": [_("The signature image is not valid base64.")]},
        ) from exc
    _check_png(raw)
    return raw


def _check_png(raw: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    error = None
    if len(raw) > MAX_SIGNATURE_IMAGE_BYTES:
        error = _("The signature image is too large.")
    elif not raw.startswith(b"\x89PNG"):
        error = _("The signature must be a PNG image.")
    else:
        try:
            with Image.open(io.BytesIO(raw)) as img:
                img.verify()
                if img.width < 20 or img.height < 10:
                    error = _("The signature image is too small.")
        except (UnidentifiedImageError, OSError, SyntaxError):
            error = _("The signature image cannot be read.")
    if error:
        raise ApplicationError(error, extra={"image": [error]})


def upload_check(upload: Any) -> tuple[bytes, str]:
    """A signed scan's bytes and extension: PDF, PNG or JPEG by its content, within
    ``UPLOAD_MAX_BYTES`` (docs/architecture.md §uploads)."""
    try:
        return upload_read(upload, kinds=SCAN)
    except ApplicationError:
        msg = _("Upload a PDF, PNG or JPEG scan of the signed form.")
        too_large = getattr(upload, "too_large", False) or (
            (getattr(upload, "size", 0) or 0) > settings.UPLOAD_MAX_BYTES
        )
        if too_large:
            raise
        raise ApplicationError(msg, extra={"file": [msg]}) from None


def signature_record(
    *,
    target: models.Model,
    form: str,
    signer_role: str,
    by: User,
    signer_name: str = "",
    image: str | None = None,
    file: Any = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Signature:
    """Record a drawn signature (PNG data URL) or an uploaded signed scan in one box.

    A staff box is signed only by ``by`` holding its role for the record, and the
    signature is recorded as ``by`` (``signer_name`` is ignored); anyone else is refused
    with the reason (``NotPermitted``, 403). A customer box needs the customer's name;
    ``by`` is the witness. Keeps the SHA-256 of the content signed and of the file,
    renders the signed PDF once and keeps its SHA-256 for the verification page — the
    files after the transaction commits.
    """
    from ..people import display_name

    spec, slot = _form_box(target, form, signer_role)
    # Who may sign comes before the rest of the input (docs/api.md §auth: permission first).
    right = slot_right(slot, target, by)
    if not right.allowed:
        raise NotPermitted(right.reason)
    errors: dict[str, list[str]] = {}
    signer: User | None
    if slot.customer:
        if not (signer_name or "").strip():
            errors["signer_name"] = [_("Who signed for the customer?")]
        name, signer = (signer_name or "").strip()[:100], None
    else:
        name, signer = display_name(by)[:100], by
    if bool(image) == bool(file):
        errors["image"] = [_("Give either a drawn signature or a signed scan, not both.")]
    raise_field_errors(errors)

    now = timezone.now()
    raw, method, ext = _signed_content(image, file)
    content_sha = printing.content_fingerprint(unsigned_document(spec, target))

    with transaction.atomic():
        sig = Signature(
            target=target,
            form=form,
            signer_name=name,
            signer_role=slot.role,
            signer=signer,
            method=method,
            file_sha256=hashlib.sha256(raw).hexdigest(),
            content_sha256=content_sha,
            signed_at=now,
            ip_address=ip_address or None,
            user_agent=(user_agent or "")[:300],
            recorded_by=by,
        )
        history_user(sig, by)
        sig.save()
        # Files are written and the signed PDF rendered once the signature is committed:
        # never inside the caller's row lock, and a rollback leaves no orphan file
        # (docs/architecture.md §signatures).
        transaction.on_commit(lambda: _signature_files_write(spec, target, sig, raw, ext))
        event_record(
            kind="form.signed",
            target=target,
            actor=by,
            data={
                "form": form,
                "signer": sig.signer_name,
                "role": sig.signer_role,
                "signer_user": signer.pk if signer is not None else None,
                "method": method,
                "content_sha256": content_sha,
            },
        )
    return sig


def _signature_files_write(
    spec: FormSpec, target: models.Model, sig: Signature, raw: bytes, ext: str
) -> None:
    """After commit: the drawn image or the scan, then the signed PDF with it."""
    field_file = sig.image if sig.method == SignatureMethod.DRAWN else sig.scan
    field_file.save(f"{sig.form}.{ext}", ContentFile(raw), save=False)
    sig.save(update_fields=[field_file.field.name])
    _render_signed_pdf(spec, target, sig)


def _form_box(target: models.Model, form: str, signer_role: str) -> tuple[FormSpec, SignatureSlot]:
    """The printed form ``form`` of ``target`` and its box ``signer_role`` names; a field
    error (400) when either is missing."""
    try:
        spec = form_get(type(target), form)
    except LookupError:
        raise field_error(
            "form", _("This record has no form “%(form)s”.") % {"form": form}
        ) from None
    if not spec.slots:
        raise field_error("form", _("This form has no signature boxes."))
    if not (signer_role or "").strip():
        raise field_error("signer_role", _("Choose the box you sign."))
    slot = slot_find(spec, signer_role)
    if slot is None:
        raise field_error(
            "signer_role",
            _("This form has no “%(role)s” box.") % {"role": signer_role.strip()[:60]},
        )
    return spec, slot


def _signed_content(image: str | None, file: Any) -> tuple[bytes, str, str]:
    """The bytes signed, the method (drawn or scan) and the file's extension."""
    if image:
        return _decode_data_url(image), SignatureMethod.DRAWN, "png"
    raw, ext = upload_check(file)
    return raw, SignatureMethod.SCAN, ext


def _render_signed_pdf(spec: FormSpec, target: models.Model, sig: Signature) -> None:
    from ..selectors import signatures_for

    # The form as it stood when this signature was made: this one and those before it
    # (two signatures made in one transaction each keep their own signed PDF).
    signed = signatures_for(target, spec.code).filter(pk__lte=sig.pk)
    signatures = list(signed.order_by("signed_at", "id"))
    pdf = printing.render_pdf(signed_document(spec, target, signatures))
    sig.signed_pdf.save(f"{spec.code}-signed.pdf", ContentFile(pdf), save=False)
    sig.signed_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    sig.save(update_fields=["signed_pdf", "signed_pdf_sha256"])


def signatures_verify(*, data: bytes) -> list[Signature]:
    """Signatures whose signed PDF is byte-for-byte the given file."""
    digest = hashlib.sha256(data).hexdigest()
    return list(Signature.objects.filter(signed_pdf_sha256=digest).select_related("target_type"))
