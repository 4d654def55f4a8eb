"""Message templates (docs/architecture.md §channels.templates): a restricted engine
(no load / include / debug, strings only), autoescaped markdown, Chinese defaults, refusal
with the reason, the admin's preview, and the test button sending through the outbox with
the template applied."""

from __future__ import annotations

import pytest
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

from servicedesk.core.channels.templating import render_message, template_error
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import ChannelDelivery, DeliveryState, MessageTemplate
from servicedesk.core.services.channels import channel_save, message_template_save

from .receivers import RobotReceiver


@pytest.fixture
def robots():
    receiver = RobotReceiver(secrets={}).start()
    yield receiver
    receiver.stop()


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}{% static 'x' %}",
        '{% include "base.html" %}',
        '{% extends "base.html" %}',
        "{% debug %}",
        "{{ title|safe }}",
        "{% url 'admin:index' %}",
    ],
)
def test_the_engine_knows_no_dangerous_tag_or_filter(source):
    with translation.override("zh-hans"):
        assert "不能用在消息模板中" in template_error(source)
    with pytest.raises(TemplateSyntaxError):
        render_message("x", source, {}, channel_kind="wecom")


def test_only_strings_reach_the_template():
    title, body = render_message(
        "{{ title|truncatechars:6 }}",
        "{% if link %}{{ link }}{% endif %}{{ settings }}{{ request }}{{ user }}",
        {"title": "服务单已经超时很久了", "link": "https://x/1", "settings": object()},
        channel_kind="email",
    )
    assert title == "服务单已经…" and body == "https://x/1"


def test_markdown_is_autoescaped_plain_text_is_not():
    context = {"title": "A&B <公司>", "body": "<font color=red>注入</font>"}
    title, body = render_message("{{ title }}", "{{ body }}", context, channel_kind="dingtalk")
    assert title == "A&B <公司>"  # titles are plain text
    assert body == "&lt;font color=red&gt;注入&lt;/font&gt;"
    _, body = render_message("{{ title }}", "{{ body }}", context, channel_kind="email")
    assert body == "<font color=red>注入</font>"


@pytest.mark.django_db
def test_chinese_defaults_are_seeded():
    general = MessageTemplate.objects.get(kind="", channel_kind="")
    assert "时间" in general.body
    assert MessageTemplate.objects.get(kind="sla_breach").title.startswith("【已超时】")


@pytest.mark.django_db
def test_saving_refuses_an_unreadable_template_with_the_reason():
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as bad:
        message_template_save(
            by=None, kind="x", channel_kind="wecom", title="{% if title %}", body="{% load i18n %}"
        )
    assert set(bad.value.extra) == {"title", "body"}
    assert "“load”不能用在消息模板中" in bad.value.extra["body"][0]


@pytest.mark.django_db
def test_admin_edits_and_previews_a_template(client, make_user, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    template = MessageTemplate.objects.get(kind="sla_breach", channel_kind="")
    url = reverse("admin:core_messagetemplate_change", args=[template.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "【已超时】服务单 RX20261206-00012 已超时" in page  # the preview, sample words
    bad = client.post(
        url,
        {"kind": "sla_breach", "channel_kind": "", "title": "{% debug %}", "body": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert bad.status_code == 200 and "不能用在消息模板中" in bad.content.decode()
    template.refresh_from_db()
    assert template.title.startswith("【已超时】")
    done = client.post(
        url,
        {
            "kind": "sla_breach",
            "channel_kind": "",
            "title": "【超时！】{{ title }}",
            "body": "{{ body }}",
        },
    )
    assert done.status_code == 302
    template.refresh_from_db()
    assert template.title == "【超时！】{{ title }}"
    assert template.history.latest().history_user == admin


@pytest.mark.django_db
def test_test_button_goes_through_the_outbox_with_the_template(client, make_user, robots, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    admin = make_user(is_superuser=True, is_staff=True)
    client.force_login(admin)
    MessageTemplate.objects.filter(kind="channel_test").update(
        title="【测试】{{ title }}", body="{{ body }}\n（模板生效）"
    )
    channel = channel_save(
        by=admin,
        name="热线群",
        kind="wecom",
        address=f"{robots.base}/wecom?key=robot-key",
        team="热线组",
    )
    response = client.post(
        reverse("admin:core_notificationchannel_test", args=[channel.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = response.content.decode()
    assert "测试消息已发送到“热线群”" in page
    (got,) = robots.accepted()
    content = got.body["markdown"]["content"]
    assert "【测试】服务台测试消息" in content and "（模板生效）" in content
    row = ChannelDelivery.objects.get(channel=channel)
    assert row.state == DeliveryState.SENT and row.attempts == 1
    # A robot that refuses: the page says why, the row keeps the error.
    broken = channel_save(
        by=admin, name="坏群", kind="wecom", address=f"{robots.base}/wecom?key=other", team="x"
    )
    response = client.post(
        reverse("admin:core_notificationchannel_test", args=[broken.pk]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "向“坏群”发送测试消息失败" in response.content.decode()
    assert ChannelDelivery.objects.get(channel=broken).last_error
