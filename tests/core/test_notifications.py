import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from servicedesk.core.choices import EmailState, Role
from servicedesk.core.exceptions import NotPermitted
from servicedesk.core.models import Notification, WorkCalendar
from servicedesk.core.services import notification_mark_read, notifications_create
from servicedesk.core.services.notifications import (
    MAX_EMAIL_ATTEMPTS,
    email_message_id,
    emails_deliver,
    notifications_deliver,
)

pytestmark = pytest.mark.django_db


def test_written_in_the_callers_transaction(make_user):
    user = make_user(Role.SERVICE_MANAGER)
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications_create(recipients=[user], kind="x", title="lost with the change")
        raise RuntimeError("the change failed")
    assert Notification.objects.count() == 0


def test_dedupe_key_gives_each_recipient_one_notification(make_user):
    a, b = make_user(), make_user()
    for _ in range(3):
        notifications_create(recipients=[a, b], kind="x", title="once", dedupe_key="k1")
    assert Notification.objects.filter(dedupe_key="k1").count() == 2


def test_inactive_and_missing_recipients_are_skipped(make_user):
    active, gone = make_user(), make_user(is_active=False)
    notifications_create(recipients=[active, gone, None], kind="x", title="t")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [active.pk]


def test_email_sent_when_configured_and_marked(make_user, settings):
    settings.EMAIL_CONFIGURED = True
    user = make_user(email="duty@example.com")
    notifications_create(recipients=[user], kind="x", title="超时提醒", url="/x/")
    assert notifications_deliver() == 1
    assert mail.outbox[0].to == ["duty@example.com"]
    assert mail.outbox[0].subject == "超时提醒"
    row = Notification.objects.get()
    assert row.email_state == EmailState.SENT and row.email_attempts == 1
    assert row.email_sent_at is not None and row.email_lease_until is None
    assert mail.outbox[0].extra_headers["Message-ID"] == email_message_id(row)
    assert notifications_deliver() == 0  # nothing sent twice


def test_email_skipped_when_not_configured(make_user, settings):
    settings.EMAIL_CONFIGURED = False
    notifications_create(recipients=[make_user()], kind="x", title="t")
    notifications_deliver()
    assert mail.outbox == []
    assert Notification.objects.get().email_state == EmailState.SKIPPED


def test_failed_email_is_retried_with_backoff_then_given_up(make_user, settings, monkeypatch):
    settings.EMAIL_CONFIGURED = True
    notifications_create(recipients=[make_user()], kind="x", title="t")
    calls = []

    def broken(self, *args, **kwargs):
        calls.append(1)
        raise OSError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    now = timezone.now()
    notifications_deliver(now=now)
    row = Notification.objects.get()
    assert row.email_state == EmailState.PENDING and row.email_attempts == 1
    assert row.email_next_attempt_at > now
    notifications_deliver(now=now)  # not due yet: no new attempt
    assert len(calls) == 1
    for i in range(MAX_EMAIL_ATTEMPTS):
        notifications_deliver(now=now + dt.timedelta(days=i + 1))
    row.refresh_from_db()
    assert row.email_state == EmailState.FAILED
    assert "smtp down" in row.email_last_error


def test_only_the_recipient_marks_read(make_user):
    owner, other = make_user(), make_user()
    (n,) = notifications_create(recipients=[owner], kind="x", title="t")
    with pytest.raises(NotPermitted):
        notification_mark_read(notification=n, by=other)
    notification_mark_read(notification=n, by=owner)
    assert Notification.objects.get().read_at is not None


def test_portal_list_shows_unread_count_and_marks_read(client, make_user):
    user = make_user(Role.HOTLINE_ENGINEER)
    notifications_create(
        recipients=[user],
        kind="x",
        title="回电提醒",
        target=WorkCalendar.objects.first(),
    )
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "回电提醒" in page
    n = Notification.objects.get()
    response = client.post(f"/notifications/{n.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Notification.objects.get().read_at is not None


def test_api_lists_only_my_notifications(make_user):
    from rest_framework.test import APIClient

    me, other = make_user(Role.TESTER), make_user(Role.TESTER)
    notifications_create(recipients=[me], kind="x", title="mine")
    notifications_create(recipients=[other], kind="x", title="theirs")
    api = APIClient()
    api.force_authenticate(me)
    data = api.get("/api/v1/notifications/").json()
    assert [r["title"] for r in data["results"]] == ["mine"]
    n = Notification.objects.get(title="theirs")
    assert api.post(f"/api/v1/notifications/{n.pk}/read/").status_code == 404


def test_a_claimed_email_waits_for_its_lease_and_a_vanished_send_goes_again_same_id(
    make_user, settings
):
    """A worker that died holding a claim: the e-mails it never started are sent after
    the lease; the one it was sending (state ``sending``) is sent again with the same
    Message-ID (docs/architecture.md §email)."""
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_DELIVERY_LEASE = 60
    users = [make_user(email=f"u{i}@example.com") for i in range(3)]
    notifications_create(recipients=users, kind="x", title="t")
    now = timezone.now()
    rows = list(Notification.objects.order_by("id"))
    # The dead worker: claimed all three, had marked the first one ``sending``.
    Notification.objects.update(
        email_claim="dead", email_lease_until=now + dt.timedelta(seconds=60)
    )
    Notification.objects.filter(pk=rows[0].pk).update(
        email_state=EmailState.SENDING, email_attempts=1
    )
    assert notifications_deliver(now=now) == 0  # the lease holds
    assert mail.outbox == []
    later = now + dt.timedelta(seconds=61)
    run = emails_deliver(now=later)
    assert (run.sent, run.resent_uncertain) == (2, 1)
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        email_message_id(r) for r in rows
    )
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert Notification.objects.get(pk=rows[0].pk).email_attempts == 2
    assert emails_deliver(now=later + dt.timedelta(hours=1)).claimed == 0


def test_the_message_id_is_stable_and_differs_per_email(make_user):
    a, b = make_user(email="a@example.com"), make_user(email="b@example.com")
    notifications_create(recipients=[a, b], kind="x", title="t")
    first, second = Notification.objects.order_by("id")
    assert email_message_id(first) == email_message_id(Notification.objects.get(pk=first.pk))
    assert email_message_id(first) != email_message_id(second)
    assert email_message_id(first).startswith(f"<notification.{first.pk}.")


def test_a_delivery_run_stops_on_its_budget_and_says_there_is_a_backlog(make_user, settings):
    settings.EMAIL_CONFIGURED = True
    notifications_create(
        recipients=[make_user(email=f"b{i}@example.com") for i in range(5)], kind="x", title="t"
    )
    run = emails_deliver(batch=2, budget_s=0)
    assert run.backlog and run.sent == 0
    run = emails_deliver(batch=2, budget_s=60)
    assert not run.backlog and run.sent == 5


def test_the_task_queues_itself_again_while_a_backlog_remains(make_user, settings, monkeypatch):
    from servicedesk.core import tasks

    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_DELIVERY_BATCH = 2
    settings.EMAIL_DELIVERY_BUDGET = 0  # every run stops after its first check
    queued = []
    monkeypatch.setattr(tasks.deliver_notifications, "delay", lambda: queued.append(1))
    notifications_create(
        recipients=[make_user(email=f"q{i}@example.com") for i in range(3)], kind="x", title="t"
    )
    queued.clear()  # the one queued after the commit
    assert tasks.deliver_notifications()["requeued"] is True
    assert queued == [1]
    settings.EMAIL_DELIVERY_BUDGET = 60
    assert tasks.deliver_notifications() == {
        "emails": 3,
        "emails_resent": 0,
        "emails_retrying": 0,
        "channels": 0,
        "requeued": False,
    }
    assert queued == [1]
