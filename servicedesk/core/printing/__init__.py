"""Printed-forms framework: describe a form as plain data, get an A4 PDF back.

Pure over data (no Django models) so apps build a :class:`FormDocument` from their
records and call :func:`render_pdf`; see docs/architecture.md §printing.
"""

from .document import (
    Block,
    Checklist,
    CompanyHeader,
    FormDocument,
    Heading,
    KeyValueGrid,
    KeyValueRow,
    PageBreak,
    Paragraph,
    SignatureBox,
    Spacer,
    Table,
    content_fingerprint,
    display,
    render_pdf,
)
from .fonts import FONT_NAME, register_fonts

__all__ = [
    "FONT_NAME",
    "Block",
    "Checklist",
    "CompanyHeader",
    "FormDocument",
    "Heading",
    "KeyValueGrid",
    "KeyValueRow",
    "PageBreak",
    "Paragraph",
    "SignatureBox",
    "Spacer",
    "Table",
    "content_fingerprint",
    "display",
    "register_fonts",
    "render_pdf",
]
