"""Uploaded files written once the record they belong to is committed
(docs/architecture.md §files).

A file written inside the transaction stays on disk when the transaction rolls back, with
no row pointing at it; written after the commit, a rollback leaves nothing behind. The
upload is read into memory first (uploads are size-limited), so the request's temporary
file may be gone by the time the callback runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import models

from ..uploads import DOCUMENT, safe_name, upload_read
from . import events


def file_attach_after_commit(
    instance: models.Model, field: str, upload: Any, *, kinds: Iterable[str] = DOCUMENT
) -> None:
    """Store ``upload`` in ``instance.<field>`` once the current transaction commits;
    ``instance`` must be saved in it. The upload is checked first (size, type by content:
    a field error on ``field`` otherwise; docs/architecture.md §uploads). The row is updated
    without a history entry: the event or transition that filed it says so."""
    data, ext = upload_read(upload, kinds=kinds, field=field)
    name = safe_name(getattr(upload, "name", ""), ext, default=field)

    def write() -> None:
        field_file = getattr(instance, field)
        field_file.save(name, ContentFile(data), save=False)
        type(instance)._base_manager.filter(pk=instance.pk).update(**{field: field_file.name})

    events.after_commit(write)  # the module attribute: tests emulate the commit there
