"""Text hygiene at the edge: one cleaner for every form, API field and search box
(docs/architecture.md §text-hygiene).

Control characters (NUL, escape, form feed…) are never part of what a person meant to
type; they arrive from pasted terminals, broken clients and fuzzers, and they break what
comes later: PostgreSQL refuses NUL in text, openpyxl refuses the whole Excel export, a
printed form shows nothing for them. They are removed where text enters; tab, line feed
and carriage return stay.

Free text has a length limit even where the model field has none (``TextField``):
``TEXT_MAX_LENGTH`` characters unless a field declares its own, so a 1 MB description is
refused with the usual "at most N characters" message instead of being stored.

Business dates lie in ``BUSINESS_YEARS``: a year 0001 produced the number ``RX10101-…`` and
a datetime of 0001-01-01+08:00 cannot even be converted to UTC.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Any

# C0 controls but tab, LF and CR; DEL; C1 controls; and the non-characters U+FFFE/U+FFFF.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# Lone surrogates cannot be encoded (UTF-8, PostgreSQL, PDF): also removed.
SURROGATES = re.compile("[\ud800-\udfff]")

# Free text without a limit of its own (docs/architecture.md §text-hygiene).
TEXT_MAX_LENGTH = 10_000
# A signature drawn on screen, as a PNG data URL (a few hundred KB at most).
SIGNATURE_IMAGE_MAX_LENGTH = 2_000_000
# A search box: longer input is cut, never an error.
SEARCH_MAX_LENGTH = 100

# Business dates (received, signed, due, planned…): docs/architecture.md §text-hygiene.
BUSINESS_YEARS = (2000, 2099)
# PostgreSQL stores offsets up to ±15:59; Python accepts up to ±23:59.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def clean_text(value: str) -> str:
    """``value`` without control characters and lone surrogates."""
    if not value:
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    return SURROGATES.sub("", value)


def clean_search(value: Any, max_length: int = SEARCH_MAX_LENGTH) -> str:
    """What a search box may search for: clean, NFKC-normalised, trimmed, cut."""
    text = clean_text(str(value or ""))
    text = unicodedata.normalize("NFKC", text).strip()
    return text[:max_length].strip()


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value) or SURROGATES.search(value))


def date_in_business_range(value: date | datetime | None) -> bool:
    if value is None:
        return True
    low, high = BUSINESS_YEARS
    return low <= value.year <= high


def offset_storable(value: date | datetime | None) -> bool:
    """Whether the database can store the offset of ``value`` (±15:59 at most)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return True
    offset = value.utcoffset()
    return offset is None or abs(offset) <= MAX_UTC_OFFSET
