"""Notification channels against local receivers (docs/architecture.md §channels): each
robot's documented payload and signature, e-mail over SMTP, team routing, retries with
back-off, giving up, quiet hours, message templates and the admin's test button."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from servicedesk.core.channels import crypto, formats
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import (
    ChannelDelivery,
    DeliveryState,
    MessageTemplate,
    Notification,
    NotificationChannel,
    StaffProfile,
)
from servicedesk.core.services.channels import (
    channel_deliveries_run,
    channel_save,
    channel_test_send,
    channels_route,
)
from servicedesk.core.services.notifications import notifications_create

from .receivers import RobotReceiver, SmtpReceiver

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)  # office hours


@pytest.fixture(autouse=True)
def _no_kick(monkeypatch):
    """The on-commit kick would deliver at the real clock's time; the tests pass theirs."""
    monkeypatch.setattr("servicedesk.core.services.notifications._kick_delivery", lambda: None)


SUNDAY_3 = dt.datetime(2026, 12, 6, 3, 0, tzinfo=SHANGHAI)  # quiet


@pytest.fixture(autouse=True)
def _words_as_notified(db):
    """The payload tests check the robots' formats with the notification's own words: the
    seeded Chinese templates (tests/core/test_message_templates.py) are taken away."""
    MessageTemplate.objects.all().delete()


@pytest.fixture
def robots():
    receiver = RobotReceiver(secrets={"dingtalk": "SECding", "feishu": "feishu-secret"}).start()
    yield receiver
    receiver.stop()


def _channel(kind, url, *, user=None, team="", secret=None, **extra):
    return channel_save(
        by=None,
        name=f"{kind} chat",
        kind=kind,
        address=url,
        secret=secret,
        user=user,
        team=team,
        **extra,
    )


def _notify(user, title="工单 T-1 已超时", kind="sla_breach", **extra):
    return notifications_create(
        recipients=[user], kind=kind, title=title, body="请尽快处理。", url="/t/1/", **extra
    )


def _run(now=MONDAY_10):
    channels_route(now=now)
    return channel_deliveries_run(now=now)


@pytest.mark.django_db
def test_wecom_markdown_payload(robots, make_user):
    user = make_user()
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=user)
    _notify(user)
    result = _run()
    assert result.sent == 1
    (got,) = robots.accepted()
    content = got.body["markdown"]["content"]
    assert got.body["msgtype"] == "markdown"
    assert content.startswith("**工单 T-1 已超时**")
    assert "请尽快处理。" in content and "/t/1/" in content
    assert ChannelDelivery.objects.get().state == DeliveryState.SENT


@pytest.mark.django_db
def test_dingtalk_signed_request(robots, make_user):
    user = make_user()
    _channel("dingtalk", f"{robots.base}/dingtalk?access_token=abc", user=user, secret="SECding")
    _notify(user)
    assert _run().sent == 1
    (got,) = robots.accepted()
    assert got.query["access_token"] == "abc"
    assert len(got.query["timestamp"]) == 13  # milliseconds
    assert got.body["markdown"]["title"] == "工单 T-1 已超时"
    assert got.body["at"] == {"atMobiles": [], "isAtAll": False}


@pytest.mark.django_db
def test_dingtalk_wrong_secret_is_refused_and_retried(robots, make_user):
    user = make_user()
    _channel("dingtalk", f"{robots.base}/dingtalk?access_token=abc", user=user, secret="wrong")
    _notify(user)
    result = _run()
    assert (result.sent, result.retrying) == (0, 1)
    delivery = ChannelDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    assert "310000" in delivery.last_error
    assert delivery.next_attempt_at == MONDAY_10 + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_feishu_signed_post(robots, make_user):
    user = make_user()
    _channel("feishu", f"{robots.base}/feishu/hook-1", user=user, secret="feishu-secret")
    _notify(user)
    assert _run().sent == 1
    (got,) = robots.accepted()
    post = got.body["content"]["post"]["zh_cn"]
    assert post["title"] == "工单 T-1 已超时"
    assert [n["tag"] for p in post["content"] for n in p] == ["text", "a"]
    assert got.body["timestamp"].isdigit() and len(got.body["timestamp"]) == 10


def test_signatures_match_the_documented_examples():
    # HMAC-SHA256, base64: DingTalk keyed by the secret over "ts\nsecret"; Feishu keyed
    # by "ts\nsecret" over nothing.
    import base64
    import hashlib
    import hmac

    ding = base64.b64encode(
        hmac.new(b"SEC1", b"1599360473000\nSEC1", hashlib.sha256).digest()
    ).decode()
    assert formats.dingtalk_sign("SEC1", 1599360473000) == ding
    fei = base64.b64encode(hmac.new(b"1599360473\nabc", b"", hashlib.sha256).digest()).decode()
    assert formats.feishu_sign("abc", 1599360473) == fei
    req = formats.dingtalk_request(
        "https://x/robot/send?access_token=t", "SEC1", formats.Message("a", "b"), 1599360473
    )
    from urllib.parse import quote_plus

    assert req.url == (
        "https://x/robot/send?access_token=t&timestamp=1599360473000&sign=" + quote_plus(ding)
    )


def test_wecom_content_is_cut_to_4096_bytes():
    req = formats.wecom_request("https://x", formats.Message("标题", "长" * 3000))
    import json

    assert len(json.loads(req.body)["markdown"]["content"].encode()) <= 4096


@pytest.mark.django_db
def test_email_channel_over_smtp(make_user, settings):
    smtp = SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_ALWAYS_SEND = True
    try:
        user = make_user()
        _channel("email", "hotline@example.com, lead@example.com", user=user)
        _notify(user)
        assert _run().sent == 1
        (mail,) = smtp.mails
        assert mail.recipients == ["hotline@example.com", "lead@example.com"]
        assert mail.subject == "工单 T-1 已超时"
        assert "请尽快处理。" in mail.text and "/t/1/" in mail.text
        # docs/architecture.md §email: the same Message-ID on every attempt at a delivery.
        delivery = ChannelDelivery.objects.get()
        message_id = message_from_bytes(mail.data)["Message-ID"]
        assert message_id.startswith(f"<delivery.{delivery.pk}.")
        # A worker that died after handing it over: sent again, with that Message-ID.
        ChannelDelivery.objects.update(
            state=DeliveryState.SENDING, claim="dead", lease_until=MONDAY_10
        )
        assert channel_deliveries_run(now=MONDAY_10 + dt.timedelta(seconds=1)).sent == 1
        assert [message_from_bytes(m.data)["Message-ID"] for m in smtp.mails] == [message_id] * 2
        assert ChannelDelivery.objects.get().attempts == 2
    finally:
        smtp.stop()


@pytest.mark.django_db
def test_email_channel_retries_a_refusing_server(make_user, settings):
    smtp = SmtpReceiver(fail_first=2)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_ALWAYS_SEND = True
    try:
        user = make_user()
        _channel("email", "ops@example.com", user=user)
        _notify(user)
        now = MONDAY_10
        for _ in range(3):
            channels_route(now=now)
            channel_deliveries_run(now=now)
            now += dt.timedelta(minutes=5)
        delivery = ChannelDelivery.objects.get()
        assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 3)
        assert len(smtp.mails) == 1
    finally:
        smtp.stop()


@pytest.mark.django_db
def test_team_channel_gets_one_message_for_all_members(robots, make_user):
    people = [make_user() for _ in range(3)]
    for person in people:
        StaffProfile.objects.update_or_create(user=person, defaults={"team": "热线组"})
    outsider = make_user()
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", team="热线组", kinds="sla_breach")
    notifications_create(
        recipients=[*people, outsider],
        kind="sla_breach",
        title="热线时限已超",
        dedupe_key="sla:9:breach",
    )
    notifications_create(recipients=people, kind="ticket_assigned", title="新工单")  # not its kind
    assert _run().sent == 1
    assert len(robots.accepted()) == 1
    assert ChannelDelivery.objects.count() == 1
    # Routing again changes nothing: every notification is routed once.
    assert channels_route(now=MONDAY_10) == 0


@pytest.mark.django_db
def test_role_channel(robots, make_user):
    lead = make_user("tech_manager")
    _channel(
        "wecom", f"{robots.base}/wecom?key=robot-key", group=Group.objects.get(name="tech_manager")
    )
    _notify(lead)
    assert _run().sent == 1


@pytest.mark.django_db
def test_receiver_failing_twice_then_taking_it(robots, make_user):
    robots.fail_first = 2
    user = make_user()
    _channel("feishu", f"{robots.base}/feishu/h", user=user, secret="feishu-secret")
    _notify(user)
    now = MONDAY_10
    outcomes = []
    for step in (0, 1, 2):  # back-off: 1 then 2 minutes
        result = _run(now)
        outcomes.append((result.sent, result.retrying))
        now += dt.timedelta(minutes=2**step)
    assert outcomes == [(0, 1), (0, 1), (1, 0)]
    delivery = ChannelDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 3, "")
    assert len(robots.received) == 3 and len(robots.accepted()) == 1
    # Nothing is due any more: a further run sends nothing.
    assert channel_deliveries_run(now=now + dt.timedelta(hours=1)).claimed == 0


@pytest.mark.django_db
def test_gives_up_after_five_attempts_and_tells_the_administrators(robots, make_user):
    robots.fail_first = 99
    admin = make_user(is_superuser=True)
    user = make_user()
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=user)
    _notify(user)
    now = MONDAY_10
    for _ in range(6):
        _run(now)
        now += dt.timedelta(minutes=20)
    delivery = ChannelDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 5)
    assert "HTTP 500" in delivery.last_error
    notice = Notification.objects.get(recipient=admin, kind="channel_failed")
    assert "wecom chat" in notice.title
    # The failure notice is not routed to channels (a failing channel cannot feed itself).
    channels_route(now=now)
    assert ChannelDelivery.objects.count() == 1


@pytest.mark.django_db
def test_quiet_hours_hold_but_fatal_goes_at_once(robots, make_user):
    from servicedesk.core.calendars import calendar_spec, default_calendar
    from servicedesk.core.worktime import is_working_time

    user = make_user()
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=user)
    _notify(user, title="普通提醒")
    _notify(user, title="致命缺陷 D-1", kind="defect_fatal")
    result = _run(SUNDAY_3)
    assert result.sent == 1
    assert [r.body["markdown"]["content"].split("\n")[0] for r in robots.accepted()] == [
        "**致命缺陷 D-1**"
    ]
    held = ChannelDelivery.objects.get(title="普通提醒")
    assert held.held_for_quiet_hours and held.state == DeliveryState.PENDING
    spec = calendar_spec(default_calendar())
    assert held.next_attempt_at > SUNDAY_3 and is_working_time(spec, held.next_attempt_at)
    assert channel_deliveries_run(now=held.next_attempt_at).sent == 1


@pytest.mark.django_db
def test_channel_without_quiet_hours_sends_at_night(robots, make_user):
    user = make_user()
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=user, quiet_hours=False)
    _notify(user)
    assert _run(SUNDAY_3).sent == 1


@pytest.mark.django_db
def test_message_template_words(robots, make_user):
    user = make_user()
    MessageTemplate.objects.update_or_create(
        kind="sla_breach",
        channel_kind="",
        defaults={"title": "【超时】{{ title }}", "body": "{{ body }}（请回复处理人）"},
    )
    _channel("dingtalk", f"{robots.base}/dingtalk?access_token=abc", user=user, secret="SECding")
    _notify(user)
    _run()
    (got,) = robots.accepted()
    assert got.body["markdown"]["title"] == "【超时】工单 T-1 已超时"
    assert "请尽快处理。（请回复处理人）" in got.body["markdown"]["text"]


@pytest.mark.django_db
def test_channel_save_refuses_bad_input(make_user):
    user = make_user()
    with pytest.raises(ApplicationError) as bad:
        channel_save(by=None, name="x", kind="wecom", address="ftp://x", user=user)
    assert "address" in bad.value.extra
    with pytest.raises(ApplicationError) as bad:
        channel_save(by=None, name="x", kind="wecom", address="https://x/y", secret="s", user=user)
    assert "secret" in bad.value.extra
    with pytest.raises(ApplicationError) as bad:
        channel_save(by=None, name="x", kind="email", address="not-mail")
    assert set(bad.value.extra) == {"team", "address"}


@pytest.mark.django_db
def test_address_and_secret_are_encrypted_at_rest(make_user):
    channel = _channel(
        "feishu",
        "https://open.feishu.cn/open-apis/bot/v2/hook/k",
        user=make_user(),
        secret="SEC-signing-s3",
    )
    stored = NotificationChannel.objects.values_list("address_encrypted", "secret_encrypted").get()
    # Long enough that the random ciphertext cannot contain it by chance ("s3" could).
    assert "open.feishu.cn" not in stored[0] and "SEC-signing-s3" not in stored[1]
    assert crypto.unseal(channel.secret_encrypted) == "SEC-signing-s3"


@pytest.mark.django_db
def test_admin_test_button(robots, make_user, client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    admin = make_user(is_superuser=True, is_staff=True)
    channel = _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=admin)
    client.force_login(admin)
    page = client.get(reverse("admin:core_notificationchannel_change", args=[channel.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "robot-key" not in html  # the address is never shown back
    response = client.post(
        reverse("admin:core_notificationchannel_test", args=[channel.pk]), follow=True
    )
    assert response.status_code == 200
    assert len(robots.accepted()) == 1
    assert "服务台测试消息" in robots.accepted()[0].body["markdown"]["content"]
    broken = channel_test_send(
        channel=_channel("wecom", f"{robots.base}/wecom?key=other", user=admin), by=admin
    )
    assert broken.state == DeliveryState.PENDING and "40008" in broken.last_error
    listing = client.get(reverse("admin:core_channeldelivery_changelist"))
    assert listing.status_code == 200


@pytest.mark.django_db
def test_admin_creates_a_channel_through_the_service(make_user, client):
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:core_notificationchannel_add"),
        {
            "name": "热线群",
            "kind": "dingtalk",
            "team": "热线组",
            "address": "https://oapi.dingtalk.com/robot/send?access_token=t",
            "secret": "SECx",
            "kinds": "sla_breach, sla_warning",
            "quiet_hours": "on",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = NotificationChannel.objects.get()
    assert channel.kind_list == ["sla_breach", "sla_warning"]
    assert crypto.unseal(channel.secret_encrypted) == "SECx"
    bad = client.post(
        reverse("admin:core_notificationchannel_add"),
        {"name": "x", "kind": "wecom", "address": "nope", "enabled": "on"},
    )
    assert bad.status_code == 200 and NotificationChannel.objects.count() == 1


@pytest.mark.django_db
def test_my_channels_page(robots, make_user, client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    user = make_user()
    client.force_login(user)
    url = reverse("core:my-channels")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": "我的钉钉", "kind": "dingtalk", "address": "not a url"})
    assert bad.status_code == 400 and "Webhook" in bad.content.decode()
    response = client.post(
        url,
        {
            "name": "我的钉钉",
            "kind": "dingtalk",
            "address": f"{robots.base}/dingtalk?access_token=abc",
            "secret": "SECding",
            "quiet_hours": "on",
        },
    )
    assert response.status_code == 302
    channel = NotificationChannel.objects.get(user=user)
    assert channel.history.first().history_user == user
    client.post(reverse("core:my-channel-test", args=[channel.pk]))
    assert len(robots.accepted()) == 1
    # Someone else's channel is not theirs to test or remove.
    other = make_user()
    client.force_login(other)
    assert client.post(reverse("core:my-channel-delete", args=[channel.pk])).status_code == 404
    client.force_login(user)
    client.post(reverse("core:my-channel-delete", args=[channel.pk]))
    assert not NotificationChannel.objects.exists()


@pytest.mark.django_db
def test_a_robot_gets_at_most_its_per_minute_limit(robots, make_user, settings):
    settings.CHANNEL_ROBOT_PER_MINUTE = 3
    user, other = make_user(), make_user()
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=user)
    _channel("wecom", f"{robots.base}/wecom?key=robot-key", user=other)
    for i in range(5):
        _notify(user, title=f"提醒 {i}")
    _notify(other, title="别人的提醒")
    first = _run(MONDAY_10)
    assert first.sent == 4  # three for the busy robot, and the other robot is not held up
    assert ChannelDelivery.objects.filter(state=DeliveryState.PENDING).count() == 2
    assert channel_deliveries_run(now=MONDAY_10 + dt.timedelta(seconds=30)).sent == 0
    assert channel_deliveries_run(now=MONDAY_10 + dt.timedelta(seconds=61)).sent == 2
