"""Font registration for printed forms.

The forms are printed in Chinese and must render on machines without any Chinese
fonts, so we embed (a subset of) the TrueType font shipped in ``core/fonts`` instead
of relying on reportlab's non-embedded CID fonts such as STSong-Light.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"

#: Name under which the embedded Chinese font is registered with reportlab.
FONT_NAME = "WenQuanYiMicroHei"

_lock = threading.Lock()


def register_fonts() -> str:
    """Register the Chinese font once per process and return its name.

    Idempotent and thread-safe: PDFs are rendered from web requests and Celery tasks,
    and re-registering a TTFont would needlessly re-parse the 5 MB collection.
    Micro Hei has no bold face; bold/italic markup maps to the regular face so that
    ``<b>`` in paragraph markup never fails (visual bold is faked in ``document``).
    """
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


def has_glyph(char: str) -> bool:
    """Whether the embedded font can draw ``char`` (anything else prints as a box)."""
    font = pdfmetrics.getFont(register_fonts())
    return ord(char) in font.face.charToGlyph
