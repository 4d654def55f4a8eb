"""The printed hand-over book (docs/domain.md §project.handover, §project.forms): who
acknowledged when, the network diagram kept in the system, and a short book signed on its
one page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from projects.choices import ProjectState
from projects.models import HANDOVER_FORM, HandoverVersion
from projects.printing import handover_book
from projects.services import handover_give, handover_receive, handover_write
from servicedesk.core import printforms
from servicedesk.core.printing import KeyValueGrid, Table, document
from tests.projects.factories import make_team, project_in

pytestmark = pytest.mark.django_db


def _grid(doc) -> dict[str, str]:
    rows = [r for b in doc.blocks if isinstance(b, KeyValueGrid) for r in b.rows]
    return {str(r[0]): str(r[1]) for r in rows}


def test_the_book_says_who_acknowledged_when(make_user):
    team = make_team(make_user)
    project = project_in(ProjectState.IN_PROGRESS, team)
    version = handover_write(project, by=team.pm, receiver=team.consultant, reason="调岗交接")
    grid = _grid(handover_book(version))
    assert grid["Giver acknowledged"] == "—" and grid["Receiver acknowledged"] == "—"
    assert grid["Network diagram"] == "—"
    version = handover_give(version, by=team.pm)
    version = handover_receive(version, by=team.consultant)
    grid = _grid(handover_book(HandoverVersion.objects.get(pk=version.pk)))
    given = timezone.localtime(version.given_at).strftime("%Y-%m-%d %H:%M")
    assert grid["Giver acknowledged"] == given
    assert grid["Receiver acknowledged"] != "—"
    # no open problem and no account: a line each, not an empty table
    assert not [b for b in handover_book(version).blocks if isinstance(b, Table)]


def test_a_short_book_is_signed_on_its_one_page(make_user, monkeypatch):
    team = make_team(make_user)
    project = project_in(ProjectState.IN_PROGRESS, team)
    version = handover_write(
        project,
        by=team.pm,
        receiver=team.consultant,
        reason="休假两周",
        customer_info="联系人刘敏（财务总监），电话 13900001111。",
        system_config="U8 V16.0，SQL Server 2019。",
        implementation_records="人力资源档案已导入 80%。",
    )
    pages: list[int] = []
    draw = document._SignatureRow.draw

    def spy(self):
        pages.append(self.canv.getPageNumber())
        draw(self)

    monkeypatch.setattr(document._SignatureRow, "draw", spy)
    printforms.render(printforms.form_get(HandoverVersion, HANDOVER_FORM), version)
    assert pages == [1]
