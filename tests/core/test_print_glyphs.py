"""Printed forms never drop a character silently (docs/architecture.md §printing.glyphs)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from servicedesk.core.printing import (
    CompanyHeader,
    FormDocument,
    KeyValueGrid,
    Paragraph,
    render_pdf,
)
from servicedesk.core.printing.fonts import MISSING_GLYPH, font_for

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def document(text: str) -> FormDocument:
    return FormDocument(
        title="巡检报告",
        number="XJ-2026-000001",
        company=CompanyHeader(name="上海某某信息技术服务有限公司"),
        record_url="https://desk.example.com/r/1",
        meta=[("客户", "某某医院 31℃")],
        blocks=[Paragraph(text), KeyValueGrid(rows=[("备注", text)])],
    )


def test_degrees_celsius_is_drawn_by_the_fallback_font():
    # Micro Hei maps ℃ to an empty glyph: it printed as nothing.
    assert font_for("℃") == "DejaVuSans"
    assert font_for("温") == "WenQuanYiMicroHei"


def test_every_character_is_printed_or_visibly_replaced(tmp_path):
    text = "机房温度 31℃，空调故障；客户说“😀”，姓名 䶮 𠀀，阿拉伯文 باب，希腊 Ω"
    extracted = pdf_text(render_pdf(document(text)), tmp_path)
    flat = "".join(extracted.split())
    for part in ("机房温度31℃", "空调故障", "باب", "Ω"):
        assert "".join(part.split()) in flat or part[::-1] in flat, part
    # Rare CJK characters no shipped font has: a visible box, never nothing.
    assert f"姓名{MISSING_GLYPH}{MISSING_GLYPH}" in flat
    assert "䶮" not in flat and "𠀀" not in flat
