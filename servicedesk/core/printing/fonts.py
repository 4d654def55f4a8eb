"""Font registration for printed forms.

The forms are printed in Chinese and must render on machines without any Chinese
fonts, so we embed (a subset of) the TrueType font shipped in ``core/fonts`` instead
of relying on reportlab's non-embedded CID fonts such as STSong-Light.

Printed forms never drop a character silently (docs/architecture.md §printing.glyphs):
a character the Chinese font cannot draw — it maps ℃ to an empty glyph and has no
emoji, Arabic or Hebrew — is drawn with the fallback font (DejaVu Sans, also shipped);
what neither font has (rare CJK characters outside the basic block, most emoji) prints as
``MISSING_GLYPH`` (□), so the reader sees that something was there.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_PATH = FONTS_DIR / "wqy-microhei.ttc"
FALLBACK_FONT_PATH = FONTS_DIR / "DejaVuSans.ttf"

#: Name under which the embedded Chinese font is registered with reportlab.
FONT_NAME = "WenQuanYiMicroHei"
#: The font for what the Chinese font lacks (symbols such as ℃, other scripts).
FALLBACK_FONT_NAME = "DejaVuSans"
#: Printed in place of a character no font can draw.
MISSING_GLYPH = "□"

_lock = threading.Lock()


def register_fonts() -> str:
    """Register the Chinese font (and the fallback) once per process; return its name.

    Idempotent and thread-safe: PDFs are rendered from web requests and Celery tasks,
    and re-registering a TTFont would needlessly re-parse the 5 MB collection.
    Micro Hei has no bold face; bold/italic markup maps to the regular face so that
    ``<b>`` in paragraph markup never fails (visual bold is faked in ``document``).
    """
    if FALLBACK_FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
        if FALLBACK_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FALLBACK_FONT_NAME, str(FALLBACK_FONT_PATH)))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FALLBACK_FONT_NAME, bold, italic, FALLBACK_FONT_NAME)
    return FONT_NAME


def _draws(font_name: str, char: str) -> bool:
    """Whether the font maps ``char`` to a glyph with an outline (Micro Hei maps ℃ to an
    empty one, which prints as nothing)."""
    face = pdfmetrics.getFont(font_name).face
    glyph = face.charToGlyph.get(ord(char))
    if not glyph:
        return False
    if unicodedata.category(char) == "Zs":
        return True
    positions = getattr(face, "glyphPos", None)
    return positions is None or positions[glyph + 1] > positions[glyph]


@cache
def font_for(char: str) -> str | None:
    """The font that draws ``char``: the Chinese font, else the fallback, else None."""
    register_fonts()
    if char in "\n\t" or _draws(FONT_NAME, char):
        return FONT_NAME
    if _draws(FALLBACK_FONT_NAME, char):
        return FALLBACK_FONT_NAME
    return None


def has_glyph(char: str) -> bool:
    """Whether one of the embedded fonts can draw ``char`` (else it prints as □)."""
    return font_for(char) is not None


def plain_printable(text: str) -> str:
    """``text`` for a single-font line (canvas ``drawString``): what the Chinese font cannot
    draw becomes □."""
    return "".join(ch if font_for(ch) == FONT_NAME else MISSING_GLYPH for ch in text)


def printable_markup(text: str) -> str:
    """``text`` escaped as paragraph markup, runs the Chinese font lacks switched to the
    fallback font, and □ for what no font has."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(f'<font name="{FALLBACK_FONT_NAME}">{escape("".join(run))}</font>')
            run.clear()

    for ch in text:
        font = font_for(ch)
        if font == FALLBACK_FONT_NAME:
            run.append(ch)
            continue
        flush()
        out.append(escape(ch if font else MISSING_GLYPH))
    flush()
    return "".join(out)
