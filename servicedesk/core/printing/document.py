"""Generic A4 printed-form renderer (reportlab), pure over plain data.

Apps describe a form as a :class:`FormDocument` made of simple blocks and get a PDF
back from :func:`render_pdf`.  Nothing here imports Django models, so forms can be
rendered from views, Celery tasks and tests alike, and the same data always yields
byte-identical PDFs (reportlab's ``invariant`` mode), which keeps signed documents
reproducible.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from reportlab import platypus
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import FONT_NAME, MISSING_GLYPH, font_for, printable_markup, register_fonts

# --- User-visible labels (printed in Chinese; constants so they can be translated) ---
LABEL_NUMBER = "编号"
LABEL_PAGE = "第 {page} 页 / 共 {total} 页"
LABEL_FINGERPRINT = "文档指纹 SHA-256: "
LABEL_ADDRESS = "地址"
LABEL_PHONE = "电话"
LABEL_WEBSITE = "网址"
LABEL_SIGN = "签字"
LABEL_SIGNER = "签字人"
LABEL_DATE = "日期"
LABEL_DATE_BLANK = "　　　　年　　月　　日"
LABEL_SEAL = "（盖章）"
LABEL_CONTINUED = "（续）"
SEAL_MARKER = "盖章"
CHECKLIST_HEADER = ("序号", "检查项目", "检查结果", "备注")
CHECK_OK = "√ 正常"
CHECK_FAILED = "× 异常"
CHECK_BLANK = ("正常", "异常")
BOOL_TRUE = "是"
BOOL_FALSE = "否"
COLON = "："

# --- Page geometry and look ---
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 15 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
QR_SIZE = 22 * mm
FIRST_HEADER_RULE_Y = PAGE_HEIGHT - 40 * mm
LATER_HEADER_RULE_Y = PAGE_HEIGHT - 16 * mm
FOOTER_RULE_Y = 16 * mm
FRAME_BOTTOM = 20 * mm
FRAME_GAP = 3 * mm

BODY_SIZE = 10
BODY_LEADING = 14.5
CELL_LEADING = 13.5
TITLE_SIZE = 18
HEADING_SIZE = 11.5
HEADING_KEEP_SPACE = 30 * mm
CELL_PAD = 4
#: Cells taller than this continue on extra rows, so a long description can flow
#: across pages (reportlab cannot reliably split one table row over several pages).
MAX_CELL_HEIGHT = 8 * CELL_LEADING

TEXT_COLOR = colors.HexColor("#1a1a1a")
MUTED_COLOR = colors.HexColor("#595959")
RULE_COLOR = colors.HexColor("#333333")
GRID_COLOR = colors.HexColor("#4d4d4d")
LABEL_BG = colors.HexColor("#f0f0f0")
HEADER_BG = colors.HexColor("#e4e4e4")

SIG_PER_ROW = 3
SIG_GAP = 5 * mm
SIG_BOX_HEIGHT = 36 * mm
SEAL_BOX_HEIGHT = 50 * mm
SIG_PAD = 3 * mm
SEAL_WIDTH_WEIGHT = 1.3
FINGERPRINT_FORMAT = 1
ALIGN_STYLES = {"left": "cell", "center": "center", "right": "right"}


# --- Data model -----------------------------------------------------------------------


@dataclass
class CompanyHeader:
    """The issuing company, printed at the top of every page."""

    name: str
    address: str = ""
    phone: str = ""
    website: str = ""


@dataclass
class SignatureBox:
    """A place to sign: filled from a recorded signature, or blank for pen and paper."""

    label: str
    signer_name: str = ""
    signer_role: str = ""
    #: Printed as given (``YYYY-MM-DD HH:MM``): pass it already in local time.
    signed_at: datetime | None = None
    #: A drawn signature (or a scanned seal), ideally a PNG with transparency.
    image_png: bytes | None = None
    #: A larger box for a company seal (盖章).
    is_seal_box: bool = False


@dataclass
class Heading:
    """A section title inside the form."""

    text: str


@dataclass
class Paragraph:
    """Free text; newlines are kept, Chinese wraps at any character."""

    text: str


#: ``(label, value)`` or ``(label, value, wide)``; a wide row spans the whole grid width.
KeyValueRow = tuple[str, Any] | tuple[str, Any, bool]


@dataclass
class KeyValueGrid:
    """Bordered label/value grid as on printed Chinese forms (labels shaded)."""

    rows: Sequence[KeyValueRow]
    columns: int = 2


@dataclass
class Table:
    """A data table whose header row repeats on every page it spans."""

    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    #: Relative column widths (ratios), e.g. ``[1, 4, 2]``; equal when omitted.
    col_widths: Sequence[float] | None = None
    #: Per-column alignment: "left", "center" or "right" (presentation only).
    align: Sequence[str] | None = None


@dataclass
class Checklist:
    """Inspection items: ``(item, ok, note)`` where ok is True, False or None (unchecked)."""

    items: Sequence[tuple[str, bool | None, str]]


@dataclass
class Spacer:
    """Vertical white space, in millimetres."""

    mm: float


@dataclass
class PageBreak:
    """Start the following blocks on a new page."""


Block = Heading | Paragraph | KeyValueGrid | Table | Checklist | Spacer | PageBreak


@dataclass
class FormDocument:
    """Everything printed on one form."""

    title: str
    number: str
    company: CompanyHeader
    #: Absolute URL of the record; encoded in the QR code unless ``verify_url`` is set.
    record_url: str
    blocks: list[Block] = field(default_factory=list)
    signatures: list[SignatureBox] = field(default_factory=list)
    #: SHA-256 hex of the content that was signed; printed in the footer when present.
    fingerprint: str | None = None
    #: Verification page; when given the QR code points here instead of ``record_url``.
    verify_url: str | None = None
    subtitle: str = ""
    #: Short facts under the title, e.g. ``[("客户", "某某医院"), ("日期", date)]``.
    meta: Sequence[tuple[str, Any]] = field(default_factory=list)


# --- Fingerprint ----------------------------------------------------------------------


def display(value: Any) -> str:
    """Text printed for a cell value: never "None", dates in Chinese office format."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return BOOL_TRUE if value else BOOL_FALSE
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _unpack_row(row: KeyValueRow) -> tuple[str, str, bool]:
    if len(row) == 2:
        label, value = row  # type: ignore[misc]
        return display(label), display(value), False
    label, value, wide = row  # type: ignore[misc]
    return display(label), display(value), bool(wide)


def _block_payload(block: Block) -> dict[str, Any]:
    """Canonical, printed-text form of a block (what the signer actually saw)."""
    kind = type(block).__name__
    if isinstance(block, Heading | Paragraph):
        return {"type": kind, "text": block.text}
    if isinstance(block, KeyValueGrid):
        rows = [list(_unpack_row(row)) for row in block.rows]
        return {"type": kind, "columns": block.columns, "rows": rows}
    if isinstance(block, Table):
        return {
            "type": kind,
            "header": [display(h) for h in block.header],
            "rows": [[display(v) for v in row] for row in block.rows],
            "col_widths": None
            if block.col_widths is None
            else [float(w) for w in block.col_widths],
        }
    if isinstance(block, Checklist):
        items = [[display(item), ok, display(note)] for item, ok, note in block.items]
        return {"type": kind, "items": items}
    if isinstance(block, Spacer):
        return {"type": kind, "mm": float(block.mm)}
    if isinstance(block, PageBreak):
        return {"type": kind}
    raise TypeError(f"unknown form block: {block!r}")


def content_fingerprint(doc: FormDocument) -> str:
    """SHA-256 over a canonical JSON of the form's content.

    Covers title, subtitle, number, meta and blocks as printed text; deliberately not
    signatures, the fingerprint itself, the company header or URLs, so that signing a
    document (or moving the server) does not change what was signed.
    """
    payload = {
        "format": FINGERPRINT_FORMAT,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "number": doc.number,
        "meta": [[display(label), display(value)] for label, value in doc.meta],
        "blocks": [_block_payload(block) for block in doc.blocks],
    }
    data = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# --- Styles and small drawing helpers -------------------------------------------------


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    base = ParagraphStyle(
        "form-body",
        fontName=font,
        fontSize=BODY_SIZE,
        leading=BODY_LEADING,
        textColor=TEXT_COLOR,
        wordWrap="CJK",
    )
    return {
        "body": ParagraphStyle("form-paragraph", parent=base, spaceAfter=2 * mm),
        "cell": ParagraphStyle("form-cell", parent=base, leading=CELL_LEADING),
        "label": ParagraphStyle(
            "form-label", parent=base, leading=CELL_LEADING, alignment=TA_CENTER
        ),
        "head": ParagraphStyle("form-th", parent=base, leading=CELL_LEADING, alignment=TA_CENTER),
        "center": ParagraphStyle(
            "form-center", parent=base, leading=CELL_LEADING, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle(
            "form-heading",
            parent=base,
            fontSize=HEADING_SIZE,
            leading=HEADING_SIZE * 1.4,
            spaceBefore=3 * mm,
            spaceAfter=1.5 * mm,
        ),
        "title": ParagraphStyle(
            "form-title",
            parent=base,
            fontSize=TITLE_SIZE,
            leading=TITLE_SIZE * 1.3,
            alignment=TA_CENTER,
        ),
        "subtitle": ParagraphStyle(
            "form-subtitle", parent=base, textColor=MUTED_COLOR, alignment=TA_CENTER
        ),
        "right": ParagraphStyle(
            "form-right", parent=base, leading=CELL_LEADING, alignment=TA_RIGHT
        ),
        "meta": ParagraphStyle("form-meta", parent=base, alignment=TA_LEFT),
        "meta-right": ParagraphStyle("form-meta-right", parent=base, alignment=TA_RIGHT),
    }


def _markup(text: str) -> str:
    """Escape text for reportlab paragraph markup, keeping line breaks."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(printable_markup(line) for line in lines)


def _runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (font, text) runs: the Chinese font, the fallback where it has
    no glyph, □ where no font has one (fonts.py)."""
    runs: list[tuple[str, str]] = []
    for ch in text:
        font = font_for(ch)
        if font is None:
            font, ch = FONT_NAME, MISSING_GLYPH
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def _text_width(text: str, size: float) -> float:
    register_fonts()
    return sum(stringWidth(part, font, size) for font, part in _runs(text))


def _para(text: Any, style: str) -> platypus.Paragraph:
    return platypus.Paragraph(_markup(display(text)), _styles()[style])


def _set_text_mode(canv: Canvas, mode: int) -> None:
    """Set the PDF text render mode in the graphics state (it outlives BT/ET)."""
    text = canv.beginText()
    text.setTextRenderMode(mode)
    canv.drawText(text)


def _fake_bold(canv: Canvas, size: float, color: colors.Color = TEXT_COLOR) -> None:
    """Micro Hei has no bold face: fill and stroke the glyphs to thicken them."""
    canv.setStrokeColor(color)
    canv.setLineWidth(size * 0.035)
    canv.setLineJoin(1)
    _set_text_mode(canv, 2)


class _BoldParagraph(platypus.Paragraph):
    """Paragraph drawn with faked bold (fill + stroke)."""

    def draw(self) -> None:
        self.canv.saveState()
        _fake_bold(self.canv, self.style.fontSize, self.style.textColor)
        super().draw()
        self.canv.restoreState()


def _fit_size(text: str, size: float, max_width: float, min_size: float = 5.5) -> float:
    """Largest font size <= size at which text fits max_width (not below min_size)."""
    width = _text_width(text, size)
    if width <= max_width or width == 0:
        return size
    return max(min_size, size * max_width / width)


def _draw_text(
    canv: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    align: str = "left",
    bold: bool = False,
    color: colors.Color = TEXT_COLOR,
    max_width: float | None = None,
) -> float:
    """Draw one line of text on the canvas; returns the width used."""
    if max_width is not None:
        size = _fit_size(text, size, max_width)
    canv.saveState()
    canv.setFont(register_fonts(), size)
    canv.setFillColor(color)
    if bold:
        _fake_bold(canv, size, color)
    width = _text_width(text, size)
    if align == "right":
        x -= width
    elif align == "center":
        x -= width / 2
    for font, part in _runs(text):
        canv.setFont(font, size)
        canv.drawString(x, y, part)
        x += stringWidth(part, font, size)
    canv.restoreState()
    return width


def _draw_qr(canv: Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value, barLevel="M", barBorder=0)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canv, x, y)


# --- Blocks to flowables --------------------------------------------------------------


def _grid_style(extra: list[tuple[Any, ...]]) -> platypus.TableStyle:
    return platypus.TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
            ("BOX", (0, 0), (-1, -1), 0.9, GRID_COLOR),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            *extra,
        ]
    )


def _split_tall(cell: Any, width: float) -> list[Any]:
    """Cut a cell's flowable into pieces no taller than MAX_CELL_HEIGHT."""
    if not isinstance(cell, platypus.Flowable):
        return [cell]
    pieces: list[Any] = []
    while True:
        _, height = cell.wrap(width, MAX_CELL_HEIGHT)
        parts = cell.split(width, MAX_CELL_HEIGHT) if height > MAX_CELL_HEIGHT else []
        if len(parts) < 2:
            pieces.append(cell)
            return pieces
        pieces.append(parts[0])
        cell = parts[1]


def _split_row(cells: Sequence[Any], widths: Sequence[float]) -> list[list[Any]]:
    """One logical row as one or more table rows, continuing over-tall cells below."""
    columns = [_split_tall(c, w - 2 * CELL_PAD) for c, w in zip(cells, widths, strict=True)]
    count = max(len(pieces) for pieces in columns)
    return [[p[k] if k < len(p) else "" for p in columns] for k in range(count)]


def _key_value_grid(grid: KeyValueGrid, width: float) -> platypus.Flowable:
    cols = max(1, grid.columns)
    rows = [_unpack_row(row) for row in grid.rows]
    if not rows:
        return platypus.Spacer(0, 0)
    longest = max(_text_width(label, BODY_SIZE) for label, _, _ in rows)
    label_w = min(max(longest + 2 * CELL_PAD + 2, 20 * mm), 36 * mm)
    value_w = (width - cols * label_w) / cols
    col_widths = [label_w, value_w] * cols
    data: list[list[Any]] = []
    style: list[tuple[Any, ...]] = []
    current: list[Any] = []

    def close(cells: list[Any]) -> None:
        widths = col_widths[: len(cells)]
        widths[-1] = sum(col_widths[len(cells) - 1 :])  # last value spans the rest
        for k, row in enumerate(_split_row(cells, widths)):
            r = len(data)
            for c in range(0, len(row), 2):
                style.append(("BACKGROUND", (c, r), (c, r), LABEL_BG))
                if k and row[c + 1] != "":
                    row[c] = _para(LABEL_CONTINUED, "label")
            if len(row) < 2 * cols:
                style.append(("SPAN", (len(row) - 1, r), (-1, r)))
                row = row + [""] * (2 * cols - len(row))
            data.append(row)

    for label, value, wide in rows:
        cells = [_para(label, "label"), _para(value, "cell")]
        if wide:
            if current:
                close(current)
                current = []
            close(cells)
        else:
            current.extend(cells)
            if len(current) == 2 * cols:
                close(current)
                current = []
    if current:
        close(current)
    return platypus.Table(
        data,
        colWidths=col_widths,
        style=_grid_style(style),
        hAlign="LEFT",
    )


def _data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    ratios: Sequence[float] | None,
    width: float,
    cell_styles: Sequence[str] | None = None,
) -> platypus.Flowable:
    n = len(header) or max((len(r) for r in rows), default=1)
    ratios = list(ratios) if ratios else [1.0] * n
    if len(ratios) != n:
        raise ValueError(f"table has {n} columns but {len(ratios)} column widths")
    total = float(sum(ratios))
    widths = [width * r / total for r in ratios]
    styles = list(cell_styles) if cell_styles else ["cell"] * n
    if len(styles) != n:
        raise ValueError(f"table has {n} columns but {len(styles)} alignments")
    data: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = []
    if header:
        data.append([_BoldParagraph(_markup(display(h)), _styles()["head"]) for h in header])
        extra.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_BG))
    for row in rows:
        if len(row) > n:
            raise ValueError(f"table row has {len(row)} cells, expected at most {n}: {row!r}")
        cells = list(row) + [""] * (n - len(row))
        flowables = [
            v if isinstance(v, platypus.Flowable) else _para(v, styles[i])
            for i, v in enumerate(cells)
        ]
        data.extend(_split_row(flowables, widths))
    if not data:
        return platypus.Spacer(0, 0)
    return platypus.Table(
        data,
        colWidths=widths,
        repeatRows=1 if header else 0,
        style=_grid_style(extra),
        hAlign="LEFT",
    )


class _TickBoxes(platypus.Flowable):
    """Empty tick boxes ("□ 正常  □ 异常") big enough to tick with a pen."""

    size = 3.2 * mm
    gap = 4 * mm

    def __init__(self, words: Sequence[str]) -> None:
        super().__init__()
        self.words = list(words)
        self.word_widths = [_text_width(w, BODY_SIZE) for w in self.words]

    def _natural_width(self) -> float:
        boxes = len(self.words) * (self.size + 1.5 * mm)
        return boxes + sum(self.word_widths) + self.gap * (len(self.words) - 1)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail_width = avail_width
        return avail_width, CELL_LEADING

    def draw(self) -> None:
        canv = self.canv
        x = max(0.0, (self.avail_width - self._natural_width()) / 2)
        baseline = CELL_LEADING - BODY_SIZE  # where a one-line Paragraph puts it
        canv.saveState()
        canv.setLineWidth(0.6)
        canv.setStrokeColor(TEXT_COLOR)
        for word, width in zip(self.words, self.word_widths, strict=True):
            canv.rect(x, baseline - 0.6, self.size, self.size)
            x += self.size + 1.5 * mm
            _draw_text(canv, x, baseline, word, BODY_SIZE)
            x += width + self.gap
        canv.restoreState()


def _checklist(block: Checklist, width: float) -> platypus.Flowable:
    results = {True: CHECK_OK, False: CHECK_FAILED}
    rows = [
        [str(i), item, _TickBoxes(CHECK_BLANK) if ok is None else results[ok], note]
        for i, (item, ok, note) in enumerate(block.items, start=1)
    ]
    fixed = 12 * mm + 32 * mm
    rest = width - fixed
    ratios = [12 * mm, rest * 0.58, 32 * mm, rest * 0.42]
    return _data_table(
        CHECKLIST_HEADER, rows, ratios, width, cell_styles=["center", "cell", "center", "cell"]
    )


def _block_flowables(block: Block, width: float) -> list[platypus.Flowable]:
    gap = platypus.Spacer(0, 3 * mm)
    if isinstance(block, Heading):
        # Not keepWithNext: reportlab then moves a page-long table wholesale to the next
        # page.  A conditional break only avoids orphaning the heading at the bottom.
        return [
            platypus.CondPageBreak(HEADING_KEEP_SPACE),
            _BoldParagraph(_markup(block.text), _styles()["heading"]),
        ]
    if isinstance(block, Paragraph):
        return [_para(block.text, "body")]
    if isinstance(block, KeyValueGrid):
        return [_key_value_grid(block, width), gap]
    if isinstance(block, Table):
        styles = None
        if block.align:
            unknown = set(block.align) - ALIGN_STYLES.keys()
            if unknown:
                raise ValueError(f"unknown table alignment(s): {sorted(unknown)}")
            styles = [ALIGN_STYLES[a] for a in block.align]
        return [_data_table(block.header, block.rows, block.col_widths, width, styles), gap]
    if isinstance(block, Checklist):
        return [_checklist(block, width), gap]
    if isinstance(block, Spacer):
        return [platypus.Spacer(0, block.mm * mm)]
    if isinstance(block, PageBreak):
        return [platypus.PageBreak()]
    raise TypeError(f"unknown form block: {block!r}")


# --- Signature boxes ------------------------------------------------------------------


class _SignatureRow(platypus.Flowable):
    """One row of signature / seal boxes; never split across pages."""

    def __init__(self, boxes: Sequence[SignatureBox], slots: int) -> None:
        super().__init__()
        self.boxes = list(boxes)
        self.slots = slots
        # Decode images now so a corrupt PNG fails before any page is written.
        self.images = [
            ImageReader(io.BytesIO(b.image_png)) if b.image_png else None for b in self.boxes
        ]
        seal = any(b.is_seal_box for b in self.boxes)
        self.box_height = SEAL_BOX_HEIGHT if seal else SIG_BOX_HEIGHT

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail_width = avail_width
        return avail_width, self.box_height

    def draw(self) -> None:
        weights = [SEAL_WIDTH_WEIGHT if b.is_seal_box else 1.0 for b in self.boxes]
        empty_slots = self.slots - len(self.boxes)
        unit = (self.avail_width - (self.slots - 1) * SIG_GAP) / (sum(weights) + empty_slots)
        x = 0.0
        for box, image, weight in zip(self.boxes, self.images, weights, strict=True):
            _draw_signature_box(self.canv, box, image, x, 0, unit * weight, self.box_height)
            x += unit * weight + SIG_GAP


def _draw_signature_box(
    canv: Canvas,
    box: SignatureBox,
    image: ImageReader | None,
    x: float,
    y: float,
    w: float,
    h: float,
) -> None:
    """Label at the top, drawn signature in the middle, signer and date at the bottom.

    Unsigned boxes get a signing line and a blank date so they can be signed on paper.
    """
    inner = w - 2 * SIG_PAD
    left = x + SIG_PAD
    signed = image is not None or box.signed_at is not None
    canv.saveState()
    canv.setStrokeColor(GRID_COLOR)
    canv.setLineWidth(0.8)
    canv.rect(x, y, w, h)
    canv.restoreState()

    label = box.label
    if box.is_seal_box and SEAL_MARKER not in label:
        label += LABEL_SEAL
    label_y = y + h - SIG_PAD - BODY_SIZE * 0.8
    _draw_text(canv, left, label_y, label, BODY_SIZE, bold=True, max_width=inner)
    who = box.signer_name
    if box.signer_role:
        who += f"（{box.signer_role}）"
    image_top = label_y - 2 * mm
    if who and not signed and not box.is_seal_box:
        # Pre-filled signer (e.g. the assigned engineer) on a form to be signed by hand.
        image_top -= 3 * mm
        _draw_text(canv, left, label_y - 5 * mm, who, 8.5, color=MUTED_COLOR, max_width=inner)

    date_y = y + SIG_PAD + 1
    date_text = display(box.signed_at) if box.signed_at is not None else LABEL_DATE_BLANK
    _draw_text(canv, left, date_y, f"{LABEL_DATE}{COLON}{date_text}", 9, max_width=inner)
    image_bottom = date_y + 4.5 * mm

    if not box.is_seal_box:
        name_y = date_y + 6 * mm
        if signed:
            text = f"{LABEL_SIGNER}{COLON}{who}"
            _draw_text(canv, left, name_y, text, 9, max_width=inner)
        else:
            used = _draw_text(canv, left, name_y, f"{LABEL_SIGN}{COLON}", 9)
            canv.saveState()
            canv.setStrokeColor(MUTED_COLOR)
            canv.setLineWidth(0.5)
            canv.line(left + used + 1, name_y - 2, x + w - SIG_PAD, name_y - 2)
            canv.restoreState()
        image_bottom = name_y + 4.5 * mm

    if image is not None:
        canv.drawImage(
            image,
            left,
            image_bottom,
            inner,
            max(image_top - image_bottom, 1),
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )


def _signature_flowables(boxes: Sequence[SignatureBox]) -> list[platypus.Flowable]:
    if not boxes:
        return []
    slots = min(SIG_PER_ROW, len(boxes))
    rows = [boxes[i : i + SIG_PER_ROW] for i in range(0, len(boxes), SIG_PER_ROW)]
    flowables: list[platypus.Flowable] = [platypus.Spacer(0, 4 * mm)]
    for i, row in enumerate(rows):
        if i:
            flowables.append(platypus.Spacer(0, SIG_GAP))
        flowables.append(_SignatureRow(row, slots))
    # the signature and seal block stays together: a seal row alone on the next page
    # would sign nothing
    return [platypus.KeepTogether(flowables)]


# --- Page furniture -------------------------------------------------------------------


def _qr_target(doc: FormDocument) -> str:
    return doc.verify_url or doc.record_url


def _draw_rule(canv: Canvas, y: float, width: float = 0.6) -> None:
    canv.saveState()
    canv.setStrokeColor(RULE_COLOR)
    canv.setLineWidth(width)
    canv.line(MARGIN_X, y, PAGE_WIDTH - MARGIN_X, y)
    canv.restoreState()


def _draw_first_header(canv: Canvas, doc: FormDocument) -> None:
    """Company block on the left, QR code (and its URL) on the right."""
    top = PAGE_HEIGHT - 12 * mm
    qr_x = PAGE_WIDTH - MARGIN_X - QR_SIZE
    text_width = qr_x - MARGIN_X - 8 * mm
    target = _qr_target(doc)
    if target:
        _draw_qr(canv, target, qr_x, top - QR_SIZE, QR_SIZE)
        url_y = top - QR_SIZE - 2.6 * mm
        _draw_text(
            canv,
            PAGE_WIDTH - MARGIN_X,
            url_y,
            target,
            6,
            align="right",
            color=MUTED_COLOR,
            max_width=CONTENT_WIDTH * 0.6,
        )
    company = doc.company
    y = top - 6 * mm
    _draw_text(canv, MARGIN_X, y, company.name, 15, bold=True, max_width=text_width)
    contact = [
        f"{LABEL_ADDRESS}{COLON}{company.address}" if company.address else "",
        "　　".join(
            part
            for part in (
                f"{LABEL_PHONE}{COLON}{company.phone}" if company.phone else "",
                f"{LABEL_WEBSITE}{COLON}{company.website}" if company.website else "",
            )
            if part
        ),
    ]
    y -= 6.5 * mm
    for line in contact:
        if line:
            _draw_text(canv, MARGIN_X, y, line, 8.5, color=MUTED_COLOR, max_width=text_width)
            y -= 4.5 * mm
    _draw_rule(canv, FIRST_HEADER_RULE_Y, 0.9)


def _draw_later_header(canv: Canvas, doc: FormDocument) -> None:
    """Slim running header: company name, form title and number."""
    y = LATER_HEADER_RULE_Y + 2.2 * mm
    right = f"{doc.title}　{LABEL_NUMBER}{COLON}{doc.number}"
    right_w = _draw_text(canv, PAGE_WIDTH - MARGIN_X, y, right, 9, align="right")
    _draw_text(
        canv,
        MARGIN_X,
        y,
        doc.company.name,
        9,
        bold=True,
        max_width=CONTENT_WIDTH - right_w - 6 * mm,
    )
    _draw_rule(canv, LATER_HEADER_RULE_Y, 0.9)


def _draw_footer(canv: Canvas, doc: FormDocument, page: int, total: int) -> None:
    _draw_rule(canv, FOOTER_RULE_Y, 0.5)
    y = FOOTER_RULE_Y - 4.5 * mm
    pages = LABEL_PAGE.format(page=page, total=total)
    pages_w = _draw_text(canv, PAGE_WIDTH - MARGIN_X, y, pages, 8.5, align="right")
    left = f"{LABEL_NUMBER}{COLON}{doc.number}"
    if doc.fingerprint:
        left = f"{LABEL_FINGERPRINT}{doc.fingerprint}"
    _draw_text(
        canv,
        MARGIN_X,
        y,
        left,
        7,
        color=MUTED_COLOR,
        max_width=CONTENT_WIDTH - pages_w - 6 * mm,
    )


class _DeferredFooterCanvas(Canvas):
    """Canvas that holds finished pages until the end so footers can say "of M pages".

    Single pass: ``showPage`` only stashes the page's state; ``save`` replays each page,
    draws its footer with the now known total, and writes it out.
    """

    def __init__(
        self, *args: Any, draw_footer: Callable[[Canvas, int, int], None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._draw_footer = draw_footer
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab API name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        if self._code:
            self._held_pages.append(dict(self.__dict__))
        held, total = self._held_pages, len(self._held_pages)
        for number, state in enumerate(held, start=1):
            self.__dict__.update(state)
            self.saveState()
            self._draw_footer(self, number, total)
            self.restoreState()
            Canvas.showPage(self)
        self._held_pages = []
        Canvas.save(self)


# --- Rendering ------------------------------------------------------------------------


def _title_flowables(doc: FormDocument) -> list[platypus.Flowable]:
    styles = _styles()
    items: list[platypus.Flowable] = [_BoldParagraph(_markup(doc.title), styles["title"])]
    if doc.subtitle:
        items.append(platypus.Spacer(0, 1 * mm))
        items.append(_para(doc.subtitle, "subtitle"))
    items.append(platypus.Spacer(0, 4 * mm))
    number = f"{LABEL_NUMBER}{COLON}{doc.number}"
    number_w = _text_width(number, BODY_SIZE) + 2
    meta = ("&nbsp;" * 6).join(
        f"{printable_markup(display(label))}{COLON}{printable_markup(display(value))}"
        for label, value in doc.meta
    )
    line = platypus.Table(
        [[platypus.Paragraph(meta, styles["meta"]), _para(number, "meta-right")]],
        colWidths=[CONTENT_WIDTH - number_w, number_w],
        style=platypus.TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        ),
    )
    items.append(line)
    return items


def render_pdf(doc: FormDocument) -> bytes:
    """Render the form to PDF bytes (A4, embedded Chinese font, deterministic)."""
    register_fonts()
    out = io.BytesIO()
    frame_kw = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    first_top = FIRST_HEADER_RULE_Y - FRAME_GAP
    later_top = LATER_HEADER_RULE_Y - FRAME_GAP
    first = platypus.PageTemplate(
        id="first",
        frames=[
            platypus.Frame(
                MARGIN_X, FRAME_BOTTOM, CONTENT_WIDTH, first_top - FRAME_BOTTOM, **frame_kw
            )
        ],
        onPage=lambda canv, _t: _draw_first_header(canv, doc),
        autoNextPageTemplate="later",
    )
    later = platypus.PageTemplate(
        id="later",
        frames=[
            platypus.Frame(
                MARGIN_X, FRAME_BOTTOM, CONTENT_WIDTH, later_top - FRAME_BOTTOM, **frame_kw
            )
        ],
        onPage=lambda canv, _t: _draw_later_header(canv, doc),
    )
    template = platypus.BaseDocTemplate(
        out,
        pagesize=A4,
        pageTemplates=[first, later],
        invariant=1,
        initialFontName=register_fonts(),
        initialFontSize=BODY_SIZE,
        title=f"{doc.title} {doc.number}",
        author=doc.company.name,
        subject=doc.number,
        creator="servicedesk",
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=PAGE_HEIGHT - first_top,
        bottomMargin=FRAME_BOTTOM,
    )
    story: list[platypus.Flowable] = _title_flowables(doc)
    for block in doc.blocks:
        story.extend(_block_flowables(block, CONTENT_WIDTH))
    story.extend(_signature_flowables(doc.signatures))
    canvasmaker = functools.partial(
        _DeferredFooterCanvas,
        draw_footer=lambda canv, page, total: _draw_footer(canv, doc, page, total),
    )
    template.build(story, canvasmaker=canvasmaker)
    return out.getvalue()
