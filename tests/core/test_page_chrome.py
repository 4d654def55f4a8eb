"""The page chrome (menu, bell count, roles: core.context_processors.portal) is computed
only when a template draws it (docs/architecture.md §load): fragments (the bell's own
count, live boards, htmx answers) render through the same context processors but draw no
menu, so they pay none of its queries; full pages still show all three."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.core.choices import Role
from servicedesk.core.models import Notification

pytestmark = pytest.mark.django_db


def _sqls(client, url: str, **headers) -> list[str]:
    client.get(url, **headers)  # per-process caches (content types) filled
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_bells_count_reads_no_menu_roles_or_second_count(client, make_user):
    user = make_user(Role.HOTLINE_ENGINEER)
    Notification.objects.create(recipient=user, title="新工单")
    client.force_login(user)
    sqls = _sqls(client, "/notifications/count/", HTTP_HX_REQUEST="true")
    # roles, menu permissions (the user's own row carries their permissions: core.auth)
    assert not [s for s in sqls if "auth_group" in s and "loaded_permissions" not in s]
    assert len([s for s in sqls if "core_notification" in s]) == 1
    assert len(sqls) == 3  # session, user, the count with its version


def test_a_full_page_still_draws_menu_bell_and_roles(client, make_user):
    user = make_user(Role.HOTLINE_ENGINEER)
    Notification.objects.create(recipient=user, title="新工单")
    client.force_login(user)
    html = client.get("/tickets/").content.decode()
    assert 'data-testid="bell-count"' in html
    assert 'href="/tickets/new/"' in html  # the menu
    assert str(Role(Role.HOTLINE_ENGINEER).label) in html
