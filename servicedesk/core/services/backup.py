"""Backup and restore of the database and the media files, and the check that every
signed document still matches its fingerprint (README "Backup and restore").

A backup is a folder ``servicedesk-<time>/`` with ``database.pgdump`` (PostgreSQL,
``pg_dump`` custom format) or ``database.sqlite3``, ``media.tar.gz`` (every file of the
media storage, whichever storage it is) and ``manifest.json`` (SHA-256 of each).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import ApplicationError
from ..models import Signature

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
FORMAT = 1
CHUNK = 1024 * 1024


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as fh:
        return fh.read()


def storage_walk(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage`` (any backend: listdir, never a local path)."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(dirs):
        yield from storage_walk(storage, f"{folder}/{name}" if folder else name)


# --- the database ---------------------------------------------------------------------


def _pg_env_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args


def _run(cmd: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise ApplicationError(
            _("%(program)s is not installed (Debian: apt-get install postgresql-client).")
            % {"program": cmd[0]}
        ) from exc
    if result.returncode != 0:
        raise ApplicationError(
            _("%(program)s failed: %(error)s")
            % {"program": cmd[0], "error": (result.stderr or result.stdout).strip()[-2000:]}
        )


def database_dump(folder: Path) -> Path:
    if connection.vendor == "postgresql":
        target = folder / "database.pgdump"
        env, args = _pg_env_args()
        _run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                str(connection.settings_dict["NAME"]),
            ],
            env,
        )
        return target
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        out = sqlite3.connect(target)
        try:
            connection.connection.backup(out)
        finally:
            out.close()
        return target
    raise ApplicationError(_("Backups support PostgreSQL and SQLite only."))


def _database_is_empty() -> bool:
    return not connection.introspection.table_names()


def database_load(dump: Path) -> None:
    """Load a dump into the configured database, which must be new and empty."""
    if not _database_is_empty():
        raise ApplicationError(
            _(
                "The database %(name)s already has tables: restore into a new, empty "
                "database (createdb) and point DATABASE_URL at it."
            )
            % {"name": connection.settings_dict["NAME"]}
        )
    if dump.suffix == ".pgdump":
        if connection.vendor != "postgresql":
            raise ApplicationError(_("This backup is of PostgreSQL: set DATABASE_URL to one."))
        env, args = _pg_env_args()
        _run(
            [
                "pg_restore",
                *args,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(dump),
            ],
            env,
        )
    elif dump.suffix == ".sqlite3":
        if connection.vendor != "sqlite":
            raise ApplicationError(_("This backup is of SQLite: set DATABASE_URL to a file."))
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise ApplicationError(_("Unknown database dump %(name)s.") % {"name": dump.name})
    connection.close()


# --- the media files --------------------------------------------------------------------


def media_dump(target: Path, storage: Storage | None = None) -> dict[str, str]:
    """Archive every media file; returns {name: sha256}."""
    storage = storage or default_storage
    files: dict[str, str] = {}
    with tarfile.open(target, "w:gz") as tar:
        for name in storage_walk(storage):
            data = _read(storage, name)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            files[name] = hashlib.sha256(data).hexdigest()
    return files


def media_load(archive: Path, expected: dict[str, str], storage: Storage | None = None) -> int:
    """Put every archived file back under its own name; returns the number written."""
    storage = storage or default_storage
    written = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or member.name.startswith("/") or ".." in member.name:
                raise ApplicationError(
                    _("Unexpected entry %(name)s in the media archive.") % {"name": member.name}
                )
            handle = tar.extractfile(member)
            assert handle is not None  # a regular file (isfile above)
            data = handle.read()
            digest = hashlib.sha256(data).hexdigest()
            if expected.get(member.name) != digest:
                raise ApplicationError(
                    _("%(name)s in the media archive does not match the manifest.")
                    % {"name": member.name}
                )
            if storage.exists(member.name):
                if hashlib.sha256(_read(storage, member.name)).hexdigest() == digest:
                    continue
                raise ApplicationError(
                    _("%(name)s already exists in the media storage with other content.")
                    % {"name": member.name}
                )
            saved = storage.save(member.name, ContentFile(data))
            if saved != member.name:
                raise ApplicationError(
                    _("The media storage renamed %(name)s; restore into an empty storage.")
                    % {"name": member.name}
                )
            written += 1
    return written


# --- backup, restore, verification ------------------------------------------------------


def backup_create(output: Path) -> Path:
    """Write a new backup folder under ``output``; returns it."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    folder = Path(output) / f"servicedesk-{stamp}"
    folder.mkdir(parents=True, exist_ok=False)
    try:
        dump = database_dump(folder)
        files = media_dump(folder / MEDIA_ARCHIVE)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {
            "vendor": connection.vendor,
            "file": dump.name,
            "sha256": _sha256_file(dump),
        },
        "media": {
            "file": MEDIA_ARCHIVE,
            "sha256": _sha256_file(folder / MEDIA_ARCHIVE),
            "files": files,
        },
        "signatures": Signature.objects.count(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return folder


def backup_read(folder: Path) -> dict:
    """The manifest of a backup folder, after checking its files' SHA-256."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ApplicationError(
            _("%(folder)s is not a backup (no readable manifest.json).") % {"folder": folder}
        ) from exc
    for part in ("database", "media"):
        path = folder / manifest[part]["file"]
        if not path.is_file() or _sha256_file(path) != manifest[part]["sha256"]:
            raise ApplicationError(
                _("%(file)s is missing or damaged.") % {"file": manifest[part]["file"]}
            )
    return manifest


@dataclass
class RestoreResult:
    media_files: int
    verification: SignatureCheck


def backup_restore(folder: Path) -> RestoreResult:
    """Load a backup into the configured (empty) database and media storage, then check
    every signed document against its fingerprint."""
    folder = Path(folder)
    manifest = backup_read(folder)
    database_load(folder / manifest["database"]["file"])
    written = media_load(folder / manifest["media"]["file"], manifest["media"]["files"])
    return RestoreResult(media_files=written, verification=signatures_verify_stored())


@dataclass
class SignatureCheck:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def signatures_verify_stored(storage: Storage | None = None) -> SignatureCheck:
    """Every signature's stored files still have the SHA-256 recorded when it was signed,
    and the verification page still recognises each signed PDF. Reads through the media
    storage only (a folder, NFS or an object store alike)."""
    from .signatures import signatures_verify

    result = SignatureCheck()
    for sig in Signature.objects.order_by("pk"):
        result.checked += 1
        label = _("signature %(id)s (%(signer)s, %(form)s)") % {
            "id": sig.pk,
            "signer": sig.signer_name,
            "form": sig.form,
        }
        drawn_or_scan = sig.image or sig.scan
        checks = [(drawn_or_scan, sig.file_sha256)]
        if sig.signed_pdf_sha256:
            checks.append((sig.signed_pdf, sig.signed_pdf_sha256))
        for field_file, expected in checks:
            if not field_file.name:  # what ``not field_file`` tests
                result.problems.append(_("%(label)s: the file is not recorded.") % {"label": label})
                continue
            store = storage or field_file.storage
            try:
                data = _read(store, field_file.name)
            except (FileNotFoundError, OSError):
                result.problems.append(
                    _("%(label)s: %(name)s is missing.") % {"label": label, "name": field_file.name}
                )
                continue
            if hashlib.sha256(data).hexdigest() != expected:
                result.problems.append(
                    _("%(label)s: %(name)s does not match its fingerprint.")
                    % {"label": label, "name": field_file.name}
                )
            elif field_file.name == sig.signed_pdf.name and sig.pk not in {
                s.pk for s in signatures_verify(data=data)
            }:
                result.problems.append(
                    _("%(label)s: the verification page does not recognise the signed PDF.")
                    % {"label": label}
                )
    return result
