"""Shared templates live in one shared place (issue 12 §4, docs/architecture.md §portal.templates):
partials that pages of more than one app use sit in ``templates/partials/``, and every
template a page or a view names exists, so a move cannot leave a dangling include."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PY_DIRS = ["servicedesk", "tickets", "fieldservice", "defects", "contracts", "projects"]

_INCLUDE = re.compile(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""")
_PY_NAME = re.compile(
    r"""(?:inclusion_tag|render_to_string|render|get_template|template_name\s*=)\s*\(?\s*"""
    r"""(?:request\s*,\s*)?["']([\w/.-]+\.html)["']"""
)
# Moved to templates/partials/ (issue 12 §4); an app folder must not bring them back.
SHARED = [
    "field.html",
    "form_errors.html",
    "pagination.html",
    "sort_th.html",
    "timers.html",
    "history.html",
    "forms_panel.html",
    "customer_wait.html",
    "timeline.html",
]


def _named_templates() -> set[tuple[str, str]]:
    names = set()
    for path in TEMPLATES.rglob("*.html"):
        for name in _INCLUDE.findall(path.read_text()):
            names.add((str(path.relative_to(ROOT)), name))
    for folder in PY_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for name in _PY_NAME.findall(path.read_text()):
                names.add((str(path.relative_to(ROOT)), name))
    return names


def test_every_named_template_exists():
    names = _named_templates()
    assert len(names) > 100  # the scan sees the includes
    missing = []
    for where, name in sorted(names):
        try:
            get_template(name)
        except TemplateDoesNotExist:
            missing.append((where, name))
    assert not missing, missing


@pytest.mark.parametrize("name", SHARED)
def test_shared_partials_live_in_templates_partials(name):
    assert (TEMPLATES / "partials" / name).exists()
    copies = list(TEMPLATES.glob(f"*/partials/{name}"))
    assert not copies, copies
