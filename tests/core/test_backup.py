"""Backup and restore of the database and the media files; signed documents still verify
against their fingerprints afterwards, whichever storage holds them."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from PIL import Image, ImageDraw

from servicedesk.core.choices import Role
from servicedesk.core.models import Signature
from servicedesk.core.services.backup import (
    media_dump,
    media_load,
    signatures_verify_stored,
)
from servicedesk.core.services.signatures import signature_record, signatures_verify
from tests.testapp.models import Job


def drawn() -> str:
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(img).line([(10, 80), (60, 20), (110, 90), (280, 70)], fill="navy", width=5)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def sign_two(by) -> list[Signature]:
    # The engineer's box is signed by the job's owner himself; the customer's by name.
    # The files are written once the signatures commit (docs/architecture.md §signatures).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return _sign_two(by)


def _sign_two(by) -> list[Signature]:
    job = Job.objects.create(title="服务器巡检", owner=by)
    first = signature_record(
        target=job,
        form="job_sheet",
        signer_name="李明",
        signer_role="customer",
        by=by,
        image=drawn(),
    )
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n% signed on paper\n%%EOF\n")
    second = signature_record(
        target=job, form="job_sheet", signer_role="engineer", by=by, file=scan
    )
    return [first, second]


@pytest.mark.django_db
@pytest.mark.urls("tests.testapp.urls")
def test_fingerprints_verify_in_any_storage_and_survive_a_move_between_stores(
    make_user, settings, tmp_path
):
    """Signed in an in-memory store (standing in for an object store), archived, put back
    into a folder: every fingerprint still verifies; a changed byte is found."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    signatures = sign_two(make_user(Role.SERVICE_MANAGER))
    check = signatures_verify_stored()
    assert (check.checked, check.problems) == (2, [])
    files = media_dump(tmp_path / "media.tar.gz")
    assert len(files) == 4  # two signature files, two signed PDFs

    settings.MEDIA_ROOT = tmp_path / "restored"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    assert media_load(tmp_path / "media.tar.gz", files) == 4
    assert signatures_verify_stored().ok
    pdf = Path(settings.MEDIA_ROOT, signatures[1].signed_pdf.name)
    assert [s.pk for s in signatures_verify(data=pdf.read_bytes())] == [signatures[1].pk]
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF "))
    check = signatures_verify_stored()
    assert len(check.problems) == 1
    assert f"signature {signatures[1].pk}" in check.problems[0]


def test_s3_media_storage_is_configured_from_the_environment():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings.local",
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "desk-media",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "S3_ACCESS_KEY_ID": "key",
        "S3_SECRET_ACCESS_KEY": "secret",
    }
    code = (
        "import django; django.setup()\n"
        "from django.core.files.storage import storages\n"
        "s = storages['default']\n"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.default_acl, s.file_overwrite)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "desk-media",
        "http://127.0.0.1:9000",
        "private",
        "False",
    ]


def _url(name: str) -> str:
    from tests.core.test_sweep_concurrency import database_url

    base = database_url()
    return base[: base.rindex("/") + 1] + name


@pytest.fixture
def restore_target(tmp_path):
    """A new, empty database of the same kind as the test database."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg2

    name = f"{connection.settings_dict['NAME']}_restore"
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url(name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def manage(database_url: str, media: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings.local",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "LANGUAGE_CODE": "en",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.testapp.urls")
def test_backup_restores_into_a_fresh_database_and_the_signed_documents_verify(
    make_user, tmp_path, restore_target
):
    signatures = sign_two(make_user(Role.SERVICE_MANAGER))
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in folder.iterdir()} >= {"manifest.json", "media.tar.gz"}

    media = tmp_path / "restored-media"
    restored = manage(restore_target, media, "restore", str(folder))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "2" in restored.stdout
    verified = manage(restore_target, media, "verify_signatures")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The restored rows are the signed ones, and the restored PDFs are byte-identical.
    for sig in signatures:
        copy = media / sig.signed_pdf.name
        assert copy.read_bytes() == Path(settings.MEDIA_ROOT, sig.signed_pdf.name).read_bytes()

    # A damaged file is reported, by signature, and the command fails.
    damaged = media / signatures[0].signed_pdf.name
    damaged.write_bytes(damaged.read_bytes() + b"\n")
    verified = manage(restore_target, media, "verify_signatures")
    assert verified.returncode != 0
    assert str(signatures[0].pk) in verified.stderr

    # Never over an existing database.
    again = manage(restore_target, tmp_path / "other-media", "restore", str(folder))
    assert again.returncode != 0
