"""Printed forms and signatures through the API (docs/api.md §forms)."""

import base64
import hashlib
import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from servicedesk.core.models import DomainEvent, Signature
from tests.conftest import missing
from tests.testapp.models import Job

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


def squiggle_png() -> bytes:
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.line(
        [(10, 80), (60, 20), (110, 90), (170, 30), (280, 70)], fill=(20, 40, 160, 255), width=5
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def data_url(raw: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(raw).decode()


@pytest.fixture
def client(make_user):
    from django.contrib.auth.models import Permission

    user = make_user(Role.SERVICE_MANAGER)
    user.user_permissions.add(Permission.objects.get(codename="view_job"))
    api = APIClient()
    api.force_authenticate(user)
    api.user = user
    return api


def test_forms_list_and_pdf(client):
    job = Job.objects.create(title="服务器巡检")
    forms = client.get(f"/api/v1/jobs/{job.pk}/forms/").json()
    assert [f["code"] for f in forms] == ["job_sheet"]
    response = client.get(f"/api/v1/jobs/{job.pk}/forms/job_sheet/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"FontFile2" in response.content
    assert client.get(f"/api/v1/jobs/{job.pk}/forms/nope/").status_code == 404


def test_drawn_signature_is_recorded_with_fingerprints(client, django_capture_on_commit_callbacks):
    job = Job.objects.create(title="服务器巡检")
    raw = squiggle_png()
    # The files are written once the signature commits (docs/architecture.md §signatures).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/jobs/{job.pk}/signatures/",
            {
                "form": "job_sheet",
                "signer_name": "李明",
                "signer_role": "customer",
                "image": data_url(raw),
            },
            format="json",
            REMOTE_ADDR="10.1.2.3",
            HTTP_USER_AGENT="Tablet/1.0",
        )
    assert response.status_code == 201, response.content
    sig = Signature.objects.get()
    assert sig.file_sha256 == hashlib.sha256(raw).hexdigest()
    assert len(sig.content_sha256) == 64
    assert sig.ip_address == "10.1.2.3" and sig.user_agent == "Tablet/1.0"
    assert sig.recorded_by == client.user
    with sig.signed_pdf.open("rb") as fh:
        signed = fh.read()
    assert hashlib.sha256(signed).hexdigest() == sig.signed_pdf_sha256
    assert DomainEvent.objects.filter(kind="form.signed").count() == 1
    # The PDF served now is the signed one, byte for byte.
    again = client.get(f"/api/v1/jobs/{job.pk}/forms/job_sheet/").content
    assert again == signed


def test_scan_upload_marks_the_form_signed(client):
    job = Job.objects.create(title="服务器巡检")
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 scanned form\n%%EOF\n", "application/pdf")
    response = client.post(
        f"/api/v1/jobs/{job.pk}/signatures/",
        {"form": "job_sheet", "signer_name": "李明", "signer_role": "客户签字", "file": scan},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    sig = Signature.objects.get()
    assert sig.method == "scan"
    assert sig.file_sha256 == hashlib.sha256(b"%PDF-1.4 scanned form\n%%EOF\n").hexdigest()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "form": "job_sheet",
                "signer_name": "李明",
                "signer_role": "customer",
                "image": "data:image/png;base64,!!!",
            },
            "image",
        ),
        (
            {
                "form": "job_sheet",
                "signer_name": "",
                "signer_role": "customer",
                "image": "data:image/png;base64,AAAA",
            },
            "signer_name",
        ),
        (
            {
                "form": "nope",
                "signer_name": "李明",
                "signer_role": "customer",
                "image": "data:image/png;base64,AAAA",
            },
            "form",
        ),
        ({"form": "job_sheet", "signer_name": "李明", "signer_role": "customer"}, "image"),
        (
            {
                "form": "job_sheet",
                "signer_name": "李明",
                "signer_role": "customer",
                "image": "data:image/jpeg;base64,AAAA",
            },
            "image",
        ),
    ],
)
def test_bad_signature_input_is_400_with_field_errors(client, payload, field):
    job = Job.objects.create(title="x")
    response = client.post(f"/api/v1/jobs/{job.pk}/signatures/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Signature.objects.count() == 0


def test_scan_of_wrong_type_is_refused(client):
    job = Job.objects.create(title="x")
    response = client.post(
        f"/api/v1/jobs/{job.pk}/signatures/",
        {
            "form": "job_sheet",
            "signer_name": "李明",
            "signer_role": "customer",
            "file": SimpleUploadedFile("evil.exe", b"MZ\x90\x00", "application/octet-stream"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()


def test_verification_page_tells_matching_and_tampered_pdfs(
    client, django_capture_on_commit_callbacks
):
    from django.test import Client

    job = Job.objects.create(title="服务器巡检")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/jobs/{job.pk}/signatures/",
            {
                "form": "job_sheet",
                "signer_name": "李明",
                "signer_role": "customer",
                "image": data_url(squiggle_png()),
            },
            format="json",
        )
    sig = Signature.objects.get()
    with sig.signed_pdf.open("rb") as fh:
        signed = fh.read()
    public = Client()  # customers scanning the QR code are not logged in
    url = f"/verify/{sig.verify_token}/"
    assert "李明" in public.get(url).content.decode()
    ok = public.post(url, {"file": SimpleUploadedFile("a.pdf", signed, "application/pdf")})
    assert 'data-testid="verify-ok"' in ok.content.decode()
    tampered = signed.replace(b"JOB-", b"JOX-", 1)
    bad = public.post(url, {"file": SimpleUploadedFile("b.pdf", tampered, "application/pdf")})
    assert 'data-testid="verify-bad"' in bad.content.decode()


def test_sample_form_renders_chinese_qr_and_signature_to_png(
    client, tmp_path, settings, django_capture_on_commit_callbacks
):
    """Done-when of the platform issue: a printed form as PNG shows Chinese, QR, signature."""
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        missing("pdftoppm/pdftotext (poppler-utils) are not installed")
    job = Job.objects.create(title="服务器巡检", note="机房温度正常")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/jobs/{job.pk}/signatures/",
            {
                "form": "job_sheet",
                "signer_name": "李明",
                "signer_role": "customer",
                "image": data_url(squiggle_png()),
            },
            format="json",
        )
    pdf = client.get(f"/api/v1/jobs/{job.pk}/forms/job_sheet/").content
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    assert "作业单".encode() in text and "服务器巡检".encode() in text
    assert "李明".encode() in text and b"SHA-256" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
        check=True,
    )
    png = next(tmp_path.glob("page*.png"))
    shutil.copy(png, settings.BASE_DIR / "var" / "sample-form.png")
    image = Image.open(png).convert("RGB")
    width, height = image.size
    # QR code: a dense block of dark pixels in the top-right corner.
    corner = image.crop((int(width * 0.75), 0, width, int(height * 0.15))).convert("L")
    dark = sum(corner.histogram()[:80])
    assert dark > 200
    # The drawn signature's blue ink appears somewhere on the page.
    raw = image.tobytes()
    pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
    blue = sum(1 for r, g, b in pixels if b > 120 and r < 90 and g < 110)
    assert blue > 20
