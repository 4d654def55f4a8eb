"""The deadline pages and the timer widget: same colours and countdown data everywhere."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.core.choices import Role
from servicedesk.core.services.timers import sla_sweep, timer_start

pytestmark = pytest.mark.django_db


def make_timers(n: int, *, assignee=None, minutes: int = 60, started=None):
    started = started or timezone.now()
    timers = []
    for i in range(n):
        subject = Group.objects.create(name=f"subject-{minutes}-{i}-{started.timestamp()}")
        timers.append(
            timer_start(
                subject=subject,
                target="callback",
                started_at=started,
                amount=minutes,
                unit="minutes",
                assignee=assignee,
            )
        )
    return timers


def test_deadline_page_is_sortable_and_its_queries_do_not_grow(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    client.force_login(manager)
    make_timers(3)
    client.get("/deadlines/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/deadlines/?sort=-due").status_code == 200
    make_timers(40)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/deadlines/?sort=-due").content.decode()
    assert page.count("data-timer-due=") == 43
    assert len(many) == len(few)


def test_overdue_filter_and_tones(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    client.force_login(manager)
    long_ago = timezone.now() - dt.timedelta(hours=5)
    make_timers(2, minutes=60, started=long_ago)  # due 4 hours ago
    make_timers(1, minutes=600)
    sla_sweep()
    page = client.get("/deadlines/?state=all&overdue=1").content.decode()
    assert page.count("timer timer-breached") == 2
    assert "timer-on_time" not in page


def test_nobody_without_the_permission_sees_deadlines(client, make_user):
    client.force_login(make_user())
    make_timers(2)
    assert client.get("/deadlines/").content.decode().count("data-timer-due=") == 0


def test_dashboard_lists_my_deadlines(client, make_user):
    engineer = make_user(Role.HOTLINE_ENGINEER)
    make_timers(2, assignee=engineer)
    make_timers(3)
    client.force_login(engineer)
    assert client.get("/").content.decode().count("data-timer-due=") == 2


def test_widget_renders_each_state_with_its_tone(make_user):
    now = timezone.now()
    (warn,) = make_timers(1, minutes=100, started=now - dt.timedelta(minutes=90))
    (late,) = make_timers(1, minutes=10, started=now - dt.timedelta(minutes=30))
    (fine,) = make_timers(1, minutes=600)
    html = ""
    for timer in (warn, late, fine):
        html += Template("{% load desk %}{% timers_widget obj %}").render(
            Context({"obj": timer.subject})
        )
    assert "timer-warning" in html and "timer-breached" in html and "timer-on_time" in html


def test_deadlines_are_named_for_people_not_by_their_code(client, make_user, settings):
    (timer,) = make_timers(1, minutes=60)
    html = Template("{% load desk %}{% timers_widget obj %}").render(
        Context({"obj": timer.subject})
    )
    assert "Customer called back" in html
    assert ">callback<" not in html
    # Apps name their own targets; an unknown one shows as it is.
    from servicedesk.core.choices import TIMER_TARGET_LABELS, timer_targets_register

    saved = dict(TIMER_TARGET_LABELS)
    try:
        timer_targets_register(custom_target="Custom deadline")
        rendered = Template("{% load desk %}{{ a|timer_target }}|{{ b|timer_target }}").render(
            Context({"a": "custom_target", "b": "no_such_target"})
        )
        assert rendered == "Custom deadline|no_such_target"
    finally:
        TIMER_TARGET_LABELS.clear()
        TIMER_TARGET_LABELS.update(saved)


def test_timer_labels_are_translated_to_chinese():
    from django.utils import translation

    from servicedesk.core.choices import TIMER_TARGET_LABELS, timer_target_label

    with translation.override("zh-hans"):
        for target in TIMER_TARGET_LABELS:
            label = timer_target_label(target)
            assert not label.isascii(), f"{target}: {label}"
