"""Charts drawn on the server as SVG (docs/architecture.md §dashboards).

No chart library and no script: the portal runs on intranets without internet access and
its CSP forbids inline scripts, so a chart is a small SVG written here, coloured by the
portal's CSS classes (``chart-tone-<tone>`` in desk.css: met, breached, running … use the
same colours as the deadline badges). Every chart names itself (``<title>``/``<desc>``
for screen readers) and every bar or point carries a ``<title>`` with its figure.

A chart is data (:class:`Chart`): categories, series of values and a unit; the same data
renders the SVG, the table behind it and the Excel export, so the three always agree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float | Decimal | None

WIDTH = 640
HEIGHT = 280
_ids = itertools.count(1)


@dataclass
class Series:
    name: str
    values: Sequence[Number]
    tone: str = "c1"  # a class suffix of desk.css: met, breached, running, warning, c1 … c6
    plot: bool = True  # False: a column of the table and the export only
    unit: str = ""  # overrides the chart's unit in the table ("%", "天", "元")


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar" | "stacked" | "line"
    category_label: str
    categories: list[str]
    series: list[Series]
    unit: str = ""
    target: float | None = None
    target_label: str = ""
    note: str = ""
    horizontal: bool = False
    empty_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def plotted(self) -> list[Series]:
        return [s for s in self.series if s.plot]

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(v in (None, 0) for s in self.plotted for v in s.values)

    def headings(self) -> list[str]:
        out = [self.category_label]
        for s in self.series:
            unit = s.unit or (self.unit if s.plot else "")
            out.append(f"{s.name}（{unit}）" if unit else s.name)
        return out

    def rows(self) -> list[list[Any]]:
        """The table behind the chart: one row per category, one column per series."""
        return [
            [category, *(_plain(s.values[i]) for s in self.series)]
            for i, category in enumerate(self.categories)
        ]

    def display_rows(self) -> list[list[tuple[str, str]]]:
        """The table for the page: ``(heading, figure as read)`` per cell."""
        headings = self.headings()
        return [
            [(headings[0], row[0])]
            + [(h, fmt(v)) for h, v in zip(headings[1:], row[1:], strict=True)]
            for row in self.rows()
        ]

    def svg(self) -> SafeString:
        return render_svg(self)


def _plain(value: Number) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def fmt(value: Number) -> str:
    """A figure as people read it: whole numbers without decimals, else one or two."""
    if value is None:
        return "—"
    number = float(value)
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".") if abs(number) < 10 else f"{number:,.1f}"


def _nice_max(top: float) -> float:
    if top <= 0:
        return 1.0
    exponent = math.floor(math.log10(top))
    base = 10**exponent
    for step in (1, 2, 2.5, 5, 10):
        if top <= step * base:
            return float(step * base)
    return float(10 * base)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale_max(chart: Chart) -> float:
    plotted = chart.plotted
    if chart.kind == "stacked":
        top = max(
            (sum(float(s.values[i] or 0) for s in plotted) for i in range(len(chart.categories))),
            default=0.0,
        )
    else:
        top = max((float(v) for s in plotted for v in s.values if v is not None), default=0.0)
    if chart.target is not None:
        top = max(top, float(chart.target))
    if chart.unit == "%":
        return 100.0 if top <= 100 else _nice_max(top)
    if top <= 40:  # four grid steps of whole numbers for small counts
        return float(max(4, math.ceil(top / 4) * 4))
    return _nice_max(top)


def _legend(chart: Chart, y: int) -> list[str]:
    parts, x = [], 8
    for s in chart.plotted:
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" rx="2" '
            f'class="chart-tone-{escape(s.tone)}"/>'
            f'<text x="{x + 14}" y="{y}" class="chart-legend">{escape(s.name)}</text>'
        )
        x += 14 + 13 * len(s.name) + 18
    if chart.target is not None and chart.target_label:
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 16}" y2="{y - 4}" class="chart-target"/>'
            f'<text x="{x + 20}" y="{y}" class="chart-legend">{escape(chart.target_label)}</text>'
        )
    return parts


def render_svg(chart: Chart) -> SafeString:
    """The chart as an inline SVG element (scales to its container's width)."""
    uid = f"chart-{chart.key}-{next(_ids)}"
    summary = "；".join(
        f"{c}：" + "，".join(f"{s.name} {fmt(s.values[i])}{chart.unit}" for s in chart.plotted)
        for i, c in enumerate(chart.categories[:40])
    )
    horizontal = chart.horizontal and chart.kind != "line"
    n = max(len(chart.categories), 1)
    height = max(HEIGHT, 60 + 26 * n) if horizontal else HEIGHT
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="desk-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{uid}-t {uid}-d" data-chart="{escape(chart.key)}">'
        f'<title id="{uid}-t">{escape(chart.title)}</title>'
        f'<desc id="{uid}-d">{escape(summary or chart.empty_text)}</desc>'
    )
    parts = [head, *_legend(chart, 16)]
    if chart.is_empty:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle" class="chart-empty">'
            f"{escape(chart.empty_text)}</text>"
        )
    elif horizontal:
        parts += _horizontal_bars(chart, height)
    else:
        parts += _vertical(chart, height)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _tip(category: str, series: Series, value: Number, unit: str) -> str:
    words = f"{category} · {series.name}：{fmt(value)}{unit}"
    return f"<title>{escape(words)}</title>"


def _tone(chart: Chart, series: Series, index: int) -> str:
    """A single series of statuses colours each bar by its category (``extra["tones"]``)."""
    per_category = chart.extra.get("tones")
    if per_category and len(chart.plotted) == 1:
        return str(per_category[index])
    return series.tone


def _vertical(chart: Chart, height: int) -> list[str]:
    left, right, top, bottom = 52, 12, 34, 46
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    vmax = _scale_max(chart)
    parts = _y_axis(vmax, chart.unit, left, top, plot_w, plot_h)
    n = len(chart.categories)
    band = plot_w / n
    every = max(1, math.ceil(n / 12))

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * v / vmax

    for i, category in enumerate(chart.categories):
        if i % every == 0:
            cx = left + band * (i + 0.5)
            parts.append(
                f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'class="chart-label">{escape(_short(category, 8))}</text>'
            )
    plotted = chart.plotted
    if chart.kind == "line":
        for s in plotted:
            points = [
                (left + band * (i + 0.5), y_of(float(v)))
                for i, v in enumerate(s.values)
                if v is not None
            ]
            if points:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(
                    f'<polyline points="{path}" fill="none" '
                    f'class="chart-line chart-stroke-{escape(s.tone)}"/>'
                )
            for i, v in enumerate(s.values):
                if v is None:
                    continue
                parts.append(
                    f'<circle cx="{left + band * (i + 0.5):.1f}" cy="{y_of(float(v)):.1f}" r="3.5" '
                    f'class="chart-tone-{escape(s.tone)}">'
                    f"{_tip(chart.categories[i], s, v, chart.unit)}</circle>"
                )
    else:
        gap = band * 0.2
        for i, category in enumerate(chart.categories):
            x0 = left + band * i + gap / 2
            if chart.kind == "stacked":
                base = 0.0
                for s in plotted:
                    v = float(s.values[i] or 0)
                    if v <= 0:
                        continue
                    y1, y0 = y_of(base + v), y_of(base)
                    parts.append(
                        f'<rect x="{x0:.1f}" y="{y1:.1f}" width="{band - gap:.1f}" '
                        f'height="{max(y0 - y1, 0.5):.1f}" class="chart-tone-{escape(s.tone)}">'
                        f"{_tip(category, s, s.values[i], chart.unit)}</rect>"
                    )
                    base += v
            else:
                width = (band - gap) / max(len(plotted), 1)
                for k, s in enumerate(plotted):
                    value = s.values[i]
                    if value is None:
                        continue
                    y1 = y_of(float(value))
                    parts.append(
                        f'<rect x="{x0 + width * k:.1f}" y="{y1:.1f}" width="{width:.1f}" '
                        f'height="{max(top + plot_h - y1, 0.5):.1f}" '
                        f'class="chart-tone-{escape(_tone(chart, s, i))}">'
                        f"{_tip(category, s, value, chart.unit)}</rect>"
                    )
    parts += _target(chart, vmax, left, top, plot_w, plot_h)
    return parts


def _horizontal_bars(chart: Chart, height: int) -> list[str]:
    left, right, top, bottom = 128, 16, 34, 24
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    vmax = _scale_max(chart)
    parts = []
    for k in range(5):
        v = vmax * k / 4
        x = left + plot_w * k / 4
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" class="chart-grid"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="chart-label">'
            f"{escape(fmt(v))}{escape(chart.unit if chart.unit == '%' else '')}</text>"
        )
    n = len(chart.categories)
    band = plot_h / n
    plotted = chart.plotted
    thick = min(band * 0.7, 28.0)  # one or two categories: bars, not blocks
    for i, category in enumerate(chart.categories):
        y0 = top + band * (i + 0.5) - thick / 2
        parts.append(
            f'<text x="{left - 6}" y="{top + band * (i + 0.5) + 4:.1f}" text-anchor="end" '
            f'class="chart-label">{escape(_short(category, 9))}</text>'
        )
        if chart.kind == "stacked":
            base = 0.0
            for s in plotted:
                v = float(s.values[i] or 0)
                if v <= 0:
                    continue
                parts.append(
                    f'<rect x="{left + plot_w * base / vmax:.1f}" y="{y0:.1f}" '
                    f'width="{max(plot_w * v / vmax, 0.5):.1f}" height="{thick:.1f}" '
                    f'class="chart-tone-{escape(s.tone)}">'
                    f"{_tip(category, s, s.values[i], chart.unit)}</rect>"
                )
                base += v
        else:
            h = thick / max(len(plotted), 1)
            for k, s in enumerate(plotted):
                value = s.values[i]
                if value is None:
                    continue
                parts.append(
                    f'<rect x="{left}" y="{y0 + h * k:.1f}" '
                    f'width="{max(plot_w * float(value) / vmax, 0.5):.1f}" height="{h:.1f}" '
                    f'class="chart-tone-{escape(_tone(chart, s, i))}">'
                    f"{_tip(category, s, value, chart.unit)}</rect>"
                )
    if chart.target is not None:
        x = left + plot_w * float(chart.target) / vmax
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" class="chart-target"/>'
        )
    return parts


def _y_axis(vmax: float, unit: str, left: int, top: int, plot_w: int, plot_h: int) -> list[str]:
    parts = []
    for k in range(5):
        v = vmax * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="chart-grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(fmt(v))}{escape(unit if unit == '%' else '')}</text>"
        )
    return parts


def _target(chart: Chart, vmax: float, left: int, top: int, plot_w: int, plot_h: int) -> list[str]:
    if chart.target is None:
        return []
    y = top + plot_h - plot_h * float(chart.target) / vmax
    return [
        f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="chart-target">'
        f"<title>{escape(chart.target_label)}</title></line>"
    ]


def tones(names: Sequence[str]) -> list[str]:
    """Neutral colours for series that are not statuses, in a fixed order."""
    return [f"c{1 + i % 6}" for i in range(len(names))]
