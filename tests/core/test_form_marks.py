"""Every form marks its required fields (issue 10 §15), on every page each role opens:
a control the browser treats as required has the required mark on its label, drawn by
the one shared mark (``partials/required_mark.html``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from tests.core.words import marked_labels, pages_of, required_controls_unmarked

pytestmark = pytest.mark.django_db

ROLES = ["admin", "zhengwei", "wangjing", "chengang", "chuyang", "qianjun", "shenyu", "wufang"]


def test_required_fields_are_marked_on_every_page(client):
    with translation.override("zh-hans"):
        call_command("demo")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    unmarked, marks = [], 0
    for username in ROLES:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        for url, html in pages_of(client, user).items():
            marks += len(marked_labels(html))
            missing = required_controls_unmarked(html)
            if missing:
                unmarked.append((username, url, missing))
    assert marks > 20  # the check sees the forms
    assert not unmarked, unmarked
