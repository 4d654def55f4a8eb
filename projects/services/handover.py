"""The hand-over book (工作交接书, docs/domain.md §project.handover): versions, both people
acknowledge, the receiver inherits every running deadline; credentials encrypted at rest
and revealed to members only after they re-enter their password, every reveal logged."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.choices import TimerState
from servicedesk.core.exceptions import NotPermitted, raise_field_errors
from servicedesk.core.models import SlaTimer
from servicedesk.core.people import display_name
from servicedesk.core.services import event_record, notifications_create, transition_run
from servicedesk.core.services.files import file_attach_after_commit
from servicedesk.core.services.history import save_with_history
from servicedesk.core.services.timers import timer_assign
from servicedesk.core.services.transitions import lock

from .. import crypto
from ..models import (
    Credential,
    CredentialReveal,
    HandoverBook,
    HandoverVersion,
    Project,
    is_member,
)

logger = logging.getLogger(__name__)

OPEN_TIMER_STATES = [TimerState.RUNNING, TimerState.PAUSED]

if TYPE_CHECKING:
    from servicedesk.core.types import User


def open_problems(customer: Any) -> list[dict[str, Any]]:
    """Every open defect and requirement of the customer with number, title and deadline,
    as the defects app lists them (docs/architecture.md §apps.calls)."""
    from defects.selectors import open_items_for_customer

    return [
        {
            "kind": item.kind,
            "number": item.number,
            "title": item.title,
            "state": item.state_display,
            "deadline": timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M")
            if item.due_at
            else "",
        }
        for item in open_items_for_customer(customer)
    ]


def _handover_input_check(*, by: User, receiver: User | None, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if receiver is None or receiver.pk == by.pk:
        errors["receiver"] = [_("Choose who takes over.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Why is the work handed over (leaving, leave)?")]
    raise_field_errors(errors)


def _carried(last: HandoverVersion | None, field: str, value: str) -> str:
    """The value written now, or the previous version's."""
    return (value or (getattr(last, field) if last is not None else "")).strip()


def handover_write(
    project: Project,
    *,
    by: User,
    receiver: Any,
    reason: str,
    customer_info: str = "",
    system_config: str = "",
    implementation_records: str = "",
    network_diagram: Any = None,
) -> HandoverVersion:
    """A new version of the project's book, written by the person handing over; what is
    left blank is carried over from the previous version."""
    _handover_input_check(by=by, receiver=receiver, reason=reason)
    with transaction.atomic():
        project = lock(project)
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members hand its work over."))
        book, _created = HandoverBook.objects.get_or_create(
            project=project, defaults={"customer": project.customer}
        )
        last = book.versions.order_by("-number").first()
        version = HandoverVersion(
            book=book,
            number=(last.number + 1) if last else 1,
            giver=by,
            receiver=receiver,
            reason=reason.strip(),
            customer_info=_carried(last, "customer_info", customer_info),
            system_config=_carried(last, "system_config", system_config),
            implementation_records=_carried(last, "implementation_records", implementation_records),
            open_problems=open_problems(project.customer),
        )
        if network_diagram is None and last is not None and last.network_diagram:
            version.network_diagram = last.network_diagram.name
        save_with_history(version, by=by, reason="written")
        if network_diagram is not None:
            file_attach_after_commit(version, "network_diagram", network_diagram)
        event_record(
            kind="project.handover_written",
            target=project,
            actor=by,
            data={"version": version.number, "receiver": display_name(receiver)},
        )
    return version


def handover_give(version: HandoverVersion, *, by: User) -> HandoverVersion:
    with transaction.atomic():
        version = transition_run(instance=version, name="give", by=by, update_fields=["given_at"])
        notifications_create(
            recipients=[version.receiver],
            kind="handover",
            title=_("Work handed over to you: %(project)s") % {"project": version.book},
            url=version.get_absolute_url(),
            target=version,
        )
    return version


def _inherited_timers(version: HandoverVersion) -> list[SlaTimer]:
    """The giver's running deadlines on the project, its stages and logs, and on the
    customer's open defects and requirements."""
    project = version.book.project
    subjects: list[tuple[int, list[int]]] = []
    if project is not None:
        subjects.append((ContentType.objects.get_for_model(Project).pk, [project.pk]))
        from ..models import DailyLog, Stage

        subjects.append(
            (
                ContentType.objects.get_for_model(Stage).pk,
                list(project.stages.values_list("pk", flat=True)),
            )
        )
        subjects.append(
            (
                ContentType.objects.get_for_model(DailyLog).pk,
                list(project.logs.values_list("pk", flat=True)),
            )
        )
    from django.db.models import Q

    from defects.selectors import problem_subjects

    numbers: dict[str, list[str]] = {"defect": [], "requirement": []}
    for row in version.open_problems:
        numbers.setdefault(row["kind"], []).append(row["number"])
    subjects.extend(problem_subjects(numbers))
    condition = Q(pk__in=[])
    for ct, ids in subjects:
        if ids:
            condition |= Q(subject_type_id=ct, subject_id__in=ids)
    return list(
        SlaTimer.objects.filter(condition)
        .filter(assignee=version.giver, state__in=[*OPEN_TIMER_STATES, TimerState.BREACHED])
        .filter(met_at__isnull=True)
        .select_related("subject_type")
        .order_by("due_at")
    )


def handover_receive(version: HandoverVersion, *, by: User) -> HandoverVersion:
    """The receiver acknowledges: they take the giver's place on the project and become the
    owner of every running deadline they inherit, each named in their notification."""
    with transaction.atomic():
        version = transition_run(
            instance=version, name="receive", by=by, update_fields=["received_at"]
        )
        project = version.book.project
        if project is not None:
            project = lock(project)
            if project.project_manager_id == version.giver_id:
                project.project_manager = version.receiver
                save_with_history(project, by=by, reason="handed over", fields=["project_manager"])
            elif project.consultants.filter(pk=version.giver_id).exists():
                project.consultants.remove(version.giver)
                project.consultants.add(version.receiver)
        timers = _inherited_timers(version)
        lines = []
        for timer in timers:
            subject = timer.subject_type.get_object_for_this_type(pk=timer.subject_id)
            timer_assign(subject=subject, target=timer.target, assignee=version.receiver)
            lines.append(f"· {subject} — {timezone.localtime(timer.due_at):%Y-%m-%d %H:%M}")
        notifications_create(
            recipients=[version.receiver],
            kind="handover_deadlines",
            title=_("You now own %(n)s running deadlines from %(giver)s")
            % {"n": len(timers), "giver": display_name(version.giver)},
            body="\n".join(lines),
            url=version.get_absolute_url(),
            target=version,
        )
    return version


# -- credentials ---------------------------------------------------------------------------


def credential_save(
    project: Project, *, by: User, system: str, username: str, secret: str, note: str = ""
) -> Credential:
    errors: dict[str, list[str]] = {}
    if not (system or "").strip():
        errors["system"] = [_("Which system is the account for?")]
    if not (username or "").strip():
        errors["username"] = [_("Give the account name.")]
    if not secret:
        errors["secret"] = [_("Give the password.")]
    raise_field_errors(errors)
    with transaction.atomic():
        project = lock(project)
        if not is_member(project, by):
            raise NotPermitted(_("Only the project's members keep its credentials."))
        book, _created = HandoverBook.objects.get_or_create(
            project=project, defaults={"customer": project.customer}
        )
        credential = Credential(
            book=book,
            system=system.strip()[:120],
            username=username.strip()[:120],
            secret_encrypted=crypto.encrypt(secret),
            note=(note or "").strip()[:200],
            created_by=by,
        )
        save_with_history(credential, by=by, reason="credential saved")
    return credential


def credential_reveal(
    credential: Credential, *, by: User, password: str, ip_address: str | None = None
) -> str:
    """The secret, for a member of the project who re-entered their password; logged."""
    project = credential.book.project
    if (
        project is None
        or not by.has_perm("projects.reveal_credential")
        or not is_member(project, by)
    ):
        raise NotPermitted(_("Only the project's members may see its credentials."))
    if not password or not by.check_password(password):
        raise_field_errors({"password": [_("The password is not correct.")]})
    with transaction.atomic():
        CredentialReveal.objects.create(credential=credential, user=by, ip_address=ip_address)
        event_record(
            kind="project.credential_revealed",
            target=project,
            actor=by,
            data={"credential": credential.pk, "system": credential.system},
        )
    logger.info("credential %s revealed to user %s", credential.pk, by.pk)
    return crypto.decrypt(credential.secret_encrypted)


def credentials_rotate() -> int:
    """Re-encrypt every credential with the first key (after adding a new one)."""
    count = 0
    with transaction.atomic():
        for credential in Credential.objects.select_for_update():
            credential.secret_encrypted = crypto.rotate(credential.secret_encrypted)
            save_with_history(
                credential, by=None, reason="key rotated", fields=["secret_encrypted"]
            )
            count += 1
    return count
