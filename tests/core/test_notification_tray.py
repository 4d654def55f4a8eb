"""The bell's tray (docs/architecture.md §live-boards): the latest notifications, mark one
or all read (POST with CSRF), the unread count refreshed by polling (304 while the same)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from servicedesk.core.choices import Role
from servicedesk.core.models import Notification
from servicedesk.core.services import notifications_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_tray_lists_my_latest_and_marks_one_read(client, make_user):
    me, other = make_user(Role.HOTLINE_ENGINEER), make_user(Role.HOTLINE_ENGINEER)
    for n in range(12):
        notifications_create(recipients=[me], kind="x", title=f"派工单 PG-{n:03d} 待核实")
    notifications_create(recipients=[other], kind="x", title="别人的提醒")
    client.force_login(me)
    tray = client.get(reverse("core:notification-tray"), **HTMX).content.decode()
    assert tray.count('data-testid="tray-item"') == 10  # the latest ten
    assert "PG-011" in tray and "PG-001" not in tray
    assert "别人的提醒" not in tray
    assert 'hx-swap-oob="innerHTML"' in tray and ">12<" in tray  # the bell's count

    newest = Notification.objects.filter(recipient=me).order_by("-id").first()
    answer = client.post(reverse("core:notification-read", args=[newest.pk]), {"tray": "1"}, **HTMX)
    assert answer.status_code == 200
    assert ">11<" in answer.content.decode()
    newest.refresh_from_db()
    assert newest.read_at is not None


def test_mark_all_read_from_the_tray_and_nobody_elses(client, make_user):
    me, other = make_user(Role.HOTLINE_ENGINEER), make_user(Role.HOTLINE_ENGINEER)
    notifications_create(recipients=[me, other], kind="x", title="合同即将到期")
    notifications_create(recipients=[me], kind="x", title="服务单超时")
    client.force_login(me)
    answer = client.post(reverse("core:notifications-read-all"), {"tray": "1"}, **HTMX)
    html = answer.content.decode()
    assert 'data-testid="tray-done"' in html
    assert 'data-testid="tray-read-all"' not in html  # nothing left unread
    assert 'data-testid="bell-count"' not in html
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    # Someone else's notification cannot be marked through its number.
    theirs = Notification.objects.get(recipient=other)
    assert client.post(reverse("core:notification-read", args=[theirs.pk])).status_code == 404


def test_marking_read_needs_post_and_the_csrf_token(make_user):
    me = make_user(Role.HOTLINE_ENGINEER)
    (n,) = notifications_create(recipients=[me], kind="x", title="t")
    client = Client(enforce_csrf_checks=True)
    client.force_login(me)
    assert client.get(reverse("core:notification-read", args=[n.pk])).status_code == 405
    assert client.post(reverse("core:notifications-read-all"), {"tray": "1"}).status_code == 403
    n.refresh_from_db()
    assert n.read_at is None


def test_unread_count_answers_304_until_it_changes(client, make_user):
    me = make_user(Role.HOTLINE_ENGINEER)
    client.force_login(me)
    url = reverse("core:notification-count")
    first = client.get(url, **HTMX)
    assert first.status_code == 200
    assert 'data-testid="bell-count"' not in first.content.decode()
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX).status_code == 304
    notifications_create(recipients=[me], kind="x", title="新的派工单")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert changed.status_code == 200
    assert ">1<" in changed.content.decode()


def test_every_page_has_the_bell_with_its_tray(client, make_user):
    me = make_user(Role.HOTLINE_ENGINEER)
    notifications_create(recipients=[me], kind="x", title="t")
    client.force_login(me)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert 'data-testid="notification-tray"' in html
    assert f'data-live-url="{reverse("core:notification-count")}"' in html
    assert 'data-testid="bell-count"' in html
