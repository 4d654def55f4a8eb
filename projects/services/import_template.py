"""The data-import template handed to the customer (docs/domain.md
§project.import-template): recorded with who handed it, when, to which of the customer's
contacts and the file itself, audited in words."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotPermitted, TransitionConflict, raise_field_errors
from servicedesk.core.services import event_record
from servicedesk.core.services.files import file_attach_after_commit
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.transitions import lock

from ..choices import ProjectState
from ..models import ImportTemplateHandover, Project, is_member

if TYPE_CHECKING:
    from servicedesk.core.types import User

#: a template is handed while the project is planned or carried out
TEMPLATE_STATES = {
    ProjectState.PLANNING,
    ProjectState.READY,
    ProjectState.IN_PROGRESS,
    ProjectState.PAUSED,
}
#: how far in the future a hand-over time may lie (clock skew of the browser)
FUTURE_SLACK = dt.timedelta(minutes=5)


def _input_errors(project: Project, contact: Any, file: Any, handed_at: Any) -> dict:
    errors: dict[str, list[str]] = {}
    if contact is None or contact.customer_id != project.customer_id:
        errors["contact"] = [_("Choose a contact of this project's customer.")]
    if file is None:
        errors["file"] = [_("Choose the template file that was handed over.")]
    elif file.size > settings.UPLOAD_MAX_BYTES:
        errors["file"] = [
            _("The file is larger than %(mb)s MB.")
            % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        ]
    if handed_at is not None and handed_at > timezone.now() + FUTURE_SLACK:
        errors["handed_at"] = [_("The hand-over cannot be in the future.")]
    return errors


def import_template_hand(
    project: Project,
    *,
    by: User,
    contact: Any,
    file: Any,
    handed_at: dt.datetime | None = None,
    note: str = "",
) -> ImportTemplateHandover:
    """Record that ``by`` handed the data-import template ``file`` to ``contact``."""
    raise_field_errors(_input_errors(project, contact, file, handed_at))
    with transaction.atomic():
        project = lock(project)
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members hand over its templates."))
        if project.state not in TEMPLATE_STATES:
            raise TransitionConflict(
                _("A template is handed over while the project is planned or carried out.")
            )
        handover = ImportTemplateHandover(
            project=project,
            contact=contact,
            handed_by=by,
            handed_at=handed_at or timezone.now(),
            note=(note or "").strip()[:200],
        )
        save_with_history(handover, by=by, reason="import template handed")
        # the file is written once the row is committed (docs/architecture.md §files)
        file_attach_after_commit(handover, "file", file)
        file_name = (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
        event_record(
            kind="project.import_template_handed",
            target=project,
            actor=by,
            data={
                "template": handover.pk,
                "note": _("%(file)s handed to %(contact)s on %(when)s")
                % {
                    "file": file_name,
                    "contact": contact.name,
                    "when": timezone.localtime(handover.handed_at).strftime("%Y-%m-%d %H:%M"),
                },
            },
        )
    return handover
