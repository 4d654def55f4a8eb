"""Tests for the printed-forms framework (pure over data, no Django needed)."""

from __future__ import annotations

import dataclasses
import io
import math
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from servicedesk.core.printing import (
    Checklist,
    CompanyHeader,
    FormDocument,
    Heading,
    KeyValueGrid,
    PageBreak,
    Paragraph,
    SignatureBox,
    Spacer,
    Table,
    content_fingerprint,
    register_fonts,
    render_pdf,
)

SAMPLE_PATH = Path("/tmp/sample_form.pdf")


def squiggle_png() -> bytes:
    """A hand-drawn-looking signature: dark strokes on a transparent background."""
    img = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [(20 + x * 5.5, 100 + 55 * math.sin(x / 6) * math.cos(x / 23)) for x in range(100)]
    draw.line(points, fill=(20, 30, 90, 255), width=6, joint="curve")
    draw.line([(90, 160), (480, 150), (540, 120)], fill=(20, 30, 90, 255), width=5)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def sample_document() -> FormDocument:
    parts = [
        (f"{i:03d}", f"配件名称 <型号-{i}> & 说明", "个", str(i % 7 + 1), "更换" if i % 3 else "")
        for i in range(1, 66)
    ]
    return FormDocument(
        title="服务要求单",
        number="FW-2026-000123",
        subtitle="（客户联）",
        company=CompanyHeader(
            name="上海某某信息技术服务有限公司",
            address="上海市浦东新区张江路 88 号 5 楼",
            phone="400-820-1234",
            website="https://service.example.cn",
        ),
        record_url="https://desk.example.cn/fieldservice/dispatches/123/",
        meta=[("客户", "某某市第一人民医院"), ("派工日期", date(2026, 3, 2))],
        blocks=[
            Heading("一、客户信息"),
            KeyValueGrid(
                rows=[
                    ("客户名称", "某某市第一人民医院", True),
                    ("联系人", "李 明"),
                    ("联系电话", "0571-88886666"),
                    ("产品", "HIS 医院信息系统 V5.2"),
                    ("合同编号", None),
                    ("服务地址", "浙江省杭州市西湖区文三路 100 号 信息中心 3 楼机房", True),
                    ("故障描述", "门诊挂号模块打印发票时报错 <E1023>，\n影响所有收费窗口。", True),
                    ("紧急程度", "紧急"),
                ]
            ),
            Heading("二、服务过程"),
            Paragraph(
                "工程师到达现场后，检查了收费工作站和打印服务器。经排查，问题原因为发票模板"
                "升级后字段长度不一致（A&B 两类票据），已按标准流程修复并由客户确认。"
                "本段文字较长，用于检验中文自动换行是否正确，不应出现字符溢出单元格或页面边界的情况。"
            ),
            Spacer(2),
            Heading("三、更换配件清单"),
            Table(
                header=["序号", "配件", "单位", "数量", "处理"],
                rows=parts,
                col_widths=[1, 5, 1, 1, 1.4],
                align=["center", "left", "center", "right", "center"],
            ),
            Heading("四、现场检查"),
            Checklist(
                items=[
                    ("数据库备份正常", True, ""),
                    ("打印服务运行", False, "已重启服务，需观察一周"),
                    ("网络连通性", None, ""),
                ]
            ),
            Paragraph("客户意见：满意。"),
        ],
        signatures=[
            SignatureBox(
                label="客户签字",
                signer_name="李明",
                signer_role="信息科科长",
                signed_at=datetime(2026, 3, 2, 16, 45),
                image_png=squiggle_png(),
            ),
            SignatureBox(label="服务工程师签字", signer_name="王工", signer_role="现场工程师"),
            SignatureBox(label="客户单位", is_seal_box=True),
        ],
    )


def pdftotext(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required on CI")
        pytest.skip("pdftotext not installed")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def signed_doc() -> FormDocument:
    doc = sample_document()
    return dataclasses.replace(doc, fingerprint=content_fingerprint(doc))


@pytest.fixture(scope="module")
def pdf(signed_doc: FormDocument) -> bytes:
    data = render_pdf(signed_doc)
    SAMPLE_PATH.write_bytes(data)  # for looking at by hand: pdftoppm -png -r 80 ...
    return data


def test_register_fonts_is_idempotent() -> None:
    assert register_fonts() == register_fonts()


def test_pdf_embeds_font(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    assert b"FontFile2" in pdf
    assert b"STSong" not in pdf


def test_text_pages_and_fingerprint(pdf: bytes, signed_doc: FormDocument) -> None:
    text = pdftotext(pdf)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    total = len(pages)
    assert total >= 2
    assert "服务要求单" in text
    assert "FW-2026-000123" in text
    for number, page in enumerate(pages, start=1):
        # Poppler reads evenly spaced short runs as letter-spacing and drops the spaces
        # ("第1页/共4页"), so compare without whitespace.
        compact = re.sub(r"\s+", "", page)
        assert f"第{number}页/共{total}页" in compact
        assert "FW-2026-000123" in page  # every page identifies the form
        assert "上海某某信息技术服务有限公司" in page
    assert f"文档指纹 SHA-256: {signed_doc.fingerprint}" in text
    # Escaped markup characters come out as text; missing values never print "None".
    assert "<型号-65> & 说明" in text
    assert "<E1023>" in text
    assert "None" not in text
    # Signature boxes: signed one shows signer and time, unsigned ones blank lines.
    assert "签字人：李明（信息科科长）" in text
    assert "王工（现场工程师）" in text
    assert "2026-03-02 16:45" in text
    assert "（盖章）" in text
    assert "签字：" in text


def test_rendering_is_deterministic(pdf: bytes, signed_doc: FormDocument) -> None:
    assert render_pdf(signed_doc) == pdf
    assert render_pdf(sample_document()) == render_pdf(sample_document())


def test_fingerprint_covers_content_not_signatures() -> None:
    doc = sample_document()
    base = content_fingerprint(doc)
    assert len(base) == 64
    assert content_fingerprint(sample_document()) == base

    more_signatures = dataclasses.replace(
        doc, signatures=[*doc.signatures, SignatureBox(label="见证人")], fingerprint=base
    )
    assert content_fingerprint(more_signatures) == base

    blocks = list(doc.blocks)
    blocks[-1] = Paragraph("客户意见：不满意。")
    assert content_fingerprint(dataclasses.replace(doc, blocks=blocks)) != base
    assert content_fingerprint(dataclasses.replace(doc, number="FW-2026-000124")) != base

    checklist = Checklist(items=[("数据库备份正常", False, "")])
    changed = dataclasses.replace(doc, blocks=[*doc.blocks[:-2], checklist, doc.blocks[-1]])
    assert content_fingerprint(changed) != base


def test_verify_url_and_minimal_document() -> None:
    doc = FormDocument(
        title="工作交接书",
        number="JJ-1",
        company=CompanyHeader(name="测试公司"),
        record_url="https://desk.example.cn/projects/1/",
        verify_url="https://desk.example.cn/verify/abc/",
        blocks=[KeyValueGrid(rows=[], columns=3), Table(header=[], rows=[]), PageBreak()],
    )
    data = render_pdf(doc)
    assert data.startswith(b"%PDF")
    text = pdftotext(data)
    assert "https://desk.example.cn/verify/abc/" in text
    assert "https://desk.example.cn/projects/1/" not in text


def test_table_row_too_long_is_rejected() -> None:
    doc = FormDocument(
        title="表",
        number="X-1",
        company=CompanyHeader(name="测试公司"),
        record_url="https://desk.example.cn/x/1/",
        blocks=[Table(header=["a", "b"], rows=[["1", "2", "3"]])],
    )
    with pytest.raises(ValueError, match="expected at most 2"):
        render_pdf(doc)


def test_overlong_cells_flow_across_pages() -> None:
    """A description longer than a page continues on extra rows instead of failing."""
    long_text = "现场情况说明，" * 900
    doc = FormDocument(
        title="客户服务报告",
        number="BG-1",
        company=CompanyHeader(name="测试公司"),
        record_url="https://desk.example.cn/reports/1/",
        blocks=[
            KeyValueGrid(rows=[("描述", long_text, True), ("结论", "正常")], columns=3),
            Table(header=["项目", "说明"], rows=[["检查", long_text]]),
        ],
        signatures=[SignatureBox(label=f"签字 {i}") for i in range(4)],
    )
    data = render_pdf(doc)
    assert len(re.findall(rb"/Type /Page\b(?!s)", data)) > 3
