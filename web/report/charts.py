"""Geometry of the report's SVG charts, worked out here so the template only draws. Every chart also has
its numbers in a table next to it; the SVG carries a title and a description for screen readers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

WIDTH = 640
LABEL_WIDTH = 190
VALUE_WIDTH = 80
ROW_HEIGHT = 30
BAR_HEIGHT = 18
LEGEND_HEIGHT = 28


@dataclass
class Segment:
    x: float
    y: float
    width: float
    height: float
    series: int
    text: str


@dataclass
class Bar:
    label: str
    label_x: float
    label_y: float
    value_text: str
    value_x: float
    value_y: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    bars: list[Bar]
    series: list[str]
    legend_y: float
    axis: Optional[tuple[float, float, float, float]] = None  # x1, y1, x2, y2 of the baseline
    vertical: bool = False
    show_legend: bool = True

    def legend(self) -> list[tuple[float, str, int]]:
        """(x, name, series) of each legend entry, side by side."""
        step = min(LABEL_WIDTH, WIDTH / max(len(self.series), 1))
        return [(step * index, name, index) for index, name in enumerate(self.series)]


def horizontal(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, Sequence[float]]],
               series: Sequence[str], fmt: Callable[[float], str], *, legend: bool = True) -> Chart:
    """One horizontal bar per row, its segments stacked in ``series`` order; the total written after it.
    Without ``legend`` each row is its own series, named by its label."""
    legend = legend and len(series) > 1
    top = LEGEND_HEIGHT if legend else 6
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    biggest = max([sum(v for v in values if v) for _, values in rows] + [0]) or 1
    bars = []
    for index, (label, values) in enumerate(rows):
        y = top + index * ROW_HEIGHT
        bar = Bar(label=label, label_x=LABEL_WIDTH - 8, label_y=y + BAR_HEIGHT / 2 + 5,
                  value_text=fmt(sum(v for v in values if v)), value_x=0, value_y=y + BAR_HEIGHT / 2 + 5)
        x = LABEL_WIDTH
        for number, value in enumerate(values):
            width = span * (value or 0) / biggest
            if width > 0:
                bar.segments.append(Segment(x, y, width, BAR_HEIGHT, number, f"{series[number]}: {fmt(value)}"))
            x += width
        bar.value_x = x + 6
        bars.append(bar)
    height = top + max(len(rows), 1) * ROW_HEIGHT + 4
    return Chart(chart_id, title, desc, WIDTH, height, bars, list(series), legend_y=16,
                 axis=(LABEL_WIDTH, top - 4, LABEL_WIDTH, height - 6), show_legend=legend)


COLUMN_AREA = 180


def columns(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, Sequence[Optional[float]]]],
            series: Sequence[str], fmt: Callable[[float], str], *, top_value: Optional[float] = None) -> Chart:
    """One column per row (a quarter), its segments stacked upwards; the total above, the label below."""
    top = LEGEND_HEIGHT if len(series) > 1 else 10
    base = top + 20 + COLUMN_AREA
    slot = (WIDTH - 40) / max(len(rows), 1)
    width = min(70, slot * 0.6)
    biggest = top_value or max([sum(v or 0 for v in values) for _, values in rows] + [0]) or 1
    bars = []
    for index, (label, values) in enumerate(rows):
        x = 20 + slot * index + (slot - width) / 2
        total = sum(v or 0 for v in values)
        known = any(v is not None for v in values)
        bar = Bar(label=label, label_x=x + width / 2, label_y=base + 18,
                  value_text=fmt(total) if known else "–", value_x=x + width / 2, value_y=0)
        y = base
        for number, value in enumerate(values):
            height = COLUMN_AREA * (value or 0) / biggest
            if height > 0:
                y -= height
                bar.segments.append(Segment(x, y, width, height, number, f"{series[number]}: {fmt(value)}"))
        bar.value_y = y - 6
        bars.append(bar)
    return Chart(chart_id, title, desc, WIDTH, int(base + 28), bars, list(series), legend_y=16,
                 axis=(10, base, WIDTH - 10, base), vertical=True)
