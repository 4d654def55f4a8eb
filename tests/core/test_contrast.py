"""Deadline chips are readable and mean the same on every page (issue 12 §4,
docs/architecture.md §portal.a11y): for each timer state the chip's text colour on its
background reaches WCAG AA, 4.5:1, read from the stylesheet itself; no page restyles the
chips, and the chip's text is not faded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "servicedesk" / "static" / "core" / "desk.css"
STATES = ["on_time", "warning", "breached", "met", "paused", "cancelled"]
AA = 4.5


def _hex(value: str) -> tuple[float, float, float]:
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", value), value
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rules(css: str) -> list[tuple[str, dict[str, str]]]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        props = {}
        for decl in body.split(";"):
            if ":" in decl:
                name, value = decl.split(":", 1)
                props[name.strip()] = value.strip()
        rules.append((selectors.strip(), props))
    return rules


def chip_colours(css: str) -> dict[str, tuple[str, str]]:
    """{state: (text colour, background)} of ``.timer-<state>``, custom properties resolved."""
    rules = _rules(css)
    variables = {k: v for sel, props in rules if sel == ":root" for k, v in props.items()}

    def resolve(value: str) -> str:
        while value.startswith("var("):
            value = variables[re.match(r"var\((--[\w-]+)\)", value).group(1)]
        return value

    found = {}
    for selectors, props in rules:
        for selector in (s.strip() for s in selectors.split(",")):
            state = re.fullmatch(r"\.timer-(\w+)", selector)
            if state and "color" in props and "background" in props:
                found[state.group(1)] = (resolve(props["color"]), resolve(props["background"]))
    return found


def test_the_figures_match_wcag():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    # the chips before issue 12 §4: 4.1:1 (on time) and 3.4:1 (warning)
    assert contrast("#198754", "#eaf6ef") == pytest.approx(4.08, abs=0.01)
    assert contrast("#b7791f", "#fff7e6") == pytest.approx(3.42, abs=0.01)


@pytest.mark.parametrize("state", STATES)
def test_every_chip_state_reaches_aa(state):
    colours = chip_colours(CSS.read_text())
    assert state in colours, sorted(colours)
    fg, bg = colours[state]
    ratio = contrast(fg, bg)
    assert ratio >= AA, f".timer-{state}: {fg} on {bg} is {ratio:.2f}:1"


def test_chips_are_styled_in_one_place_and_not_faded():
    """Pages may size the chips but not recolour them; the chip's own text is not faded
    (opacity would blend the text into the background below 4.5:1)."""
    recoloured = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for block in re.findall(r"<style[^>]*>(.*?)</style>", text, re.S):
            for selectors, props in _rules(block):
                if ".timer" in selectors and {"color", "background", "opacity"} & set(props):
                    recoloured.append((str(path.relative_to(ROOT)), selectors))
    assert not recoloured, recoloured
    for name in ("partials/timers.html", "defects/partials/deadlines.html"):
        assert "opacity" not in (ROOT / "templates" / name).read_text(), name
    for selectors, props in _rules(CSS.read_text()):
        if ".timer" in selectors:
            assert "opacity" not in props, selectors
