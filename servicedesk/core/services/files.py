"""Uploaded files written once the record they belong to is committed
(docs/architecture.md §files).

A file written inside the transaction stays on disk when the transaction rolls back, with
no row pointing at it; written after the commit, a rollback leaves nothing behind. The
upload is read into memory first (uploads are size-limited), so the request's temporary
file may be gone by the time the callback runs.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import models

from . import events


def file_attach_after_commit(instance: models.Model, field: str, upload: Any) -> None:
    """Store ``upload`` (an uploaded file or bytes with a ``name``) in ``instance.<field>``
    once the current transaction commits; ``instance`` must be saved in it. The row is
    updated without a history entry: the event or transition that filed it says so."""
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    name = getattr(upload, "name", "") or field

    def write() -> None:
        field_file = getattr(instance, field)
        field_file.save(name.rsplit("/", 1)[-1], ContentFile(data), save=False)
        type(instance)._base_manager.filter(pk=instance.pk).update(**{field: field_file.name})

    events.after_commit(write)  # the module attribute: tests emulate the commit there
