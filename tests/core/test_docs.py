"""The design lives in the repository (docs/README.md): comments cite sections of docs/,
never documents a maintainer who clones the repository does not have, and every cited
section exists."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
THIS = Path(__file__).resolve()

SOURCE_SUFFIXES = {".py", ".html", ".js", ".css", ".txt", ".sh", ".toml", ".cfg", ".ini"}
SOURCE_NAMES = {"Makefile", "run"}  # .ci/run
SKIP_DIRS = {".git", ".venv", "venv", "var", "node_modules", "__pycache__", "locale", "docs"}
SKIP_PATHS = {ROOT / "servicedesk" / "static" / "vendor"}

# Documents outside the repository: the original design notes, API and style notes, the
# source manuals and the notes on contracts between apps.
OUTSIDE = re.compile(
    r"(?<![\w/])(?:DESIGN|API|STYLE)\.md\b"
    r"|\bDESIGN\s*§"
    r"|(?i:\bseeds?\s*0\d\d\b)"
    r"|(?i:\bseeds/)"
    r"|contracts-between-apps"
)
ANCHOR = r"[a-z][a-z0-9._-]*"
# "docs/domain.md §hotline.callback", optionally more anchors of the same file after it:
# "docs/domain.md §hotline.callback, §hotline.reply".
CITATION = re.compile(rf"docs/([a-z0-9_-]+\.md)((?:(?:\s*,\s*|\s+and\s+|\s+)§{ANCHOR})*)")
HEADING = re.compile(rf"^#{{1,6}}\s+§({ANCHOR})", re.MULTILINE)


def _source_files() -> list[Path]:
    files = []
    for directory, dirnames, filenames in os.walk(ROOT):
        here = Path(directory)
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and (here / d) not in SKIP_PATHS]
        for name in filenames:
            path = here / name
            if path == THIS:
                continue
            if path.suffix in SOURCE_SUFFIXES or name in SOURCE_NAMES:
                files.append(path)
    return sorted(files)


def _clean(anchor: str) -> str:
    return anchor.rstrip(".-_")


def _anchors(doc: Path) -> list[str]:
    return [_clean(a) for a in HEADING.findall(doc.read_text(encoding="utf-8"))]


def _citations(text: str) -> list[tuple[str, list[str], int]]:
    """(docs file, anchors, line number) of every docs citation in ``text``."""
    found = []
    for match in CITATION.finditer(text):
        anchors = [_clean(a) for a in re.findall(rf"§({ANCHOR})", match.group(2))]
        line = text.count("\n", 0, match.start()) + 1
        found.append((match.group(1), anchors, line))
    return found


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_scan_sees_the_code():
    files = {_relative(p) for p in _source_files()}
    assert "servicedesk/core/services/transitions.py" in files
    assert "templates/base.html" in files
    assert not any(f.startswith(("servicedesk/static/vendor/", ".venv/")) for f in files)


def test_no_citation_of_documents_outside_the_repository():
    offenders = []
    for path in _source_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{_relative(path)}:{number}: {line.strip()}")
    assert not offenders, (
        "Cite the section of docs/ that explains the rule (docs/README.md), not a document "
        "outside the repository:\n" + "\n".join(offenders)
    )


def test_the_patterns_catch_what_they_must():
    for text in (
        "(DESIGN.md §5)",
        "see API.md",
        "STYLE.md rule 2",
        "(DESIGN §9)",
        "seed 002 §3",
        "Seed 001: otherwise charged",
        "seeds 001–003",
        "seeds/README.md",
        "(contracts-between-apps §5)",
    ):
        assert OUTSIDE.search(text), text
    for text in ("docs/api.md §errors", "seed(apps, None)", "SEED_MIGRATIONS", "the seeded policy"):
        assert not OUTSIDE.search(text), text


def test_docs_anchors_are_unique_and_well_formed():
    problems = []
    for doc in sorted(DOCS.glob("*.md")):
        anchors = _anchors(doc)
        duplicates = {a for a in anchors if anchors.count(a) > 1}
        if duplicates:
            problems.append(f"{doc.name}: duplicate anchors {sorted(duplicates)}")
    assert not problems, "\n".join(problems)
    assert "hotline.callback" in _anchors(DOCS / "domain.md")
    assert "timers.sweep" in _anchors(DOCS / "architecture.md")


def test_every_cited_section_exists():
    anchors = {doc.name: set(_anchors(doc)) for doc in DOCS.glob("*.md")}
    sources = [*_source_files(), *sorted(DOCS.glob("*.md"))]
    missing = []
    cited = 0
    for path in sources:
        for name, cited_anchors, line in _citations(path.read_text(encoding="utf-8")):
            cited += 1
            where = f"{_relative(path)}:{line}"
            if name not in anchors:
                missing.append(f"{where}: docs/{name} does not exist")
                continue
            missing += [
                f"{where}: docs/{name} has no section §{a}"
                for a in cited_anchors
                if a not in anchors[name]
            ]
    assert cited > 100  # the code does cite the docs
    assert not missing, "\n".join(missing)


def test_sections_cited_inside_a_doc_exist_in_that_doc():
    """Within domain.md, architecture.md and api.md a bare "§anchor" is one of its own."""
    missing = []
    for doc in sorted(DOCS.glob("*.md")):
        if doc.name == "README.md":
            continue
        own = set(_anchors(doc))
        text = CITATION.sub(lambda m: "\n" * m.group(0).count("\n"), doc.read_text("utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            if HEADING.match(line):
                continue
            for anchor in re.findall(rf"§({ANCHOR})", line):
                if _clean(anchor) not in own:
                    missing.append(f"docs/{doc.name}:{number}: §{_clean(anchor)}")
    assert not missing, "\n".join(missing)
