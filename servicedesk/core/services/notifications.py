"""The notification outbox (issue: notifications written with the change, delivered later)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..choices import EmailState
from ..models import Notification

if TYPE_CHECKING:
    from ..types import User

logger = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5
DELIVERY_BATCH = 20  # settings.EMAIL_DELIVERY_BATCH


def notifications_create(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    target: models.Model | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Write notifications in the caller's transaction; delivery happens after commit.

    With ``dedupe_key`` a recipient gets the notification once, however often this runs.
    """
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if dedupe_key is not None and users:
        already = Notification.objects.filter(
            dedupe_key=dedupe_key, recipient__in=list(users)
        ).values_list("recipient_id", flat=True)
        for pk in already:
            users.pop(pk, None)
    if not users:
        return []
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            target_type=target_type,
            target_id=target.pk if target is not None else None,
            dedupe_key=dedupe_key,
            email_state=EmailState.PENDING if user.email else EmailState.SKIPPED,
        )
        for user in users.values()
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=dedupe_key is not None)
    transaction.on_commit(_kick_delivery)
    return created


def _kick_delivery() -> None:
    # Best effort: if the broker is down, the periodic delivery task picks rows up later.
    from ..tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception:
        logger.warning("notification delivery not queued; beat will pick it up", exc_info=True)


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    if notification.recipient_id != by.pk:
        from django.utils.translation import gettext as _

        from ..exceptions import NotPermitted

        raise NotPermitted(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, by: User) -> int:
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_close_passed(*, target: models.Model) -> int:
    """Close the open notifications about ``target`` that announced a step it has moved
    past (the steps and their notification kinds are declared in ``core.workqueue``)."""
    from ..workqueue import waiting_steps

    steps = [s for s in waiting_steps(type(target)) if s.notifications]
    if not steps or target.pk is None:
        return 0
    mine = Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        closed_at__isnull=True,
    )
    open_kinds = set(
        mine.filter(kind__in=[k for s in steps for k in s.notifications]).values_list(
            "kind", flat=True
        )
    )
    if not open_kinds:
        return 0
    # A kind stays open while any step that announces it still waits.
    waiting = {
        k
        for s in steps
        if open_kinds & set(s.notifications) and s.still_waiting(target)
        for k in s.notifications
    }
    passed = open_kinds - waiting
    if not passed:
        return 0
    return _close(mine.filter(kind__in=passed))


def notifications_close_for_timer(*, timer_id: int) -> int:
    """A deadline met or cancelled: its warning and breach notifications are done."""
    keys = [f"sla:{timer_id}:warning", f"sla:{timer_id}:breach"]
    return _close(Notification.objects.filter(dedupe_key__in=keys, closed_at__isnull=True))


def _close(rows: models.QuerySet) -> int:
    now = timezone.now()
    return rows.update(closed_at=now, read_at=Coalesce("read_at", Value(now)))


@dataclass
class EmailRun:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    resent_uncertain: int = 0
    backlog: bool = False  # stopped on its time budget with e-mails still due


def email_delivery_batch() -> int:
    return int(getattr(settings, "EMAIL_DELIVERY_BATCH", DELIVERY_BATCH))


def email_delivery_lease() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "EMAIL_DELIVERY_LEASE", 300)))


def email_delivery_budget() -> float:
    return float(getattr(settings, "EMAIL_DELIVERY_BUDGET", 60))


def notifications_deliver(*, now: dt.datetime | None = None, batch: int | None = None) -> int:
    """Send the e-mails that are due; returns how many were sent (see ``emails_deliver``)."""
    run = emails_deliver(now=now, batch=batch)
    return run.sent + run.resent_uncertain


def emails_deliver(
    *, now: dt.datetime | None = None, batch: int | None = None, budget_s: float | None = None
) -> EmailRun:
    """Send due notification e-mails, each exactly once (docs/architecture.md §email).

    Every e-mail is one ``Notification`` row with its own state, claim, lease and attempt
    count. A small batch is claimed in a short transaction (``SKIP LOCKED``, only the
    notification rows are locked, never the users'); then, one message at a time and
    outside any transaction, the row is marked ``sending`` (committed) before the mail
    server is spoken to, the message goes out with a Message-ID that is the same on every
    attempt, and the outcome is recorded only while the claim still holds. A worker that
    dies leaves its claim to expire: rows it never started are sent by the next worker;
    the one it was sending (``sending``, lease over) is sent again with the same
    Message-ID, which the receiver's duplicate check drops.

    Stops after ``budget_s`` seconds with ``backlog`` set so the task re-queues itself
    instead of running into its time limit.
    """
    batch = batch or email_delivery_batch()
    budget = email_delivery_budget() if budget_s is None else budget_s
    began = time.monotonic()
    run = EmailRun()
    while True:
        if time.monotonic() - began > budget:
            run.backlog = _email_due(now or timezone.now())
            return run
        moment = now or timezone.now()
        rows = _email_claim(moment, batch)
        if not rows:
            return run
        run.claimed += len(rows)
        for row in rows:
            outcome = _email_send_and_record(row, now or timezone.now())
            if outcome:
                setattr(run, outcome, getattr(run, outcome) + 1)


def _email_due(now: dt.datetime) -> bool:
    return Notification.objects.filter(_email_claimable(now)).exists()


def _email_claimable(now: dt.datetime) -> Q:
    never_started = (
        Q(email_state=EmailState.PENDING)
        & (Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
        & (Q(email_lease_until__isnull=True) | Q(email_lease_until__lt=now))
    )
    # Handed to the mail server by a worker that then vanished: the outcome is unknown.
    uncertain = Q(email_state=EmailState.SENDING, email_lease_until__lt=now)
    return never_started | uncertain


def _email_claim(now: dt.datetime, batch: int) -> list[Notification]:
    claim = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_email_claimable(now))
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            email_claim=claim, email_lease_until=now + email_delivery_lease()
        )
    # Read after the commit, with the addresses: no lock on the users' rows at any time.
    return list(
        Notification.objects.filter(pk__in=ids, email_claim=claim)
        .select_related("recipient")
        .order_by("id")
    )


def email_message_id(row: Notification) -> str:
    """The same Message-ID on every attempt at one e-mail, unique across installations
    and across a database restored over one that had sent other rows with the same ids."""
    created = row.created_at.isoformat() if row.created_at else ""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"notification:{row.pk}:{created}".encode(), hashlib.sha256
    ).hexdigest()[:20]
    return f"<notification.{row.pk}.{digest}@{email_domain()}>"


def email_domain() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname or "servicedesk.localdomain"


def _email_send_and_record(row: Notification, now: dt.datetime) -> str:
    mine = Notification.objects.filter(pk=row.pk, email_claim=row.email_claim)
    if not settings.EMAIL_CONFIGURED and not getattr(settings, "EMAIL_ALWAYS_SEND", False):
        mine.update(email_state=EmailState.SKIPPED, email_lease_until=None)
        return ""
    uncertain = row.email_state == EmailState.SENDING
    # Durable before the mail server sees the message: a worker killed from here on
    # leaves a ``sending`` row, which is sent again (same Message-ID), never dropped.
    attempts = row.email_attempts + 1
    if not mine.filter(email_state=row.email_state).update(
        email_state=EmailState.SENDING,
        email_attempts=attempts,
        email_lease_until=now + email_delivery_lease(),
    ):
        return ""  # the claim expired and another worker has the row
    error = _email_send(row)
    if not error:
        mine.filter(email_state=EmailState.SENDING).update(
            email_state=EmailState.SENT,
            email_sent_at=timezone.now(),
            email_last_error="",
            email_lease_until=None,
        )
        return "resent_uncertain" if uncertain else "sent"
    if attempts >= MAX_EMAIL_ATTEMPTS:
        mine.update(
            email_state=EmailState.FAILED, email_last_error=error[:2000], email_lease_until=None
        )
        return "failed"
    mine.update(
        email_state=EmailState.PENDING,
        email_last_error=error[:2000],
        email_lease_until=None,
        email_next_attempt_at=now + dt.timedelta(minutes=2**attempts),
    )
    return "retrying"


def _email_send(row: Notification) -> str:
    """Hand one message to the mail server; the error in words, or "" when it was taken."""
    link = f"{settings.SITE_URL}{row.url}" if row.url.startswith("/") else row.url
    mail = EmailMessage(
        subject=row.title,
        body=f"{row.body}\n\n{link}".strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient.email],
        headers={"Message-ID": email_message_id(row)},
    )
    try:
        mail.send()
    except Exception as exc:  # any SMTP or socket failure is retried
        return f"{type(exc).__name__}: {exc}"[:2000]
    return ""
