"""The acceptance report's signature and seal block (PM, customer, sales manager, the
customer's seal) never splits across pages: when it does not fit under the report, the
whole block moves to the next page (docs/architecture.md §printing)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from projects.choices import ProjectState
from projects.models import ACCEPTANCE_FORM, Project
from servicedesk.core import printforms
from servicedesk.core.printing import document
from tests.projects.factories import make_team, project_in

pytestmark = pytest.mark.django_db

END = "验收意见到此为止"


def _report(lines: int) -> str:
    body = [f"第{i + 1}条：总账、报表、供应链模块运行正常，数据核对一致。" for i in range(lines)]
    return "\n".join([*body, END])


def _render(project: Project, monkeypatch) -> tuple[bytes, list[int]]:
    """The PDF and the page on which each row of signature boxes was drawn."""
    pages: list[int] = []
    draw = document._SignatureRow.draw

    def spy(self):
        pages.append(self.canv.getPageNumber())
        draw(self)

    monkeypatch.setattr(document._SignatureRow, "draw", spy)
    spec = printforms.form_get(Project, ACCEPTANCE_FORM)
    return printforms.render(spec, project), pages


def _pages_text(pdf: bytes) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8").split("\f")


@pytest.mark.parametrize("state", [ProjectState.PLANNING, ProjectState.ACCEPTANCE_REVIEW])
def test_the_signature_block_stays_together_whatever_the_report_length(
    make_user, monkeypatch, state
):
    team = make_team(make_user)
    project = project_in(state, team)
    seen_pages = []
    moved = None
    for lines in range(0, 70, 3):
        project.acceptance_summary = _report(lines)
        pdf, rows = _render(project, monkeypatch)
        # three signature boxes on one row, the seal on the next: always on one page, the last
        assert len(rows) == 2 and rows[0] == rows[1], (lines, rows)
        texts = [t for t in _pages_text(pdf) if t.strip()]
        assert rows[0] == len(texts), (lines, rows, len(texts))
        seen_pages.append(rows[0])
        end_page = next(n for n, t in enumerate(texts, start=1) if END in t)
        if rows[0] > end_page and moved is None:
            moved = lines
            # the report ended on the page before: the whole block went over, nothing of
            # it was left behind (every box's label is on the block's page only)
            labels = ["Project manager", "Customer", "Sales manager", "Company seal"]
            for label in labels:
                assert label in texts[rows[0] - 1]
            assert "签字" not in texts[end_page - 1] and "日期" not in texts[end_page - 1]
    assert seen_pages == sorted(seen_pages)
    if state == ProjectState.PLANNING:  # no stages yet: a short report signs on page 1
        assert seen_pages[0] == 1
    assert moved is not None, "no report length pushed the block to the next page"
