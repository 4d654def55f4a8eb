"""Uploaded files: the size limit kept while the request streams in, the type read from the
content, images re-encoded, names made safe (docs/architecture.md §uploads).

An upload is received by :class:`LimitedUploadHandler` (``FILE_UPLOAD_HANDLERS``): it writes
to a temporary file and stops keeping bytes past ``UPLOAD_MAX_BYTES`` — the rest is read
from the network and dropped, never held in memory or on disk — and marks the file too
large. A service then calls :func:`upload_read` before it keeps anything: it refuses a file
marked too large (or larger than the limit) without reading it, and reads and checks the
content of one within it.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from .exceptions import ApplicationError

#: kinds of file a service accepts (``upload_read(kinds=...)``)
SCAN = frozenset({"pdf", "png", "jpg"})
DOCUMENT = SCAN | {"docx", "xlsx", "pptx", "vsdx", "doc", "xls", "ppt", "zip", "txt", "csv"}

_OFFICE_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx", "visio/": "vsdx"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def upload_limit() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Writes each uploaded file to a temporary file up to ``UPLOAD_MAX_BYTES``; past it the
    chunks are dropped and the file is marked ``too_large`` (with ``received`` bytes)."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received <= upload_limit():
            super().receive_data_chunk(raw_data, start)
        return None

    def file_complete(self, file_size: int) -> Any:
        kept = min(file_size, upload_limit())
        upload = super().file_complete(kept)
        if upload is not None:
            upload.too_large = self.received > upload_limit()
            upload.received = self.received
        return upload


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, extra={field: [message]})


def _too_large(field: str) -> ApplicationError:
    return _refuse(
        field,
        _("The file is larger than %(mb)s MB.") % {"mb": max(1, upload_limit() // (1024 * 1024))},
    )


def _pdf_ok(data: bytes) -> bool:
    """A PDF's header with its version and its end-of-file marker near the end (a file that
    only starts with ``%PDF`` is not one)."""
    return data.startswith((b"%PDF-1.", b"%PDF-2.")) and b"%%EOF" in data[-2048:]


def _image(data: bytes, fmt: str) -> bytes | None:
    """The image decoded in full and encoded again (what a viewer shows, without anything
    hidden in the file); ``None`` when it does not decode as ``fmt``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != fmt:
                return None
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.width * image.height > 40_000_000:
                return None
            out = io.BytesIO()
            if fmt == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=90)
            else:
                image.save(out, "PNG", optimize=False)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" in names:
        for prefix, ext in _OFFICE_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return ext
    return "zip"


def _text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return True


def sniff(data: bytes, name: str = "") -> tuple[str, bytes] | None:
    """The kind of ``data`` read from its content (the name only tells legacy Office files
    and text apart), and the bytes to keep (images re-encoded); ``None`` when unknown."""
    declared = os.path.splitext(name or "")[1].lower().lstrip(".")
    if data.startswith(b"%PDF"):
        return ("pdf", data) if _pdf_ok(data) else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kept = _image(data, "PNG")
        return ("png", kept) if kept is not None else None
    if data.startswith(b"\xff\xd8\xff"):
        kept = _image(data, "JPEG")
        return ("jpg", kept) if kept is not None else None
    if data.startswith(b"PK\x03\x04"):
        ext = _office(data)
        return (ext, data) if ext else None
    if data.startswith(_OLE):
        return (declared if declared in {"doc", "xls", "ppt"} else "doc", data)
    if declared in {"txt", "csv"} and _text(data):
        return declared, data
    return None


def _kinds_text(kinds: Iterable[str]) -> str:
    names = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG"}
    shown = [names[k] for k in ("pdf", "png", "jpg") if k in kinds]
    if set(kinds) - SCAN:
        shown.append(_("Office documents, ZIP or text"))
    return "、".join(shown)


def upload_read(
    upload: Any, *, kinds: Iterable[str] = SCAN, field: str = "file"
) -> tuple[bytes, str]:
    """The bytes to keep and the extension of an uploaded file, or a field error: too large
    (refused before anything is read), or not a file of ``kinds`` by its content."""
    kinds = frozenset(kinds)
    size = getattr(upload, "size", None)
    if getattr(upload, "too_large", False) or (size is not None and size > upload_limit()):
        raise _too_large(field)
    data = upload.read(upload_limit() + 1)
    if len(data) > upload_limit():
        raise _too_large(field)
    found = sniff(data, getattr(upload, "name", ""))
    if found is None or found[0] not in kinds:
        raise _refuse(
            field,
            _("This file is not a readable %(kinds)s file.") % {"kinds": _kinds_text(kinds)},
        )
    ext, kept = found
    return kept, ext


def safe_name(name: str, ext: str, *, default: str = "file") -> str:
    """A file name to store: the base of what the user's computer called it, without a
    path, control characters or anything the storage could read as one, at most 80
    characters, with the extension the content showed."""
    base = os.path.basename((name or "").replace("\\", "/"))
    stem = os.path.splitext(base)[0]
    stem = "".join(ch for ch in stem if ch.isprintable())
    try:
        stem = get_valid_filename(stem.strip(". "))
    except Exception:  # nothing usable left (SuspiciousFileOperation)
        stem = default
    return f"{stem[:80] or default}.{ext}"
