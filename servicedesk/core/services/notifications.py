"""The notification outbox (issue: notifications written with the change, delivered later)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
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
DELIVERY_BATCH = 200


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


def notifications_deliver(*, now: dt.datetime | None = None, batch: int = DELIVERY_BATCH) -> int:
    """Send pending e-mails; rows are locked so two workers never send one twice."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(email_state=EmailState.PENDING)
                .filter(Q(email_next_attempt_at__isnull=True) | Q(email_next_attempt_at__lte=now))
                .order_by("id")[:batch]
            )
            if not rows:
                return sent
            for row in rows:
                _deliver_one(row, now)
                sent += row.email_state == EmailState.SENT
            Notification.objects.bulk_update(
                rows,
                ["email_state", "email_attempts", "email_next_attempt_at", "email_last_error"],
            )
        if len(rows) < batch:
            return sent


def _deliver_one(row: Notification, now: dt.datetime) -> None:
    if not settings.EMAIL_CONFIGURED and not getattr(settings, "EMAIL_ALWAYS_SEND", False):
        row.email_state = EmailState.SKIPPED
        return
    link = f"{settings.SITE_URL}{row.url}" if row.url.startswith("/") else row.url
    try:
        send_mail(
            subject=row.title,
            message=f"{row.body}\n\n{link}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[row.recipient.email],
        )
    except Exception as exc:
        row.email_attempts += 1
        row.email_last_error = str(exc)[:2000]
        if row.email_attempts >= MAX_EMAIL_ATTEMPTS:
            row.email_state = EmailState.FAILED
        else:
            row.email_next_attempt_at = now + dt.timedelta(minutes=2**row.email_attempts)
        return
    row.email_attempts += 1
    row.email_state = EmailState.SENT
    row.email_last_error = ""
