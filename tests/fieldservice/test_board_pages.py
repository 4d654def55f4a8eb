"""The dispatch board pages its engineers (30 a page) and draws each card from markup the
selector prepared, escaped (docs/architecture.md §boards)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldservice.choices import DispatchState
from fieldservice.models import Engineer
from fieldservice.selectors import BOARD_ENGINEERS
from servicedesk.core.choices import Role
from tests.fieldservice.factories import advance, make_engineer, new_dispatch

pytestmark = [pytest.mark.django_db]


def _page(client, **params) -> tuple[str, int]:
    # The week of the visit (tomorrow may be next week).
    params.setdefault("start", (timezone.localdate() + dt.timedelta(days=1)).isoformat())
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/dispatches/board/", params)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_board_pages_engineers_in_constant_queries_and_escapes_cards(client, make_user):
    manager = make_user(Role.SERVICE_MANAGER, username="zhengwei", last_name="郑", first_name="伟")
    first = make_engineer(make_user, username="chengang")
    visit = advance(
        new_dispatch(manager, site_address='星湖街 <b>328</b> 号 "东门"'),
        DispatchState.SCHEDULED,
        manager=manager,
        engineer=first,
        appointment=timezone.make_aware(
            dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(10))
        ),
    )
    client.force_login(manager)
    client.get("/dispatches/board/")  # warm the per-process caches
    html, few = _page(client)
    assert html.count('data-testid="board-row"') == 1
    assert 'data-testid="board-pages"' not in html
    assert f'data-dispatch="{visit.pk}" data-engineer="{first.pk}"' in html
    assert "星湖街 &lt;b&gt;328&lt;/b&gt; 号 &quot;东门&quot;" in html
    assert "<b>328</b>" not in html

    for _i in range(BOARD_ENGINEERS + 4):
        make_engineer(make_user)
    total = Engineer.objects.count()
    html, many = _page(client)
    assert many == few
    assert html.count('data-testid="board-row"') == BOARD_ENGINEERS
    assert 'data-testid="board-pages"' in html
    assert "1 / 2" in html
    second, again = _page(client, page=2)
    assert again == many
    assert second.count('data-testid="board-row"') == total - BOARD_ENGINEERS
    # A page out of range shows the last one rather than an error.
    assert _page(client, page=99)[0].count('data-testid="board-row"') == total - BOARD_ENGINEERS
    assert _page(client, page="x")[0].count('data-testid="board-row"') == BOARD_ENGINEERS
