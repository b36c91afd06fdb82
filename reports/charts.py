"""Server-rendered SVG charts: the geometry is computed here from the same rows as the
report's table, and drawn by the templates in templates/reports/charts/ (no JavaScript).

A chart is a plain dict for its template: its title, height, and the shapes with their
values, so the numbers in the SVG are the table's numbers.

The SVG is never scaled: it is as wide as its box (horizontal positions are percentages)
and its vertical positions are pixels, so its text is drawn at FONT_SIZE on a phone as on
a desk. A viewBox shrunk to a phone's width shrank the text to 5 px (issue 19). Long bar
labels wrap onto more lines instead of being cut with "…"; the x labels of a line chart
that do not fit a narrow box are thinned by the container's width (reports.css).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import count

from django.utils.formats import localize

from crm.core.formatting import format_minutes

# Colour-blind-safe palette (Okabe–Ito), one colour per series.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]
_ids = count(1)
DASHES = ["", "6 3", "2 3"]

# The size of every text of a chart, in CSS pixels (the issue asks for at least 11).
FONT_SIZE = 13
# The narrowest box a chart is laid out for: a 360 px phone's card.
NARROWEST = 280
# An average character of the sans-serif font, as a share of its size (for wrapping and
# thinning; generous, so an estimate too small never makes text overlap).
CHAR_WIDTH = 0.62

# Bar charts: each bar under its label, its value at the end of the label's first line.
LINE_HEIGHT = 17
BAR_HEIGHT = 14
BAR_GAP = 4
ROW_GAP = 14
# Characters of a label's line: what fits beside a value such as "12d 10h" in NARROWEST.
LABEL_CHARS = 26

# Line charts: the tick numbers in a gutter of their own (a narrow SVG beside the plot),
# the plot spanning the rest of the box's width between these percentages.
LINE_HEIGHT_PX = 240
PLOT_TOP = 28
PLOT_BOTTOM = 32
PLOT_LEFT = 2.0
PLOT_RIGHT = 98.0
# The container widths from which more x labels are shown (reports.css holds the same).
X_LABEL_WIDTHS = {"s": NARROWEST, "m": 480, "l": 720}


def _number(value) -> float:
    return float(value or 0)


def _coordinate(value: float) -> str:
    """A coordinate as the SVG reads it: a dot, whatever the language."""
    return f"{round(value, 2):g}"


def _percent(value: float) -> str:
    return f"{_coordinate(value)}%"


def value_text(value, *, minutes: bool = False) -> str:
    """A chart's number as the table shows it: '—' for no data, a span in minutes as
    '45 min' or '2d 0h', any other number in the active language ('12,5')."""
    if value is None:
        return "—"
    return format_minutes(value) if minutes else str(localize(value))


def wrap(label: str, width: int = LABEL_CHARS) -> list[str]:
    """The label on lines of at most `width` characters, broken between words (a word
    longer than a line is broken inside it): the whole label, never cut short."""
    lines: list[str] = []
    line = ""
    for word in str(label).split():
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def bar_chart(
    title, items: Sequence[tuple[str, float | None]], *, funnel: bool = False, minutes=False
) -> dict:
    """Horizontal bars, one per (label, value), each under its label; `funnel` centres
    them (a funnel chart); `minutes` reads the values as spans of time."""
    peak = max([_number(value) for _label, value in items] + [0]) or 1
    bars = []
    y = 0
    for label, value in items:
        lines = wrap(label)
        bar_y = y + len(lines) * LINE_HEIGHT + BAR_GAP
        share = 100 * max(_number(value), 0) / peak
        x = (100 - share) / 2 if funnel else 0
        bars.append(
            {
                "label": label,
                "value": value,
                "text": value_text(value, minutes=minutes),
                "lines": [
                    {"text": text, "y": y + FONT_SIZE + index * LINE_HEIGHT}
                    for index, text in enumerate(lines)
                ],
                "x": _percent(x),
                "width": _percent(share),
                "y": bar_y,
            }
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    return {
        "id": f"chart-{next(_ids)}",
        "title": title,
        "kind": "funnel" if funnel else "bar",
        "font_size": FONT_SIZE,
        "height": max(y - ROW_GAP + 2, LINE_HEIGHT + 4),
        "bar_height": BAR_HEIGHT,
        "colour": PALETTE[0],
        "bars": bars,
    }


def line_chart(
    title,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    minutes: bool = False,
) -> dict:
    """Lines over the x labels (months, days), one per (name, values); a None value is a
    gap in the data: no point and no line to it."""
    peak = max([_number(v) for _name, values in series for v in values] + [0]) or 1
    plot_height = LINE_HEIGHT_PX - PLOT_TOP - PLOT_BOTTOM
    step = (PLOT_RIGHT - PLOT_LEFT) / max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return PLOT_LEFT + index * step if len(x_labels) > 1 else 50.0

    def y_at(value) -> str:
        return _coordinate(PLOT_TOP + plot_height * (1 - _number(value) / peak))

    lines = []
    for number, (name, values) in enumerate(series):
        points = [
            {
                "x": x_at(i),
                "y": y_at(v),
                "value": v,
                "text": value_text(v, minutes=minutes),
                "label": x_labels[i],
            }
            for i, v in enumerate(values)
        ]
        segments = [
            {"x1": _percent(a["x"]), "y1": a["y"], "x2": _percent(b["x"]), "y2": b["y"]}
            for a, b in zip(points, points[1:], strict=False)
            if a["value"] is not None and b["value"] is not None
        ]
        for point in points:
            # The value shown when the point is hovered: above it, towards the middle.
            point["anchor"] = "end" if point["x"] > 50 else "start"
            point["x"] = _percent(point["x"])
        lines.append(
            {
                "name": name,
                "colour": PALETTE[number % len(PALETTE)],
                # Past the palette's colours, a series is told apart by its dashes.
                "dash": DASHES[number // len(PALETTE) % len(DASHES)],
                "points": [p for p in points if p["value"] is not None],
                "segments": segments,
            }
        )
    ticks = [
        {"text": value_text(value, minutes=minutes), "y": y_at(value)}
        for value in _ticks(peak, whole=_whole(series))
    ]
    gutter = max(len(tick["text"]) for tick in ticks) * CHAR_WIDTH * FONT_SIZE + 10
    return {
        "id": f"chart-{next(_ids)}",
        "title": title,
        "kind": "line",
        "font_size": FONT_SIZE,
        "height": LINE_HEIGHT_PX,
        "gutter": round(gutter),
        "tick_x": round(gutter) - 6,
        "label_y": LINE_HEIGHT_PX - 10,
        "x_labels": _x_labels(x_labels, x_at, gutter=gutter),
        "ticks": ticks,
        "lines": lines,
    }


def _x_labels(labels: Sequence[str], x_at: Callable[[int], float], *, gutter: float) -> list[dict]:
    """The x labels, each with the container widths it is shown at ("s", "m", "l"): at
    each, every n-th label such that neighbours never overlap. The first label starts at
    its point and the last ends at its own, so none is clipped by the box's edges."""
    if not labels:
        return []
    widest = max(len(str(label)) for label in labels) * CHAR_WIDTH * FONT_SIZE + 8
    plot_share = (PLOT_RIGHT - PLOT_LEFT) / 100
    steps = {}
    for size, box in X_LABEL_WIDTHS.items():
        gap = plot_share * (box - gutter) / max(len(labels) - 1, 1)
        # A label at an edge reaches its whole width inwards: 1.5 labels between centres.
        steps[size] = max(math.ceil(1.5 * widest / gap), 1)
    last = len(labels) - 1
    result = []
    for index, label in enumerate(labels):
        anchor = "start" if index == 0 else "end" if index == last and last else "middle"
        if len(labels) == 1:
            anchor = "middle"
        result.append(
            {
                "label": label,
                "x": _percent(x_at(index)),
                "anchor": anchor,
                "sizes": " ".join(
                    f"chart__x--{size}" for size, n in steps.items() if index % n == 0
                ),
            }
        )
    return result


def _whole(series: Sequence[tuple[str, Sequence[float | None]]]) -> bool:
    return all(float(v).is_integer() for _name, values in series for v in values if v is not None)


def _ticks(peak: float, *, whole: bool) -> list[float | int]:
    """Zero, the middle and the peak; counts get no middle tick that is not a count."""
    middle = peak / 2
    if whole and not float(middle).is_integer():
        return [0, _tick(peak)]
    return [0, _tick(middle), _tick(peak)]


def _tick(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)
