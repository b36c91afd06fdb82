"""Server-rendered SVG charts: the geometry is computed here from the same rows as the
report's table, and drawn by the templates in templates/reports/charts/ (no JavaScript).

A chart is a plain dict for its template: its title, size, and the shapes with their
values, so the numbers in the SVG are the table's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

# Colour-blind-safe palette (Okabe–Ito), one colour per series.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]
_ids = count(1)

BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 200
BAR_AREA = 360
VALUE_WIDTH = 60


def _number(value) -> float:
    return float(value or 0)


def bar_chart(title, items: Sequence[tuple[str, float | None]], *, funnel: bool = False) -> dict:
    """Horizontal bars, one per (label, value); `funnel` centres them (a funnel chart)."""
    peak = max([_number(value) for _label, value in items] + [0]) or 1
    bars = []
    for index, (label, value) in enumerate(items):
        width = round(BAR_AREA * _number(value) / peak, 1)
        x = LABEL_WIDTH + ((BAR_AREA - width) / 2 if funnel else 0)
        y = index * (BAR_HEIGHT + BAR_GAP)
        bars.append(
            {
                "label": label,
                "value": value,
                "x": round(x, 1),
                "y": y,
                "width": width,
                "text_y": y + BAR_HEIGHT / 2 + 5,
                "colour": PALETTE[0],
            }
        )
    return {
        "id": f"chart-{next(_ids)}",
        "title": title,
        "kind": "funnel" if funnel else "bar",
        "width": LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        "height": max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP),
        "bar_height": BAR_HEIGHT,
        "label_x": LABEL_WIDTH - 8,
        "value_x": LABEL_WIDTH + BAR_AREA + 8,
        "bars": bars,
    }


LINE_WIDTH = 640
LINE_HEIGHT = 220
MARGIN_LEFT = 48
MARGIN_BOTTOM = 40
MARGIN_TOP = 12


def line_chart(
    title, x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> dict:
    """Lines over the x labels (months), one per (name, values); a None value is a gap in
    the data and is drawn at zero, with its point left out."""
    peak = max([_number(v) for _name, values in series for v in values] + [0]) or 1
    plot_width = LINE_WIDTH - MARGIN_LEFT - 12
    plot_height = LINE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    step = plot_width / max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return round(MARGIN_LEFT + index * step, 1)

    def y_at(value) -> float:
        return round(MARGIN_TOP + plot_height * (1 - _number(value) / peak), 1)

    lines = []
    for number, (name, values) in enumerate(series):
        points = [
            {"x": x_at(i), "y": y_at(v), "value": v, "label": x_labels[i]}
            for i, v in enumerate(values)
        ]
        lines.append(
            {
                "name": name,
                "colour": PALETTE[number % len(PALETTE)],
                "points": points,
                "path": " ".join(f"{p['x']},{p['y']}" for p in points),
                "legend_y": MARGIN_TOP + number * 16 + 4,
            }
        )
    ticks = [{"value": _tick(peak * share), "y": y_at(peak * share)} for share in (0, 0.5, 1)]
    return {
        "id": f"chart-{next(_ids)}",
        "title": title,
        "kind": "line",
        "width": LINE_WIDTH + 180,
        "height": LINE_HEIGHT,
        "plot_left": MARGIN_LEFT,
        "plot_right": LINE_WIDTH - 12,
        "plot_bottom": LINE_HEIGHT - MARGIN_BOTTOM,
        "label_y": LINE_HEIGHT - MARGIN_BOTTOM + 18,
        "legend_x": LINE_WIDTH + 8,
        "x_labels": [{"x": x_at(i), "label": label} for i, label in enumerate(x_labels)],
        "ticks": ticks,
        "lines": lines,
    }


def _tick(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)
