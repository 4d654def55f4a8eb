"""No service of any app is above cyclomatic complexity 15 (radon cc): a longer one is split
into readable private helpers (docs/architecture.md §layers.services)."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[2]
CHECKED = [ROOT / "servicedesk" / "core" / "services", *sorted(ROOT.glob("*/services"))]
LIMIT = 15


def test_no_service_above_complexity_15() -> None:
    too_complex = []
    assert len(CHECKED) >= 6, CHECKED  # core, contracts, tickets, fieldservice, defects, projects
    for folder in CHECKED:
        for path in sorted(folder.glob("*.py")):
            for block in cc_visit(path.read_text(encoding="utf-8")):
                if block.complexity > LIMIT:
                    too_complex.append(
                        f"{path.relative_to(ROOT)}:{block.lineno} {block.name} {block.complexity}"
                    )
    assert not too_complex, too_complex
