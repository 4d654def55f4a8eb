"""Uploads (docs/architecture.md §uploads): the size limit kept while streaming, the type
read from the content, images re-encoded, names made safe."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from PIL import Image

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.uploads import DOCUMENT, SCAN, safe_name, sniff, upload_read

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\nstartxref\n0\n%%EOF\n"


def png(exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (40, 20), (200, 30, 30))
    if exif:
        info = Image.Exif()
        info[0x010E] = "GPS 31.2304,121.4737 and a hidden note"
        image.save(out, "PNG", exif=info)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def test_a_file_that_only_starts_like_a_pdf_is_refused():
    with pytest.raises(ApplicationError) as refused:
        upload_read(SimpleUploadedFile("x.pdf", b"%PDF-1.4 then anything at all"), kinds=SCAN)
    assert "file" in refused.value.extra
    data, ext = upload_read(SimpleUploadedFile("x.pdf", PDF), kinds=SCAN)
    assert (data, ext) == (PDF, "pdf")


def test_images_are_decoded_and_encoded_again():
    broken = png()[:40] + b"\x00" * 200
    with pytest.raises(ApplicationError):
        upload_read(SimpleUploadedFile("scan.png", broken), kinds=SCAN)
    raw = png(exif=True)
    assert b"hidden note" in raw
    data, ext = upload_read(SimpleUploadedFile("scan.png", raw), kinds=SCAN)
    assert ext == "png" and b"hidden note" not in data
    assert Image.open(io.BytesIO(data)).size == (40, 20)


def test_the_name_says_nothing_about_the_type():
    """An executable renamed .pdf is refused; an Office document is known by its parts."""
    with pytest.raises(ApplicationError):
        upload_read(SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100), kinds=DOCUMENT)
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff(out.getvalue(), "anything.bin")[0] == "docx"
    with pytest.raises(ApplicationError):  # a document is not a signed scan
        upload_read(SimpleUploadedFile("x.docx", out.getvalue()), kinds=SCAN)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\王\\验收报告 v2.pdf", "验收报告_v2.pdf"),
        ("\x00\x1b[31m.pdf", "31m.pdf"),
        ("%%%.pdf", "file.pdf"),
        ("", "file.pdf"),
        ("a" * 300 + ".pdf", "a" * 80 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(name, expected):
    assert safe_name(name, "pdf") == expected


def test_the_size_limit_is_kept_while_the_upload_streams_in(settings):
    """A multipart upload four times the limit: the handler keeps at most the limit, marks
    the file too large, and the service refuses it without reading it into memory."""
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    body = PDF[:-7] + b"0" * (8 * 1024 * 1024) + b"\n%%EOF\n"
    request = RequestFactory().post(
        "/upload/", {"file": SimpleUploadedFile("big.pdf", body, "application/pdf")}
    )
    del body
    tracemalloc.start()
    try:
        upload = request.FILES["file"]
        with pytest.raises(ApplicationError) as refused:
            upload_read(upload, kinds=SCAN)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert upload.too_large and upload.received > settings.UPLOAD_MAX_BYTES
    assert upload.size <= settings.UPLOAD_MAX_BYTES
    assert "2 MB" in str(refused.value.extra["file"][0])
    assert peak < 1024 * 1024, peak  # chunks of 64 KB pass through; nothing is held
