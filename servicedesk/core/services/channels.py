"""Notification channels: routing the outbox to channels and delivering exactly once per
channel (docs/architecture.md §channels).

1. ``channels_route`` hands each new ``Notification`` (written by any code path, the sweep's
   set-wise inserts included) to the recipient's own channels and their teams' channels:
   one ``ChannelDelivery`` per (channel, message), unique, so a team chat gets a message
   once however many of its members are notified.
2. ``channel_deliveries_run`` claims due deliveries with ``SKIP LOCKED`` and a lease in a
   short transaction, sends them outside any transaction, and records the outcome only
   if its claim still holds: two workers never send one delivery twice; a worker that dies
   mid-send leaves the lease to expire and the delivery is tried again.
3. Failures retry with back-off (1, 2, 4, 8 minutes), and after ``MAX_ATTEMPTS`` the
   delivery is failed and the administrators are told in-app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.template import TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..channels import crypto, formats
from ..channels.templating import render_message
from ..exceptions import raise_field_errors
from ..models import (
    ChannelDelivery,
    ChannelKind,
    DeliveryState,
    MessageTemplate,
    Notification,
    NotificationChannel,
)

if TYPE_CHECKING:
    from ..types import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_BATCH = 20
HTTP_TIMEOUT_S = 10
LEASE = dt.timedelta(minutes=10)  # well above CLAIM_BATCH × HTTP_TIMEOUT_S
ROUTE_BATCH = 500
ROBOT_PER_MINUTE = 20  # settings.CHANNEL_ROBOT_PER_MINUTE; 0: no limit
TEAM_WINDOW_S = 600  # one team message per identical notification in 10 minutes
#: Notification kinds that are never quiet (docs/architecture.md §channels.quiet).
URGENT_KINDS = {"defect_fatal"}
#: A notification about a record of one of these severities is never quiet.
URGENT_SEVERITIES = {"system_down", "fatal"}
#: Never routed to channels: the channel failure notice (a failing channel must not
#: feed itself).
UNROUTED_KINDS = {"channel_failed"}


@dataclass
class DeliveryRun:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    backlog: bool = False


# ---------------------------------------------------------------- configuration


def channel_save(
    *,
    by: User | None,
    channel: NotificationChannel | None = None,
    name: str,
    kind: str,
    address: str | None = None,
    secret: str | None = None,
    user: object | None = None,
    team: str = "",
    group: object | None = None,
    kinds: str = "",
    quiet_hours: bool = True,
    enabled: bool = True,
) -> NotificationChannel:
    """Create or change a channel; ``address`` / ``secret`` of ``None`` keep the stored
    ones (the admin never shows them back)."""
    channel = channel or NotificationChannel()
    plain = address if address is not None else crypto.unseal(channel.address_encrypted)
    raise_field_errors(_channel_errors(name, kind, plain or "", secret, user, team, group))
    channel.name, channel.kind = name.strip()[:100], kind
    channel.user, channel.team, channel.group = user, (team or "").strip(), group  # type: ignore[assignment]
    channel.kinds = ",".join(k.strip() for k in (kinds or "").split(",") if k.strip())
    channel.quiet_hours, channel.enabled = quiet_hours, enabled
    channel.address_encrypted = crypto.seal(plain or "")
    if secret is not None:
        channel.secret_encrypted = crypto.seal(secret.strip())
    from .history import history_user

    history_user(channel, by)
    channel.save()
    return channel


def _channel_errors(
    name: str,
    kind: str,
    address: str,
    secret: str | None,
    user: object | None,
    team: str,
    group: object | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in ChannelKind.values:
        errors["kind"] = [_("Choose a channel.")]
    if not (name or "").strip():
        errors["name"] = [_("Give the channel a name.")]
    has_team = bool((team or "").strip()) or group is not None
    if user is None and not has_team:
        errors["team"] = [_("Choose a user, or a team or a role.")]
    if user is not None and has_team:
        errors["team"] = [_("A personal channel has no team or role.")]
    error = _address_error(kind, address)
    if error:
        errors["address"] = [error]
    if kind == ChannelKind.WECOM and secret:
        errors["secret"] = [_("WeCom robots have no signing secret.")]
    return errors


def _address_error(kind: str, address: str) -> str:
    if not address.strip():
        return _("Enter the address.")
    if kind == ChannelKind.EMAIL:
        for one in address.split(","):
            try:
                validate_email(one.strip())
            except ValidationError:
                return _("“%(value)s” is not an e-mail address.") % {"value": one.strip()[:80]}
        return ""
    try:
        URLValidator(schemes=["http", "https"])(address.strip())
    except ValidationError:
        return _("Enter the robot's webhook URL (https://…).")
    return ""


# ---------------------------------------------------------------- routing


def channels_route(*, now: dt.datetime | None = None, batch: int = ROUTE_BATCH) -> int:
    """Hand new notifications to channels; returns the deliveries written."""
    now = now or timezone.now()
    written = 0
    while True:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("recipient")
                .filter(routed_at__isnull=True)
                .order_by("id")[:batch]
            )
            if not rows:
                return written
            written += _route_rows(rows, now)
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(routed_at=now)
        if len(rows) < batch:
            return written


def _route_rows(rows: list[Notification], now: dt.datetime) -> int:
    channels = list(NotificationChannel.objects.filter(enabled=True))
    if not channels:
        return 0
    teams, groups = _memberships({r.recipient_id for r in rows})
    urgent = _urgent_ids(rows)
    templates = _templates()
    quiet_until = _quiet_until(now)
    deliveries = []
    for row in rows:
        if row.kind in UNROUTED_KINDS:
            continue
        for channel in channels:
            if not _channel_takes(channel, row, teams, groups):
                continue
            deliveries.append(
                _delivery_for(channel, row, row.pk in urgent, templates, now, quiet_until)
            )
    ChannelDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return len(deliveries)


def _memberships(user_ids: set[int]) -> tuple[dict[int, str], dict[int, set[int]]]:
    from ..models import StaffProfile

    teams = dict(
        StaffProfile.objects.filter(user_id__in=user_ids)
        .exclude(team="")
        .values_list("user_id", "team")
    )
    groups: dict[int, set[int]] = defaultdict(set)
    through = get_user_model().groups.through
    for uid, gid in through.objects.filter(user_id__in=user_ids).values_list("user_id", "group_id"):
        groups[uid].add(gid)
    return teams, groups


def _channel_takes(
    channel: NotificationChannel,
    row: Notification,
    teams: dict[int, str],
    groups: dict[int, set[int]],
) -> bool:
    if channel.kind_list and row.kind not in channel.kind_list:
        return False
    if channel.user_id is not None:
        return channel.user_id == row.recipient_id
    if channel.team and teams.get(row.recipient_id) == channel.team:
        return True
    return channel.group_id is not None and channel.group_id in groups.get(row.recipient_id, ())


def _urgent_ids(rows: list[Notification]) -> set[int]:
    """Notifications that ignore quiet hours: an urgent kind, or about a system-down or
    fatal record (the target's ``severity``), one query per target model."""
    urgent = {r.pk for r in rows if r.kind in URGENT_KINDS}
    by_type: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        if r.target_type_id and r.target_id and r.pk not in urgent:
            by_type[r.target_type_id].add(r.target_id)
    severe: set[tuple[int, int]] = set()
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None or "severity" not in {f.name for f in model._meta.fields}:
            continue
        for pk in model._default_manager.filter(
            pk__in=ids, severity__in=URGENT_SEVERITIES
        ).values_list("pk", flat=True):
            severe.add((ct_id, pk))
    urgent |= {r.pk for r in rows if (r.target_type_id, r.target_id) in severe}
    return urgent


def _quiet_until(now: dt.datetime) -> dt.datetime | None:
    """None in office hours; else the next opening of the default calendar."""
    from ..calendars import calendar_spec, default_calendar
    from ..worktime import add_working_minutes, is_working_time

    spec = calendar_spec(default_calendar())
    if is_working_time(spec, now):
        return None
    return add_working_minutes(spec, now, 1) - dt.timedelta(minutes=1)


def _templates() -> dict[tuple[str, str], MessageTemplate]:
    return {(t.kind, t.channel_kind): t for t in MessageTemplate.objects.all()}


def _render(
    templates: dict[tuple[str, str], MessageTemplate], row: Notification, channel_kind: str
) -> tuple[str, str]:
    template = None
    for key in ((row.kind, channel_kind), (row.kind, ""), ("", channel_kind), ("", "")):
        template = templates.get(key)
        if template is not None:
            break
    if template is None:
        return row.title, row.body
    try:
        title, body = render_message(
            template.title, template.body, message_context(row), channel_kind=channel_kind
        )
    except TemplateSyntaxError:
        logger.warning("message template %s is broken; the plain words are sent", template.pk)
        return row.title, row.body
    return (title or row.title)[:200], body


def message_context(row: Notification) -> dict[str, str]:
    """What a message template may use: strings only (docs/architecture.md
    §channels.templates)."""
    created = row.created_at or timezone.now()
    return {
        "title": row.title,
        "body": row.body,
        "kind": row.kind,
        "link": _link(row),
        "time": f"{timezone.localtime(created):%Y-%m-%d %H:%M}",
    }


def _link(row: Notification) -> str:
    return f"{settings.SITE_URL}{row.url}" if row.url.startswith("/") else row.url


def _message_key(channel: NotificationChannel, row: Notification) -> str:
    if not channel.is_team:
        return f"n:{row.pk}"
    if row.dedupe_key:
        return f"d:{row.dedupe_key}"[:200]
    bucket = int(row.created_at.timestamp()) // TEAM_WINDOW_S if row.created_at else 0
    content = f"{row.kind}|{row.target_type_id}|{row.target_id}|{row.title}|{row.body}|{bucket}"
    return "c:" + hashlib.sha256(content.encode()).hexdigest()


def _delivery_for(
    channel: NotificationChannel,
    row: Notification,
    urgent: bool,
    templates: dict[tuple[str, str], MessageTemplate],
    now: dt.datetime,
    quiet_until: dt.datetime | None,
) -> ChannelDelivery:
    title, text = _render(templates, row, channel.kind)
    held = bool(quiet_until and channel.quiet_hours and not urgent)
    return ChannelDelivery(
        channel=channel,
        notification=row,
        message_key=_message_key(channel, row),
        title=title,
        text=text,
        link=_link(row)[:500],
        urgent=urgent,
        next_attempt_at=quiet_until if held else now,
        held_for_quiet_hours=held,
    )


# ---------------------------------------------------------------- delivery


def channel_deliveries_run(
    *,
    now: dt.datetime | None = None,
    batch: int = CLAIM_BATCH,
    limit: int = 10_000,
    budget_s: float | None = None,
) -> DeliveryRun:
    """Send due deliveries until none is due (or ``limit`` were claimed, or ``budget_s``
    seconds passed: then ``backlog`` tells the task to queue itself again)."""
    result = DeliveryRun()
    budget = float(getattr(settings, "EMAIL_DELIVERY_BUDGET", 60)) if budget_s is None else budget_s
    began = time.monotonic()
    while result.claimed < limit:
        moment = now or timezone.now()
        if time.monotonic() - began > budget:
            result.backlog = ChannelDelivery.objects.filter(_claimable(moment)).exists()
            break
        rows = _claim(moment, batch)
        if not rows:
            break
        result.claimed += len(rows)
        for row in rows:
            if not _mark_sending(row, now or timezone.now()):
                continue  # the claim expired and another worker has the row
            outcome = _send_and_record(row, now or timezone.now())
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def _robot_quota(now: dt.datetime) -> dict[int, int] | None:
    """Messages each robot channel sent in the last minute (None: no limit). WeCom and
    DingTalk take at most 20 messages a minute per robot and refuse the rest
    (docs/architecture.md §channels)."""
    if not getattr(settings, "CHANNEL_ROBOT_PER_MINUTE", ROBOT_PER_MINUTE):
        return None
    return dict(
        ChannelDelivery.objects.filter(sent_at__gt=now - dt.timedelta(minutes=1))
        .exclude(channel__kind=ChannelKind.EMAIL)
        .values("channel_id")
        .annotate(n=Count("id"))
        .values_list("channel_id", "n")
    )


def _within_quota(
    rows: list[ChannelDelivery], sent: dict[int, int] | None
) -> list[ChannelDelivery]:
    if sent is None:
        return rows
    limit = getattr(settings, "CHANNEL_ROBOT_PER_MINUTE", ROBOT_PER_MINUTE)
    kept = []
    for row in rows:
        used = sent.get(row.channel_id, 0)
        if row.channel.kind != ChannelKind.EMAIL and used >= limit:
            continue  # stays pending; a later run sends it
        sent[row.channel_id] = used + 1
        kept.append(row)
    return kept


def _claimable(now: dt.datetime) -> Q:
    never_started = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    # Handed to the channel by a worker that then vanished: the outcome is unknown.
    return never_started | Q(state=DeliveryState.SENDING, lease_until__lt=now)


def _claim(now: dt.datetime, batch: int) -> list[ChannelDelivery]:
    """Claim a small batch (a claim and a lease, committed); the rows stay ``pending``
    until each one is about to be sent (``_mark_sending``)."""
    sent = _robot_quota(now)
    limit = getattr(settings, "CHANNEL_ROBOT_PER_MINUTE", ROBOT_PER_MINUTE)
    busy = [c for c, n in (sent or {}).items() if n >= limit]
    with transaction.atomic():
        rows = list(
            ChannelDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .exclude(channel_id__in=busy)
            .filter(channel__enabled=True)  # a channel switched off keeps its rows waiting
            .select_related("channel")
            .filter(_claimable(now))
            .order_by("next_attempt_at", "id")[:batch]
        )
        rows = _within_quota(rows, sent)
        claim = uuid.uuid4().hex
        for row in rows:
            row.claim = claim
            row.lease_until = now + LEASE
        ChannelDelivery.objects.bulk_update(rows, ["claim", "lease_until"])
    return rows


def _mark_sending(row: ChannelDelivery, now: dt.datetime) -> bool:
    """Committed before the channel is spoken to: a worker killed from here on leaves a
    ``sending`` row that is sent again after its lease (an e-mail with the same
    Message-ID), so a message is never dropped (docs/architecture.md §email)."""
    marked = ChannelDelivery.objects.filter(pk=row.pk, claim=row.claim, state=row.state).update(
        state=DeliveryState.SENDING, attempts=row.attempts + 1, lease_until=now + LEASE
    )
    row.state, row.attempts = DeliveryState.SENDING, row.attempts + 1
    return bool(marked)


def _send_and_record(row: ChannelDelivery, now: dt.datetime) -> str:
    error = channel_send(row.channel, row.title, row.text, row.link, message_id=_message_id(row))
    mine = ChannelDelivery.objects.filter(pk=row.pk, claim=row.claim, state=DeliveryState.SENDING)
    if not error:
        mine.update(state=DeliveryState.SENT, sent_at=now, last_error="", lease_until=None)
        return "sent"
    if row.attempts >= MAX_ATTEMPTS:
        if mine.update(state=DeliveryState.FAILED, last_error=error[:2000], lease_until=None):
            _tell_administrators(row, error)
        return "failed"
    mine.update(
        state=DeliveryState.PENDING,
        last_error=error[:2000],
        lease_until=None,
        next_attempt_at=now + dt.timedelta(minutes=2 ** (row.attempts - 1)),
    )
    return "retrying"


def _message_id(row: ChannelDelivery) -> str:
    """The same Message-ID on every attempt at one delivery (see ``email_message_id``)."""
    from .notifications import email_domain

    created = row.created_at.isoformat() if row.created_at else ""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"delivery:{row.pk}:{created}".encode(), hashlib.sha256
    ).hexdigest()[:20]
    return f"<delivery.{row.pk}.{digest}@{email_domain()}>"


def channel_send(
    channel: NotificationChannel, title: str, text: str, link: str = "", message_id: str = ""
) -> str:
    """Send one message on a channel now; the error in words, or "" when it was taken."""
    try:
        address = crypto.unseal(channel.address_encrypted)
        secret = crypto.unseal(channel.secret_encrypted)
    except ValueError as exc:
        return str(exc)
    message = formats.Message(title=title, text=text, link=link)
    if channel.kind == ChannelKind.EMAIL:
        return _send_email(address, message, message_id)
    now_s = time.time()
    if channel.kind == ChannelKind.WECOM:
        request = formats.wecom_request(address, message)
    elif channel.kind == ChannelKind.DINGTALK:
        request = formats.dingtalk_request(address, secret, message, now_s)
    else:
        request = formats.feishu_request(address, secret, message, now_s)
    return _post(channel.kind, request)


def _post(kind: str, request: formats.WebhookRequest) -> str:
    if not request.url.startswith(("https://", "http://")):  # checked by channel_save too
        return _("Enter the robot's webhook URL (https://…).")
    http = urllib.request.Request(request.url, data=request.body, headers=request.headers)  # noqa: S310
    try:
        with urllib.request.urlopen(http, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310
            status, body = response.status, response.read(64_000)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(64_000)
    except OSError as exc:  # URLError, timeouts and refused connections
        return f"{type(exc).__name__}: {exc}"[:500]
    ok, error = formats.robot_accepted(kind, status, body)
    return "" if ok else error


def _send_email(address: str, message: formats.Message, message_id: str = "") -> str:
    if not settings.EMAIL_CONFIGURED and not getattr(settings, "EMAIL_ALWAYS_SEND", False):
        return _("E-mail is not configured (EMAIL_URL).")
    body = message.text + (f"\n\n{message.link}" if message.link else "")
    mail = EmailMessage(
        subject=message.title,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[a.strip() for a in address.split(",") if a.strip()],
        headers={"Message-ID": message_id} if message_id else None,
    )
    try:
        mail.send()
    except Exception as exc:  # any SMTP or socket failure is retried
        return f"{type(exc).__name__}: {exc}"[:500]
    return ""


def _tell_administrators(row: ChannelDelivery, error: str) -> None:
    from .notifications import notifications_create

    admins = get_user_model().objects.filter(is_superuser=True, is_active=True)
    notifications_create(
        recipients=list(admins),
        kind="channel_failed",
        title=_("Channel “%(channel)s” failed") % {"channel": row.channel.name},
        body=_("“%(title)s” was not delivered after %(n)s attempts: %(error)s")
        % {"title": row.title, "n": row.attempts, "error": error[:300]},
        url=f"/admin/core/channeldelivery/?state__exact=failed&channel__id__exact={row.channel_id}",
        dedupe_key=f"channel_failed:{row.channel_id}:{timezone.localdate():%Y%m%d}",
    )


# ---------------------------------------------------------------- operator actions


def channel_test_send(*, channel: NotificationChannel, by: User) -> ChannelDelivery:
    """The “send a test message” button: a delivery row sent at once, its outcome kept."""
    from ..people import display_name

    now = timezone.now()
    # The words go through the message templates (kind ``channel_test``), as a real
    # notification's would, so the administrator sees their template at work.
    words = Notification(
        kind="channel_test",
        title=_("Test message from the service desk"),
        body=_("%(name)s sent this test message to “%(channel)s” at %(time)s.")
        % {
            "name": display_name(by),
            "channel": channel.name,
            "time": f"{timezone.localtime(now):%Y-%m-%d %H:%M}",
        },
        url=settings.SITE_URL,
        created_at=now,
    )
    title, text = _render(_templates(), words, channel.kind)
    row = ChannelDelivery.objects.create(
        channel=channel,
        message_key=f"test:{uuid.uuid4().hex}",
        title=title,
        text=text,
        link=settings.SITE_URL,
        urgent=True,
        state=DeliveryState.SENDING,
        claim=uuid.uuid4().hex,
        attempts=1,
        lease_until=now + LEASE,
        next_attempt_at=now,
    )
    _send_and_record(row, now)
    row.refresh_from_db()
    return row


def deliveries_retry(*, deliveries: Iterable[ChannelDelivery], by: User) -> int:
    """An administrator sends failed deliveries again (attempts start over)."""
    ids = [d.pk for d in deliveries]
    return ChannelDelivery.objects.filter(pk__in=ids, state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now(), claim=""
    )


def deliveries_failed_count() -> int:
    return ChannelDelivery.objects.filter(state=DeliveryState.FAILED).count()


def channel_delete(*, channel: NotificationChannel, by: User | None) -> None:
    """Remove a channel; its history row keeps who removed it (docs/architecture.md §audit)."""
    from .history import history_user

    history_user(channel, by)
    channel.delete()


# ---------------------------------------------------------------- message templates


def message_template_save(
    *,
    by: User | None,
    template: MessageTemplate | None = None,
    kind: str,
    channel_kind: str,
    title: str,
    body: str,
) -> MessageTemplate:
    """Create or change a message template; a template the restricted engine cannot read
    is refused with the reason (docs/architecture.md §channels.templates)."""
    from ..channels.templating import template_error
    from .history import history_user

    errors: dict[str, list[str]] = {}
    for field, source in (("title", title), ("body", body)):
        error = template_error(source)
        if error:
            errors[field] = [error]
    if not (title or "").strip():
        errors.setdefault("title", []).append(_("Write the title."))
    if channel_kind and channel_kind not in ChannelKind.values:
        errors["channel_kind"] = [_("Choose a channel.")]
    raise_field_errors(errors)
    template = template or MessageTemplate()
    template.kind, template.channel_kind = (kind or "").strip()[:60], channel_kind or ""
    template.title, template.body = title.strip()[:200], body
    history_user(template, by)
    template.save()
    return template


def message_template_preview(
    *, title: str, body: str, channel_kind: str = ""
) -> tuple[str, str] | None:
    """The template filled with sample words; None when it cannot be read."""
    from ..channels.templating import render_message, sample_context

    try:
        return render_message(title, body, sample_context(), channel_kind=channel_kind)
    except TemplateSyntaxError:
        return None
