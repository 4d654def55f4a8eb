"""The install: runtime requirements apart from the test tools, exact pins used by make,
pip's own PIP_INDEX_URL honoured, progress shown."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from django.conf import settings

REQ = Path(settings.BASE_DIR) / "requirements"
DEV_ONLY = {
    "pytest",
    "pytest-django",
    "pytest-timeout",
    "playwright",
    "ruff",
    "hypothesis",
    "factory-boy",
}


def names(path: Path) -> set[str]:
    found = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            found.add(re.split(r"[\[=<>~!; ]", line)[0].lower().replace("_", "-"))
    return found


def test_production_installs_no_test_tools_and_every_package_is_pinned():
    runtime, dev = names(REQ / "runtime.txt"), names(REQ / "dev.txt")
    s3 = names(REQ / "s3.txt")
    assert "gunicorn" in runtime
    assert runtime.isdisjoint(DEV_ONLY)
    assert dev >= DEV_ONLY
    assert s3 == {"django-storages"}
    assert "boto3" not in runtime  # only with MEDIA_STORAGE=s3
    # each direct dependency is listed once
    assert runtime.isdisjoint(dev) and runtime.isdisjoint(s3) and s3.isdisjoint(dev)
    assert {"-r runtime.txt", "-r s3.txt"} <= set((REQ / "dev.txt").read_text().splitlines())
    assert "-c constraints.txt" in (REQ / "runtime.txt").read_text()
    assert "-c constraints.txt" in (REQ / "s3.txt").read_text()
    pins = {}
    for line in (REQ / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    assert runtime | dev | s3 <= set(pins), (runtime | dev | s3) - set(pins)
    assert "qrcode" not in pins  # unused: reportlab draws the QR codes


def test_make_shows_pip_progress_and_leaves_the_index_to_pip(tmp_path):
    """make -n prints what `make setup` would run on a fresh checkout."""
    env = {**os.environ, "PIP_INDEX_URL": "https://mirror.example/simple", "VENV": str(tmp_path)}
    result = subprocess.run(
        ["make", "-n", "-B", "setup", f"VENV={tmp_path / 'venv'}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    pip_lines = [line for line in result.stdout.splitlines() if "pip install" in line]
    assert any("requirements/dev.txt" in line for line in pip_lines), result.stdout
    for line in pip_lines:
        assert not re.search(r"(\s-q\b|--quiet|--index-url|\s-i\s|--no-index|PIP_INDEX_URL)", line)
    assert "PIP_INDEX_URL" not in re.sub(
        r"#.*", "", (Path(settings.BASE_DIR) / "Makefile").read_text()
    )
